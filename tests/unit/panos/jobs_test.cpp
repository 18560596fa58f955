#include "panos/jobs.h"

#include <gtest/gtest.h>

#include "reference.h"

namespace trailwall::panos {
namespace {

using testing::parseReference;

TEST(CommitReply, ReadsTheEnqueuedJobId) {
  EXPECT_EQ(parseCommitReply(parseReference("commit-enqueued-docs.xml")).value().job_id, 4);
  EXPECT_EQ(parseCommitReply(parseReference("commit-enqueued-puppet.xml")).value().job_id, 2);
  EXPECT_EQ(parseCommitReply(parseReference("commit-enqueued-panorama-111.xml")).value().job_id,
            70);
}

TEST(CommitReply, NoChangesMeansNoJob) {
  for (const char* file : {"commit-no-changes-docs.xml", "commit-no-changes-puppet.xml"}) {
    const auto started = parseCommitReply(parseReference(file)).value();
    EXPECT_FALSE(started.job_id.has_value()) << file;
    EXPECT_EQ(started.message, "There are no changes to commit.");
  }
}

TEST(CommitReply, FallsBackToTheMessageAndRejectsNonsense) {
  auto r = ApiResponse::parse(
      "<response status=\"success\" code=\"19\"><msg><line>Commit job enqueued with jobid 17"
      "</line></msg></response>");
  EXPECT_EQ(parseCommitReply(*r).value().job_id, 17);
  r = ApiResponse::parse(
      "<response status=\"success\" code=\"19\"><result><job>x</job></result></response>");
  EXPECT_EQ(parseCommitReply(*r).error().code, ErrorCode::Remote);
  r = ApiResponse::parse("<response status=\"success\"><result/></response>");
  EXPECT_EQ(parseCommitReply(*r).error().code, ErrorCode::Remote);
}

TEST(Job, ReadsTheThreeProgressShapesAsRunning) {
  for (const auto& [file, progress] :
       std::vector<std::pair<const char*, int>>{{"job-commit-act-pend-progress0.xml", 0},
                                                {"job-commit-act-pend-progress75.xml", 75},
                                                {"job-commit-act-pend-progress99.xml", 99}}) {
    const auto job = parseJob(parseReference(file), 2).value();
    EXPECT_EQ(job.status, JobStatus::Active) << file;
    EXPECT_EQ(job.result, JobResult::Pending) << file;
    EXPECT_EQ(job.progress, progress) << file;
    EXPECT_EQ(job.finished, "Still Active");
    EXPECT_FALSE(job.done()) << file;
  }
}

TEST(Job, ReadsFinishedOk) {
  const auto job = parseJob(parseReference("job-commit-fin-ok.xml"), 2).value();
  EXPECT_TRUE(job.done());
  EXPECT_EQ(job.result, JobResult::Ok);
  EXPECT_EQ(job.type, "Commit");
  EXPECT_EQ(job.user, "admin");
  EXPECT_EQ(job.details, std::vector<std::string>{"Configuration committed successfully"});
  EXPECT_EQ(job.enqueued, "2018/06/12 04:36:45");
  EXPECT_EQ(job.finished, "04:36:57");
  const auto pano = parseJob(parseReference("job-commit-fin-ok-panorama-111.xml"), 70).value();
  EXPECT_EQ(pano.details.size(), 5U);
  EXPECT_EQ(pano.warnings, std::vector<std::string>{"abc"});
}

TEST(Job, ReadsFinishedFailWithItsDetailLines) {
  const auto job = parseJob(parseReference("job-validate-fin-fail.xml"), 8).value();
  EXPECT_TRUE(job.done());
  EXPECT_EQ(job.result, JobResult::Fail);
  ASSERT_EQ(job.details.size(), 6U);
  EXPECT_EQ(job.details[0], "Validation Error:");
  EXPECT_EQ(job.details[1],
            "address -> address-3 Node ip-netmask(line 30226) and ip-range(line 30227) are "
            "mutually exclusive");
}

TEST(Job, PicksTheRequestedJobFromAList) {
  const auto job = parseJob(parseReference("job-show-jobs-with-failed-xsoar.xml"), 7).value();
  EXPECT_EQ(job.description, "description");
  EXPECT_EQ(parseJob(parseReference("job-show-jobs-all-xsoar.xml"), 99).error().code,
            ErrorCode::NotFound);
}

TEST(Job, WaitsForEveryPanoramaDevice) {
  auto job = parseJob(parseReference("job-commitall-fin-ok-devices-xsoar.xml"), 123).value();
  EXPECT_TRUE(job.done());
  auto r = ApiResponse::parse(
      "<response status=\"success\"><result><job><id>5</id><status>FIN</status><result>OK</result>"
      "<progress>100</progress><devices><entry><result>PEND</result></entry></devices></job>"
      "</result></response>");
  EXPECT_FALSE(parseJob(*r, 5).value().done());
}

TEST(Job, CompletesOnProgressHundredWithAFinalResult) {
  auto r = ApiResponse::parse(
      "<response status=\"success\"><result><job><id>5</id><status>ACT</status><result>OK</result>"
      "<progress>100</progress></job></result></response>");
  EXPECT_TRUE(parseJob(*r, 5).value().done());
}

}  // namespace
}  // namespace trailwall::panos
