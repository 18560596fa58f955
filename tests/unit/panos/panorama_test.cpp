// Panorama's pure pieces (panorama.h): the push command, the replies it reads (real shapes from
// shared/reference/panos), and the decision whether a push may go out.
#include "panos/panorama.h"

#include <gtest/gtest.h>

#include "panos/xpath.h"
#include "reference.h"

namespace trailwall::panos {
namespace {

using testing::parseReference;

TEST(PanoramaPaths, DeviceGroupRulebasesAndObjects) {
  Location location;
  location.device_group = "dg1";
  const auto pre = ConfigPaths::forLocation(location).value();
  const std::string dg =
      "/config/devices/entry[@name='localhost.localdomain']/device-group/entry[@name='dg1']";
  EXPECT_EQ(pre.vsys(), dg);
  EXPECT_EQ(pre.rules(), dg + "/pre-rulebase/security/rules");
  EXPECT_EQ(pre.rule("r1").value(), dg + "/pre-rulebase/security/rules/entry[@name='r1']");
  EXPECT_EQ(pre.services(), dg + "/service");
  EXPECT_EQ(pre.tags(), dg + "/tag");
  EXPECT_EQ(pre.addressGroups(), dg + "/address-group");
  location.rulebase = PanoramaRulebase::Post;
  EXPECT_EQ(ConfigPaths::forLocation(location).value().rules(),
            dg + "/post-rulebase/security/rules");
  // A firewall's vsys is unchanged.
  EXPECT_EQ(ConfigPaths::forLocation({}).value().rules(),
            "/config/devices/entry[@name='localhost.localdomain']/vsys/entry[@name='vsys1']"
            "/rulebase/security/rules");
}

TEST(PanoramaPaths, RefusesDeviceGroupNamesPanoramaDoesNotAllow) {
  for (const std::string& name :
       {std::string("shared"), std::string(64, 'a'), std::string("a'b\"c"), std::string("dg\n1")}) {
    Location location;
    location.device_group = name;
    const auto paths = ConfigPaths::forLocation(location);
    ASSERT_FALSE(paths) << name;
    EXPECT_EQ(paths.error().code, ErrorCode::Config) << name;
  }
  Location apostrophe;
  apostrophe.device_group = "o'brien";
  EXPECT_EQ(ConfigPaths::forLocation(apostrophe).value().vsys(),
            "/config/devices/entry[@name='localhost.localdomain']/device-group/entry"
            "[@name=\"o'brien\"]");
  EXPECT_TRUE(validateDeviceGroupName(std::string(63, 'a')));
}

TEST(CommitAll, BuildsTheSharedPolicyPushOfOneDeviceGroup) {
  EXPECT_EQ(commitAllCommand("dg1", "", "").value(),
            "<commit-all><shared-policy><device-group><entry name=\"dg1\"/></device-group>"
            "</shared-policy></commit-all>");
  EXPECT_EQ(commitAllCommand("dg1", "trailwall", "run 7").value(),
            "<commit-all><shared-policy><device-group><entry name=\"dg1\"/></device-group>"
            "<admin><member>trailwall</member></admin><description>run 7</description>"
            "</shared-policy></commit-all>");
  // Escaped, never able to add elements.
  EXPECT_EQ(commitAllCommand("a<b\"", "", "").value(),
            "<commit-all><shared-policy><device-group><entry name=\"a&lt;b&quot;\"/>"
            "</device-group></shared-policy></commit-all>");
  EXPECT_FALSE(commitAllCommand("", "", ""));
  EXPECT_FALSE(commitAllCommand("dg1", "", std::string(513, 'x')));
  EXPECT_FALSE(commitAllCommand("dg1", "", "bad\x01"));
}

TEST(PushJob, ReadsTheEnqueuedPushJob) {
  EXPECT_EQ(
      parseCommitReply(parseReference("commit-all-enqueued-push-job-xsoar.xml")).value().job_id,
      123);
}

TEST(PushJob, ReadsPerDeviceResults) {
  const auto job = parseJob(parseReference("job-commitall-fin-ok-devices-xsoar.xml"), 123).value();
  EXPECT_EQ(job.type, "CommitAll");
  EXPECT_EQ(job.dgname, "Lab-Devices");
  EXPECT_TRUE(job.done());
  ASSERT_EQ(job.devices.size(), 2U);
  EXPECT_EQ(job.devices[0].serial, "007051000050926");
  EXPECT_EQ(job.devices[0].name, "PA-VM");
  EXPECT_EQ(job.devices[0].status, "commit succeeded with warnings");
  EXPECT_EQ(job.devices[0].result, JobResult::Ok);
  ASSERT_FALSE(job.devices[0].details.empty());
  EXPECT_EQ(job.devices[0].details[0], "Configuration committed successfully");
  EXPECT_EQ(job.devices[1].name, "PA-VM_FW-02_8.1.0");
  EXPECT_TRUE(pushResult(job, "Lab-Devices"));
}

TEST(PushJob, ARunningPushIsNotDone) {
  const auto job =
      parseJob(parseReference("job-commitall-act-pend-progress69-xsoar.xml"), 123).value();
  EXPECT_FALSE(job.done());
}

TEST(PushJob, AFailureOnOneFirewallIsAnErrorNamingIt) {
  auto response = ApiResponse::parse(
      "<response status=\"success\"><result><job><id>9</id><type>CommitAll</type>"
      "<status>FIN</status><result>FAIL</result><progress>100</progress>"
      "<dgname>dg1</dgname><devices>"
      "<entry><serial-no>111</serial-no><devicename>fw1</devicename>"
      "<status>commit succeeded</status><result>OK</result></entry>"
      "<entry><serial-no>222</serial-no><devicename>fw2</devicename>"
      "<status>commit failed</status><result>FAIL</result><details><msg><errors>"
      "<line>rule r1: zone 'x' is not valid</line></errors></msg></details></entry>"
      "</devices></job></result></response>");
  ASSERT_TRUE(response);
  const auto job = parseJob(*response, 9).value();
  const auto result = pushResult(job, "dg1");
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::Remote);
  EXPECT_NE(result.error().message.find("fw2 (222): commit failed: rule r1: zone 'x' is not valid"),
            std::string::npos)
      << result.error().message;
  EXPECT_EQ(result.error().message.find("fw1"), std::string::npos) << result.error().message;
}

TEST(PushJob, ADevicePendingKeepsTheJobRunning) {
  auto response = ApiResponse::parse(
      "<response status=\"success\"><result><job><id>9</id><type>CommitAll</type>"
      "<status>FIN</status><result>OK</result><progress>100</progress><devices>"
      "<entry><serial-no>111</serial-no><result>PEND</result></entry>"
      "</devices></job></result></response>");
  ASSERT_TRUE(response);
  EXPECT_FALSE(parseJob(*response, 9).value().done());
}

TEST(DeviceGroups, ReadsEachFirewallsSyncState) {
  const auto response = parseReference("op-show-devicegroups-xsoar.xml");
  const auto lab = parseDeviceGroup(response, "LAB").value();
  ASSERT_EQ(lab.size(), 2U);
  EXPECT_EQ(lab[0].serial, "111111111111111");
  EXPECT_EQ(lab[0].hostname, "vm-lab-fw1");
  EXPECT_TRUE(lab[0].connected);
  EXPECT_TRUE(lab[0].inSync());
  EXPECT_EQ(lab[1].status, "Out of Sync");
  EXPECT_FALSE(lab[1].inSync());
  EXPECT_EQ(lab[1].label(), "vm-lab-fw02 (222222222222222)");
  EXPECT_TRUE(parseDeviceGroup(response, "LAB-Child-1").value().empty());
  const auto missing = parseDeviceGroup(response, "nope");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::NotFound);
}

TEST(DeviceGroups, AMultiVsysFirewallIsInSyncOnlyWhenEveryVsysIs) {
  auto response = ApiResponse::parse(
      "<response status=\"success\"><result><devicegroups><entry name=\"dg\"><devices>"
      "<entry name=\"1\"><serial>1</serial><shared-policy-status/><vsys>"
      "<entry name=\"vsys1\"><shared-policy-status>In Sync</shared-policy-status></entry>"
      "<entry name=\"vsys2\"><shared-policy-status>Out of Sync</shared-policy-status></entry>"
      "</vsys></entry>"
      "<entry name=\"2\"><serial>2</serial><vsys>"
      "<entry name=\"vsys1\"><shared-policy-status>In Sync</shared-policy-status></entry>"
      "</vsys></entry></devices></entry></devicegroups></result></response>");
  ASSERT_TRUE(response);
  const auto devices = parseDeviceGroup(*response, "dg").value();
  ASSERT_EQ(devices.size(), 2U);
  EXPECT_FALSE(devices[0].inSync());
  EXPECT_TRUE(devices[1].inSync());
}

TEST(SoftwareVersion, ReadsPanoramasVersion) {
  EXPECT_EQ(
      systemInfoVersion(parseReference("op-show-system-info-panorama-1009-xsoar.xml")).value(),
      (SoftwareVersion{10, 0, 9}));
  EXPECT_EQ(parseSoftwareVersion("10.2.11-h12").value(), (SoftwareVersion{10, 2, 11}));
  EXPECT_EQ(parseSoftwareVersion("11.1").value(), (SoftwareVersion{11, 1, 0}));
  EXPECT_FALSE(parseSoftwareVersion("ten"));
  EXPECT_FALSE(parseSoftwareVersion("10"));
  EXPECT_FALSE(supportsAdminScopedPush({10, 1, 14}));
  EXPECT_TRUE(supportsAdminScopedPush({10, 2, 0}));
  EXPECT_TRUE(supportsAdminScopedPush({11, 0, 0}));
}

GroupDevice device(const char* status) {
  GroupDevice d;
  d.serial = "1";
  d.status = status;
  return d;
}

// The decision table of docs/panorama.md, row by row.
TEST(DecidePush, ByVersionSyncStateAndPolicy) {
  const std::vector<GroupDevice> in_sync{device("In Sync"), device("In Sync")};
  const std::vector<GroupDevice> one_out{device("In Sync"), device("Out of Sync")};
  const std::vector<GroupDevice> never_pushed{device("")};
  const SoftwareVersion old{10, 1, 9};
  const SoftwareVersion v102{10, 2, 0};
  struct Row {
    PushPolicy policy;
    std::optional<SoftwareVersion> version;
    const std::vector<GroupDevice>* before;
    PushAction expected;
  };
  const Row rows[] = {
      {PushPolicy::Auto, v102, &in_sync, PushAction::AdminScoped},
      {PushPolicy::Auto, v102, &one_out, PushAction::AdminScoped},
      {PushPolicy::Auto, old, &in_sync, PushAction::Full},
      {PushPolicy::Auto, old, &one_out, PushAction::Defer},
      {PushPolicy::Auto, old, &never_pushed, PushAction::Defer},
      {PushPolicy::Auto, std::nullopt, &in_sync, PushAction::Full},
      {PushPolicy::Auto, std::nullopt, &one_out, PushAction::Defer},
      {PushPolicy::Always, old, &one_out, PushAction::Full},
      {PushPolicy::Always, v102, &one_out, PushAction::Full},
      {PushPolicy::Never, old, &in_sync, PushAction::Skip},
      {PushPolicy::Never, v102, &one_out, PushAction::Skip},
  };
  for (const auto& row : rows) {
    EXPECT_EQ(decidePush(row.policy, row.version, *row.before), row.expected)
        << to_string(row.policy) << " " << (row.version ? row.version->minor : -1);
  }
  EXPECT_EQ(decidePush(PushPolicy::Auto, old, {}), PushAction::Skip);  // no firewall in the group
}

TEST(PushPolicy, ParsesTheConfiguredWords) {
  EXPECT_EQ(parsePushPolicy("auto").value(), PushPolicy::Auto);
  EXPECT_EQ(parsePushPolicy("never").value(), PushPolicy::Never);
  EXPECT_EQ(parsePushPolicy("always").value(), PushPolicy::Always);
  EXPECT_EQ(parsePushPolicy("sometimes").error().code, ErrorCode::Config);
}

Job job(std::int64_t id, const char* type, const char* user, const char* dg = "") {
  Job j;
  j.id = id;
  j.type = type;
  j.user = user;
  j.dgname = dg;
  j.status = JobStatus::Finished;
  j.result = JobResult::Ok;
  return j;
}

TEST(UnpushedCommitters, CommitsAfterTheGroupsLastPushByOthers) {
  std::vector<Job> jobs{job(1, "Commit", "alice"), job(2, "CommitAll", "admin", "dg1"),
                        job(3, "Commit", "bob"),   job(4, "CommitAll", "admin", "dg2"),
                        job(5, "Commit", "carol"), job(6, "Commit", "trailwall"),
                        job(7, "Commit", "bob")};
  jobs.push_back(job(8, "Commit", "dave"));
  jobs.back().result = JobResult::Fail;  // a failed commit left nothing to push
  EXPECT_EQ(unpushedCommitters(jobs, "dg1", "trailwall"),
            (std::vector<std::string>{"bob", "carol"}));
  EXPECT_EQ(unpushedCommitters(jobs, "dg2", "trailwall"),
            (std::vector<std::string>{"carol", "bob"}));
}

TEST(PushReport, DeferralSaysWhatAndWho) {
  PushReport report;
  report.device_group = "dg1";
  report.action = PushAction::Defer;
  report.deferred = true;
  report.version = "10.1.9";
  report.unpushed_by = {"operator"};
  report.out_of_sync = {"fw1 (007) (Out of Sync)"};
  const auto text = report.summary();
  EXPECT_EQ(text.rfind("push deferred: device group dg1 has changes not yet pushed (committed by "
                       "operator)",
                       0),
            0U)
      << text;
  EXPECT_NE(text.find("fw1 (007)"), std::string::npos) << text;
}

}  // namespace
}  // namespace trailwall::panos
