#include <gtest/gtest.h>

#include "sim_test_util.h"

namespace trailwall::panossim::test {
namespace {

TEST(Faults, ChosenApiErrorAnswersMatchingRequestsAndCountsDown) {
  SimulatorOptions options;
  ApiErrorFault f;
  f.type = "config";
  f.action = "set";
  f.code = 14;
  f.message = "Operation not possible";
  f.remaining = 1;
  options.faults.api_errors.push_back(f);
  SimHarness h(options);
  const std::string xpath = kAddress + "/entry[@name='h1']";
  const pugi::xml_document first =
      parse(h.config("set", xpath, "<ip-netmask>192.0.2.1</ip-netmask>").body);
  EXPECT_STREQ(first.child("response").attribute("code").value(), "14");
  EXPECT_STREQ(first.select_node("//line").node().text().get(), "Operation not possible");
  // Other actions are not affected, and the fault is used up.
  EXPECT_STREQ(parse(h.config("get", kAddress).body).child("response").attribute("code").value(),
               "19");
  EXPECT_STREQ(parse(h.config("set", xpath, "<ip-netmask>192.0.2.1</ip-netmask>").body)
                   .child("response")
                   .attribute("code")
                   .value(),
               "20");
  EXPECT_EQ(h.sim->counters().faults_api_error, 1U);
}

TEST(Faults, HttpErrorHasNoEffectOnTheDevice) {
  SimulatorOptions options;
  options.faults.http_error_rate = 1.0;
  options.faults.http_error_status = 502;
  SimHarness h(options);
  const ApiResponse r =
      h.config("set", kAddress + "/entry[@name='h1']", "<ip-netmask>192.0.2.1</ip-netmask>");
  EXPECT_EQ(r.http_status, 502);
  h.sim->setFaults({});
  EXPECT_STREQ(parse(h.config("get", kAddress + "/entry[@name='h1']").body)
                   .child("response")
                   .attribute("code")
                   .value(),
               "7");
  EXPECT_EQ(h.sim->counters().faults_http_error, 1U);
}

TEST(Faults, DroppedConnectionHappensAfterTheDeviceActed) {
  SimulatorOptions options;
  options.faults.drop_rate = 1.0;
  SimHarness h(options);
  const ApiResponse r =
      h.config("set", kAddress + "/entry[@name='h1']", "<ip-netmask>192.0.2.1</ip-netmask>");
  EXPECT_EQ(r.fault, TransportFault::Drop);
  h.sim->setFaults({});
  EXPECT_STREQ(parse(h.config("get", kAddress + "/entry[@name='h1']").body)
                   .child("response")
                   .attribute("code")
                   .value(),
               "19");
}

TEST(Faults, LatencyIsAskedOfTheServer) {
  SimulatorOptions options;
  options.faults.latency = std::chrono::milliseconds(250);
  SimHarness h(options);
  EXPECT_EQ(h.op("<show><system><info/></system></show>").delay, std::chrono::milliseconds(250));
}

TEST(Faults, CommitsFailWhileTold) {
  SimulatorOptions options;
  options.faults.fail_commits = 1;
  SimHarness h(options);
  h.config("set", kAddress + "/entry[@name='h1']", "<ip-netmask>192.0.2.1</ip-netmask>");
  EXPECT_STREQ(parse(h.commitAndWait().body).select_node("//job/result").node().text().get(),
               "FAIL");
  EXPECT_STREQ(parse(h.commitAndWait().body).select_node("//job/result").node().text().get(), "OK");
}

TEST(Faults, LockHeldByAnotherAdministrator) {
  SimulatorOptions options;
  options.faults.config_lock_holder = "mallory";
  options.faults.commit_lock_holder = "mallory";
  SimHarness h(options);
  const pugi::xml_document locks = parse(h.op("<show><config-locks/></show>").body);
  EXPECT_STREQ(locks.select_node("//config-locks/entry").node().attribute("name").value(),
               "mallory");
  EXPECT_STREQ(
      parse(h.config("set", kAddress + "/entry[@name='h1']", "<ip-netmask>192.0.2.1</ip-netmask>")
                .body)
          .child("response")
          .attribute("status")
          .value(),
      "error");
  h.sim->setFaults({});
  EXPECT_STREQ(
      parse(h.config("set", kAddress + "/entry[@name='h1']", "<ip-netmask>192.0.2.1</ip-netmask>")
                .body)
          .child("response")
          .attribute("code")
          .value(),
      "20");
}

TEST(Faults, ControlEndpointReadsAndSetsFaultsAsJson) {
  SimHarness h;
  const ApiResponse set = h.sim->handleControl(
      "PUT", "/sim/faults",
      R"({"latency_ms": 5, "api_errors": [{"type": "op", "code": 13, "message": "x"}], "fail_commits": 2})");
  EXPECT_EQ(set.http_status, 200) << set.body;
  EXPECT_EQ(h.sim->faults().fail_commits, 2);
  EXPECT_EQ(h.sim->faults().api_errors.size(), 1U);
  EXPECT_EQ(h.sim->handleControl("PUT", "/sim/faults", "{not json").http_status, 400);
  h.op("<show><system><info/></system></show>");
  const ApiResponse counters = h.sim->handleControl("GET", "/sim/counters", "");
  EXPECT_NE(counters.body.find("\"op/show system info\":1"), std::string::npos) << counters.body;
  const ApiResponse log = h.sim->handleControl("GET", "/sim/log?after=0", "");
  EXPECT_NE(log.body.find("\"admin\":\"admin\""), std::string::npos);
  EXPECT_EQ(h.sim->handleControl("GET", "/sim/nope", "").http_status, 404);
}

TEST(RequestLog, InvalidUtf8InRequestsDoesNotBreakTheJsonViews) {
  SimHarness h;
  h.call({{"type", "config"}, {"action", "se\xaf\x01"}, {"xpath", "/config/\xff"}});
  const ApiResponse log = h.sim->handleControl("GET", "/sim/log", "");
  EXPECT_EQ(log.http_status, 200);
  EXPECT_NE(log.body.find("\xef\xbf\xbd"), std::string::npos);  // U+FFFD replacement
  EXPECT_EQ(h.sim->handleControl("GET", "/sim/counters", "").http_status, 200);
}

TEST(RequestLog, NeverHoldsKeysOrPasswords) {
  SimHarness h;
  const std::string key = h.key("admin");
  h.call({{"type", "keygen"}, {"user", "admin"}, {"password", "admin"}}, "");
  h.config("set", "/config/mgt-config/users/entry[@name='x']", "<phash>$1$secret$hash</phash>");
  const std::string log = h.sim->handleControl("GET", "/sim/log", "").body;
  EXPECT_EQ(log.find(key), std::string::npos);
  EXPECT_EQ(log.find("$1$secret$hash"), std::string::npos);
}

// ---- request rules: drops, hangs, slow answers; commit duration ----

TEST(Faults, DropAfterACommitWasEnqueuedLeavesTheJobForTheClientToFind) {
  SimulatorOptions options;
  options.commit_duration = std::chrono::seconds(10);
  options.faults.drops.push_back({.type = "commit", .remaining = 1});
  SimHarness h(options);
  h.config("set", kAddress + "/entry[@name='h1']", "<ip-netmask>192.0.2.1</ip-netmask>");
  EXPECT_EQ(h.config("get", kAddress).fault, TransportFault::None);  // not a commit
  const ApiResponse lost = h.commit("<commit><description>run r-7</description></commit>");
  EXPECT_EQ(lost.fault, TransportFault::Drop);
  EXPECT_EQ(h.sim->counters().commits_enqueued, 1U);
  EXPECT_EQ(h.sim->counters().faults_dropped, 1U);
  // The job runs all the same; show jobs all finds it by user and description.
  const pugi::xml_document all = parse(h.op("<show><jobs><all/></jobs></show>").body);
  const pugi::xml_node job = all.select_node("//job[description='run r-7']").node();
  ASSERT_TRUE(job);
  EXPECT_STREQ(job.child("user").text().get(), "admin");
  EXPECT_STREQ(job.child("status").text().get(), "ACT");
  h.clock.advance(std::chrono::seconds(10));
  EXPECT_EQ(messageOf(h.op("<show><jobs><id>1</id></jobs></show>")),
            "Configuration committed successfully");
  EXPECT_EQ(h.sim->faults().drops.front().remaining, 0);
  EXPECT_EQ(h.commit().fault, TransportFault::None);  // used up
}

TEST(Faults, AHungRequestIsNeverActedOn) {
  SimulatorOptions options;
  options.faults.hangs.push_back({.type = "config", .action = "set"});
  SimHarness h(options);
  const ApiResponse hung =
      h.config("set", kAddress + "/entry[@name='h1']", "<ip-netmask>192.0.2.1</ip-netmask>");
  EXPECT_EQ(hung.fault, TransportFault::Hang);
  const std::uint64_t generation = h.sim->faultsGeneration();
  EXPECT_EQ(hung.faults_generation, generation);
  EXPECT_EQ(h.config("get", kAddress + "/entry[@name='h1']").fault, TransportFault::None);
  EXPECT_EQ(codeOf(h.config("get", kAddress + "/entry[@name='h1']")), "7");
  EXPECT_EQ(h.sim->counters().faults_hung, 1U);
  EXPECT_EQ(h.sim->requestLog().front().action, "set");
  h.sim->setFaults({});
  EXPECT_NE(h.sim->faultsGeneration(), generation);  // what releases the hung request
}

TEST(Faults, OnlyMatchingRequestsAreSlow) {
  SimulatorOptions options;
  options.faults.slow.push_back(
      {.type = "op", .xpath_contains = "<jobs>", .latency = std::chrono::milliseconds(1500)});
  options.faults.slow.push_back({.type = "commit", .latency = std::chrono::milliseconds(700)});
  SimHarness h(options);
  EXPECT_EQ(h.op("<show><jobs><all/></jobs></show>").delay, std::chrono::milliseconds(1500));
  EXPECT_EQ(h.op("<show><system><info/></system></show>").delay, std::chrono::milliseconds(0));
  EXPECT_EQ(h.config("get", kAddress).delay, std::chrono::milliseconds(0));
  EXPECT_EQ(h.commit().delay, std::chrono::milliseconds(700));
  EXPECT_EQ(h.sim->counters().faults_slow, 2U);
}

TEST(Faults, RulesMatchOpWordsAndPartialCommits) {
  SimulatorOptions options;
  options.faults.drops.push_back({.type = "op", .action = "show jobs"});
  options.faults.drops.push_back({.type = "commit", .action = "partial"});
  SimHarness h(options);
  EXPECT_EQ(h.op("<show><jobs><all/></jobs></show>").fault, TransportFault::Drop);
  EXPECT_EQ(h.op("<show><clock/></show>").fault, TransportFault::None);
  h.config("set", kAddress + "/entry[@name='h1']", "<ip-netmask>192.0.2.1</ip-netmask>");
  EXPECT_EQ(
      h.commit("<commit><partial><admin><member>admin</member></admin></partial></commit>").fault,
      TransportFault::Drop);
  EXPECT_EQ(h.commit("<commit><force></force></commit>").fault, TransportFault::None);
}

TEST(Faults, AHalfSecondCommitIsDoneAtHalfASecond) {
  SimulatorOptions options;
  options.commit_duration = std::chrono::seconds(30);
  SimHarness h(options);
  Faults faults;
  faults.commit_duration = std::chrono::milliseconds(500);
  h.sim->setFaults(faults);
  h.config("set", kAddress + "/entry[@name='h1']", "<ip-netmask>192.0.2.1</ip-netmask>");
  const std::string id = parse(h.commit().body).select_node("//job").node().text().get();
  const auto status = [&] {
    return std::string(parse(h.op("<show><jobs><id>" + id + "</id></jobs></show>").body)
                           .select_node("//job/status")
                           .node()
                           .text()
                           .get());
  };
  h.clock.advance(std::chrono::milliseconds(250));
  EXPECT_EQ(status(), "ACT");
  h.clock.advance(std::chrono::milliseconds(249));
  EXPECT_EQ(status(), "ACT");
  h.clock.advance(std::chrono::milliseconds(1));
  EXPECT_EQ(status(), "FIN");
}

TEST(Faults, RequestRulesAndCommitDurationThroughTheControlEndpoint) {
  SimHarness h;
  const ApiResponse set = h.sim->handleControl("PUT", "/sim/faults", R"({
      "drops": [{"type": "commit", "remaining": 1}],
      "hangs": [{"type": "op", "action": "show jobs"}],
      "slow": [{"type": "config", "xpath_contains": "address", "latency_ms": 300}],
      "commit_ms": 500})");
  ASSERT_EQ(set.http_status, 200) << set.body;
  const Faults f = h.sim->faults();
  ASSERT_EQ(f.drops.size(), 1U);
  EXPECT_EQ(f.drops[0].type, "commit");
  EXPECT_EQ(f.drops[0].remaining, 1);
  ASSERT_EQ(f.hangs.size(), 1U);
  EXPECT_EQ(f.hangs[0].action, "show jobs");
  ASSERT_EQ(f.slow.size(), 1U);
  EXPECT_EQ(f.slow[0].latency, std::chrono::milliseconds(300));
  EXPECT_EQ(f.commit_duration, std::chrono::milliseconds(500));
  const std::string shown = h.sim->handleControl("GET", "/sim/faults", "").body;
  EXPECT_NE(shown.find(R"("commit_ms":500)"), std::string::npos) << shown;
  EXPECT_NE(shown.find(R"("latency_ms":300)"), std::string::npos) << shown;
  EXPECT_EQ(
      h.sim->handleControl("PUT", "/sim/faults", R"({"slow": [{"latency_ms": -1}]})").http_status,
      400);
  EXPECT_EQ(h.sim->handleControl("PUT", "/sim/faults", R"({"drops": {"type": "op"}})").http_status,
            400);
  EXPECT_EQ(h.sim->handleControl("PUT", "/sim/faults", R"({"commit_ms": -5})").http_status, 400);
  EXPECT_EQ(h.sim->handleControl("DELETE", "/sim/faults", "").http_status, 200);
  EXPECT_FALSE(h.sim->faults().commit_duration.has_value());
}

}  // namespace
}  // namespace trailwall::panossim::test
