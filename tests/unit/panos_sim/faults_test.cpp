#include <gtest/gtest.h>

#include "sim_test_util.h"

namespace trailwall::panossim::test {
namespace {

const std::string kAddress = std::string(kVsys) + "/address";

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

}  // namespace
}  // namespace trailwall::panossim::test
