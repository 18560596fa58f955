#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>

#include "sim_test_util.h"

namespace trailwall::panossim::test {
namespace {

std::string jobId(const ApiResponse& r) {
  return parse(r.body).select_node("/response/result/job").node().text().get();
}

std::string jobField(SimHarness& h, const std::string& id, const char* field) {
  const pugi::xml_document doc = parse(h.op("<show><jobs><id>" + id + "</id></jobs></show>").body);
  return doc.select_node(("/response/result/job/" + std::string(field)).c_str())
      .node()
      .text()
      .get();
}

bool inRunning(SimHarness& h, const std::string& xpath) {
  return parse(h.config("show", xpath).body).child("response").attribute("status").value() ==
         std::string("success");
}

TEST(Commit, NothingToCommitAnswersLikeTheDevice) {
  SimHarness h;
  EXPECT_EQ(canonicalXml(h.commit().body), canonicalXml(reference("commit-no-changes-puppet.xml")));
  EXPECT_EQ(h.sim->counters().commits_no_changes, 1U);
}

TEST(Commit, EnqueuedReplyHasTheReferenceShape) {
  SimHarness h;
  h.config("set", kAddress + "/entry[@name='h1']", "<ip-netmask>192.0.2.1</ip-netmask>");
  const std::string body = h.commit().body;
  std::string expected = canonicalXml(reference("commit-enqueued-puppet.xml"));
  EXPECT_EQ(canonicalXml(body), expected.replace(expected.find("jobid 2"), 7, "jobid 1")
                                    .replace(expected.find("<job>2</job>"), 12, "<job>1</job>"));
}

TEST(Commit, JobRunsActThenFinOkAndOnlyThenChangesRunning) {
  SimulatorOptions options;
  options.commit_duration = std::chrono::seconds(10);
  SimHarness h(options);
  h.config("set", kAddress + "/entry[@name='h1']", "<ip-netmask>192.0.2.1</ip-netmask>");
  const std::string id = jobId(h.commit("<commit><description>first</description></commit>"));
  EXPECT_EQ(jobField(h, id, "status"), "ACT");
  EXPECT_EQ(jobField(h, id, "result"), "PEND");
  EXPECT_EQ(jobField(h, id, "tfin"), "Still Active");
  h.clock.advance(std::chrono::seconds(5));
  EXPECT_EQ(jobField(h, id, "progress"), "50");
  EXPECT_FALSE(inRunning(h, kAddress + "/entry[@name='h1']"));
  h.clock.advance(std::chrono::seconds(5));
  EXPECT_EQ(jobField(h, id, "status"), "FIN");
  EXPECT_EQ(jobField(h, id, "result"), "OK");
  EXPECT_EQ(jobField(h, id, "progress"), "100");
  EXPECT_EQ(jobField(h, id, "description"), "first");
  EXPECT_EQ(jobField(h, id, "details/line"), "Configuration committed successfully");
  EXPECT_TRUE(inRunning(h, kAddress + "/entry[@name='h1']"));
  EXPECT_EQ(h.sim->counters().commits_ok, 1U);
}

TEST(Commit, ASecondCommitWaitsInTheQueue) {
  SimulatorOptions options;
  options.commit_duration = std::chrono::seconds(10);
  SimHarness h(options);
  h.config("set", kAddress + "/entry[@name='h1']", "<ip-netmask>192.0.2.1</ip-netmask>");
  const std::string first = jobId(h.commit());
  h.config("set", kAddress + "/entry[@name='h2']", "<ip-netmask>192.0.2.2</ip-netmask>");
  const std::string second = jobId(h.commit());
  EXPECT_EQ(jobField(h, second, "status"), "PEND");
  EXPECT_EQ(jobField(h, second, "positionInQ"), "1");
  h.clock.advance(std::chrono::seconds(15));
  EXPECT_EQ(jobField(h, first, "status"), "FIN");
  EXPECT_EQ(jobField(h, second, "status"), "ACT");
  h.clock.advance(std::chrono::seconds(10));
  EXPECT_EQ(jobField(h, second, "result"), "OK");
  EXPECT_TRUE(inRunning(h, kAddress + "/entry[@name='h2']"));
}

TEST(Commit, RuleReferencingAMissingObjectFailsTheJob) {
  SimHarness h;
  h.config("set", kRules + "/entry[@name='bad']",
           "<from><member>untrust</member></from><to><member>trust</member></to>"
           "<source><member>any</member></source><destination><member>no-such-host</member></"
           "destination>"
           "<application><member>ssh</member></application><service><member>application-default</"
           "member></service>"
           "<action>allow</action>");
  const pugi::xml_document job = parse(h.commitAndWait().body);
  EXPECT_STREQ(job.select_node("//job/result").node().text().get(), "FAIL");
  std::string details;
  for (const pugi::xpath_node& l : job.select_nodes("//job/details/line")) {
    details += std::string(l.node().text().get()) + "\n";
  }
  EXPECT_NE(details.find(" rulebase -> security -> rules -> bad -> destination 'no-such-host' is "
                         "not a valid reference"),
            std::string::npos)
      << details;
  EXPECT_FALSE(inRunning(h, kRules + "/entry[@name='bad']"));
  // The failed change stays in the candidate until reverted.
  EXPECT_STREQ(parse(h.op("<check><pending-changes/></check>").body)
                   .select_node("//result")
                   .node()
                   .text()
                   .get(),
               "yes");
  EXPECT_EQ(h.sim->counters().commits_failed, 1U);
}

TEST(PartialCommit, CommitsOnlyTheNamedAdministratorsChanges) {
  SimHarness h;
  h.config("set", kAddress + "/entry[@name='by-admin']", "<ip-netmask>192.0.2.1</ip-netmask>",
           "admin");
  h.config("set", kAddress + "/entry[@name='by-operator']", "<ip-netmask>192.0.2.2</ip-netmask>",
           "operator");
  const pugi::xml_document job =
      parse(h.commitAndWait(
                 "<commit><partial><admin><member>operator</member></admin></partial></commit>",
                 "operator")
                .body);
  EXPECT_STREQ(job.select_node("//job/result").node().text().get(), "OK");
  EXPECT_TRUE(inRunning(h, kAddress + "/entry[@name='by-operator']"));
  EXPECT_FALSE(inRunning(h, kAddress + "/entry[@name='by-admin']"));
  // admin's change is still pending and still marked as admin's.
  const pugi::xml_document cand = parse(h.config("get", kAddress).body);
  EXPECT_STREQ(cand.select_node("//entry[@name='by-admin']").node().attribute("admin").value(),
               "admin");
  EXPECT_FALSE(cand.select_node("//entry[@name='by-operator']").node().attribute("admin"));
  // Nothing left for operator; admin still has a change.
  EXPECT_EQ(
      canonicalXml(
          h.commit("<commit><partial><admin><member>operator</member></admin></partial></commit>",
                   "operator")
              .body),
      canonicalXml(reference("commit-no-changes-puppet.xml")));
  EXPECT_STREQ(
      parse(h.commitAndWait(
                 "<commit><partial><admin><member>admin</member></admin></partial></commit>")
                .body)
          .select_node("//job/result")
          .node()
          .text()
          .get(),
      "OK");
  EXPECT_TRUE(inRunning(h, kAddress + "/entry[@name='by-admin']"));
}

TEST(PartialCommit, AnotherAdministratorsBrokenChangeDoesNotFailMine) {
  SimHarness h;
  h.config(
      "set", kRules + "/entry[@name='half-done']",
      "<from><member>nowhere</member></from><to><member>trust</member></to><action>allow</action>",
      "operator");
  h.config("set", kAddress + "/entry[@name='mine']", "<ip-netmask>192.0.2.1</ip-netmask>", "admin");
  EXPECT_STREQ(parse(h.commitAndWait("<commit><force><partial><admin><member>admin</member></"
                                     "admin></partial></force></commit>")
                         .body)
                   .select_node("//job/result")
                   .node()
                   .text()
                   .get(),
               "OK");
  EXPECT_FALSE(inRunning(h, kRules + "/entry[@name='half-done']"));
}

TEST(Revert, ByAdministratorKeepsOthersChanges) {
  SimHarness h;
  h.config("set", kAddress + "/entry[@name='by-admin']", "<ip-netmask>192.0.2.1</ip-netmask>",
           "admin");
  h.config("set", kAddress + "/entry[@name='by-operator']", "<ip-netmask>192.0.2.2</ip-netmask>",
           "operator");
  EXPECT_EQ(canonicalXml(h.op("<revert><config><partial><admin><member>admin</member></admin></"
                              "partial></config></revert>")
                             .body),
            canonicalXml(reference("op-revert-config-ok.xml")));
  EXPECT_STREQ(parse(h.config("get", kAddress + "/entry[@name='by-admin']").body)
                   .child("response")
                   .attribute("code")
                   .value(),
               "7");
  EXPECT_STREQ(parse(h.config("get", kAddress + "/entry[@name='by-operator']").body)
                   .child("response")
                   .attribute("code")
                   .value(),
               "19");
  h.op("<revert><config/></revert>");
  EXPECT_STREQ(parse(h.op("<check><pending-changes/></check>").body)
                   .select_node("//result")
                   .node()
                   .text()
                   .get(),
               "no");
}

TEST(CommitLock, AnotherAdministratorsCommitLockBlocksCommits) {
  SimHarness h;
  h.op("<request><commit-lock><add/></commit-lock></request>", "operator");
  h.config("set", kAddress + "/entry[@name='h1']", "<ip-netmask>192.0.2.1</ip-netmask>");
  EXPECT_EQ(canonicalXml(h.commit().body),
            canonicalXml(reference("commit-error-14-commit-locks-held.xml")));
  h.op("<request><commit-lock><remove><admin>operator</admin></remove></commit-lock></request>");
  EXPECT_STREQ(parse(h.commitAndWait().body).select_node("//job/result").node().text().get(), "OK");
}

TEST(CommitLock, IsReleasedByTheHoldersCommitWhileAConfigLockStays) {
  SimHarness h;
  h.op("<request><commit-lock><add/></commit-lock></request>");
  h.op("<request><config-lock><add/></config-lock></request>");
  h.config("set", kAddress + "/entry[@name='h1']", "<ip-netmask>192.0.2.1</ip-netmask>");
  EXPECT_STREQ(parse(h.commitAndWait().body).select_node("//job/result").node().text().get(), "OK");
  EXPECT_EQ(parse(h.op("<show><commit-locks/></show>").body).select_nodes("//entry").size(), 0U);
  EXPECT_EQ(parse(h.op("<show><config-locks/></show>").body).select_nodes("//entry").size(), 1U);
}

TEST(Jobs, UnknownIdAndAllJobs) {
  SimHarness h;
  EXPECT_EQ(canonicalXml(h.op("<show><jobs><id>19</id></jobs></show>").body),
            canonicalXml(reference("error-7-job-not-found.xml")));
  h.config("set", kAddress + "/entry[@name='h1']", "<ip-netmask>192.0.2.1</ip-netmask>");
  h.commitAndWait();
  h.op("<validate><full></full></validate>");
  EXPECT_EQ(parse(h.op("<show><jobs><all/></jobs></show>").body).select_nodes("//job").size(), 2U);
}

TEST(StateFile, RunningConfigurationSurvivesARestart) {
  const std::string path = std::string(TRAILWALL_BINARY_DIR) + "/panos_sim_state_test.xml";
  std::remove(path.c_str());
  {
    SimulatorOptions options;
    options.state_file = path;
    SimHarness h(options);
    h.config("set", kAddress + "/entry[@name='kept']", "<ip-netmask>192.0.2.1</ip-netmask>");
    h.commitAndWait();
  }
  EXPECT_TRUE(std::filesystem::exists(path));
  SimulatorOptions options;
  options.state_file = path;
  SimHarness again(options);
  EXPECT_TRUE(inRunning(again, kAddress + "/entry[@name='kept']"));
  std::remove(path.c_str());
}

// ---- what a commit job commits (tools/panos-sim/commit_jobs.cpp) ----

ApiResponse setAddress(SimHarness& h, const std::string& name, const std::string& admin = "admin") {
  return h.config("set", kAddress + "/entry[@name='" + name + "']",
                  "<ip-netmask>192.0.2.1</ip-netmask>", admin);
}

TEST(CommitSnapshot, AChangeMadeWhileTheCommitRunsStaysUncommittedAndDirty) {
  SimulatorOptions options;
  options.commit_duration = std::chrono::seconds(10);
  SimHarness h(options);
  setAddress(h, "before");
  const std::string id = jobId(h.commit());
  h.clock.advance(std::chrono::seconds(5));
  ASSERT_EQ(jobField(h, id, "status"), "ACT");
  setAddress(h, "during", "operator");
  h.clock.advance(std::chrono::seconds(5));
  ASSERT_EQ(jobField(h, id, "result"), "OK");
  EXPECT_TRUE(inRunning(h, kAddress + "/entry[@name='before']"));
  EXPECT_FALSE(inRunning(h, kAddress + "/entry[@name='during']"));
  EXPECT_TRUE(inCandidate(h, "during"));
  const pugi::xml_document got = parse(h.config("get", kAddress + "/entry[@name='during']").body);
  const pugi::xml_node entry = got.select_node("//result/entry").node();
  EXPECT_STREQ(entry.attribute("admin").value(), "operator");
  EXPECT_STRNE(entry.attribute("dirtyId").value(), "");
  EXPECT_STREQ(got.select_node("//result/entry[@name='before']").node().attribute("admin").value(),
               "");
  EXPECT_EQ(messageOf(h.op("<check><pending-changes/></check>")), "yes");
  // The next commit (operator's own, partial) takes it.
  EXPECT_EQ(messageOf(h.commitAndWait(
                "<commit><partial><admin><member>operator</member></admin></partial></commit>",
                "operator")),
            "Configuration committed successfully");
  EXPECT_TRUE(inRunning(h, kAddress + "/entry[@name='during']"));
}

TEST(CommitSnapshot, AQueuedFullCommitTakesTheCandidateWhenItStarts) {
  SimulatorOptions options;
  options.commit_duration = std::chrono::seconds(10);
  SimHarness h(options);
  setAddress(h, "first");
  const std::string first = jobId(h.commit());
  h.clock.advance(std::chrono::seconds(1));
  setAddress(h, "second");
  const std::string second = jobId(h.commit());
  ASSERT_EQ(jobField(h, second, "status"), "PEND");
  h.clock.advance(std::chrono::seconds(4));
  setAddress(h, "while-queued", "operator");  // before the second job starts (at 10 s)
  // The queued full commit will take it: nothing more to commit.
  EXPECT_EQ(messageOf(h.commit()), "There are no changes to commit.");
  h.clock.advance(std::chrono::seconds(7));
  ASSERT_EQ(jobField(h, second, "status"), "ACT");
  setAddress(h, "while-running");  // after the second job started
  h.clock.advance(std::chrono::seconds(10));
  ASSERT_EQ(jobField(h, first, "result"), "OK");
  ASSERT_EQ(jobField(h, second, "result"), "OK");
  for (const char* name : {"first", "second", "while-queued"}) {
    EXPECT_TRUE(inRunning(h, kAddress + "/entry[@name='" + name + "']")) << name;
  }
  EXPECT_FALSE(inRunning(h, kAddress + "/entry[@name='while-running']"));
  EXPECT_TRUE(inCandidate(h, "while-running"));
}

TEST(CommitSnapshot, APartialCommitTakesTheAdministratorsChangesMadeBeforeTheRequest) {
  SimulatorOptions options;
  options.commit_duration = std::chrono::seconds(10);
  SimHarness h(options);
  const std::string mine =
      "<commit><partial><admin><member>admin</member></admin></partial>"
      "</commit>";
  setAddress(h, "operators", "operator");
  const std::string running = jobId(h.commit("<commit></commit>", "operator"));
  setAddress(h, "mine-1");
  const std::string queued = jobId(h.commit(mine));
  ASSERT_EQ(jobField(h, queued, "status"), "PEND");
  EXPECT_EQ(messageOf(h.commit(mine)), "There are no changes to commit.");
  h.clock.advance(std::chrono::seconds(5));
  setAddress(h, "mine-2");  // the queued job has not started, but was asked for before this
  h.clock.advance(std::chrono::seconds(20));
  ASSERT_EQ(jobField(h, running, "result"), "OK");
  ASSERT_EQ(jobField(h, queued, "result"), "OK");
  EXPECT_TRUE(inRunning(h, kAddress + "/entry[@name='operators']"));
  EXPECT_TRUE(inRunning(h, kAddress + "/entry[@name='mine-1']"));
  EXPECT_FALSE(inRunning(h, kAddress + "/entry[@name='mine-2']"));
  EXPECT_STREQ(parse(h.config("get", kAddress + "/entry[@name='mine-2']").body)
                   .select_node("//result/entry")
                   .node()
                   .attribute("admin")
                   .value(),
               "admin");
  EXPECT_EQ(codeOf(h.commit(mine)), "19");  // mine-2 is still to commit
}

TEST(Jobs, ShowJobsAllListsUserTypeTimesStatusResultAndDescription) {
  SimulatorOptions options;
  options.commit_duration = std::chrono::seconds(10);
  SimHarness h(options);
  setAddress(h, "a1");
  h.commit("<commit><description>trailwall run r-1</description></commit>");
  h.clock.advance(std::chrono::seconds(12));
  setAddress(h, "o1", "operator");
  h.commit(
      "<commit><partial><admin><member>operator</member></admin></partial>"
      "<description>by hand</description></commit>",
      "operator");
  h.clock.advance(std::chrono::seconds(3));
  const pugi::xml_document all = parse(h.op("<show><jobs><all/></jobs></show>").body);
  const pugi::xpath_node_set jobs = all.select_nodes("/response/result/job");
  ASSERT_EQ(jobs.size(), 2U);
  const pugi::xml_node done = jobs[0].node();
  const pugi::xml_node running = jobs[1].node();
  EXPECT_STREQ(done.child("id").text().get(), "1");
  EXPECT_STREQ(done.child("user").text().get(), "admin");
  EXPECT_STREQ(done.child("type").text().get(), "Commit");
  EXPECT_STREQ(done.child("tenq").text().get(), "2023/11/14 22:13:20");
  EXPECT_STREQ(done.child("status").text().get(), "FIN");
  EXPECT_STREQ(done.child("result").text().get(), "OK");
  EXPECT_STREQ(done.child("tfin").text().get(), "2023/11/14 22:13:30");
  EXPECT_STREQ(done.child("description").text().get(), "trailwall run r-1");
  EXPECT_STREQ(running.child("user").text().get(), "operator");
  EXPECT_STREQ(running.child("tenq").text().get(), "2023/11/14 22:13:32");
  EXPECT_STREQ(running.child("status").text().get(), "ACT");
  EXPECT_STREQ(running.child("result").text().get(), "PEND");
  EXPECT_STREQ(running.child("description").text().get(), "by hand");
  // Same children, in the same order, as the device's finished commit job.
  const pugi::xml_document ref = parse(reference("job-commit-fin-ok.xml"));
  std::vector<std::string> want, got;
  for (pugi::xml_node c = ref.select_node("//job").node().first_child(); c; c = c.next_sibling()) {
    want.emplace_back(c.name());
  }
  for (pugi::xml_node c = done.first_child(); c; c = c.next_sibling()) {
    got.emplace_back(c.name());
  }
  EXPECT_EQ(got, want);
  EXPECT_EQ(parse(h.op("<show><jobs><pending/></jobs></show>").body).select_nodes("//job").size(),
            1U);
  EXPECT_EQ(parse(h.op("<show><jobs><processed/></jobs></show>").body).select_nodes("//job").size(),
            1U);
}

}  // namespace
}  // namespace trailwall::panossim::test
