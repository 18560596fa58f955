// PanOsClient and PanOsFirewall against panos-sim over verified HTTPS: keygen, reading the
// rulebase, applying plans with one multi-config and one partial commit, isolation from another
// administrator's uncommitted change, FAIL → revert, other administrators' locks, the request
// budget, and the three security-policy-match reply shapes.
#include <gtest/gtest.h>

#include <pugixml.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>

#include "http/socket_transport.h"
#include "panos/client.h"
#include "panos/firewall.h"
#include "policy/naming.h"
#include "policy/provenance.h"
#include "policy/rulebase_xml.h"
#include "support/panos_sim_fixture.h"

namespace trailwall::panos {
namespace {

using panossim::testing::PanosSimTest;

// A FakeClock that runs a callback whenever someone sleeps on it (lets a test release a lock
// while trailwall waits, without real time passing).
class SleepHookClock final : public Clock {
 public:
  [[nodiscard]] std::chrono::system_clock::time_point now() const override { return clock_.now(); }
  [[nodiscard]] std::chrono::steady_clock::time_point steadyNow() const override {
    return clock_.steadyNow();
  }
  void sleepFor(std::chrono::milliseconds duration) override {
    clock_.sleepFor(duration);
    if (hook_) hook_();
  }
  void onSleep(std::function<void()> hook) { hook_ = std::move(hook); }

 private:
  FakeClock clock_;
  std::function<void()> hook_;
};

policy::SecurityRule managedRule(const std::string& name, const std::string& destination,
                                 const std::string& application = "ssl") {
  policy::SecurityRule rule;
  rule.name = name;
  rule.from = {"untrust"};
  rule.to = {"trust"};
  rule.source = {"any"};
  rule.destination = {destination};
  rule.source_user = {"any"};
  rule.category = {"any"};
  rule.application = {application};
  rule.service = {"application-default"};
  rule.action = "allow";
  rule.tag = {"trailwall"};
  rule.description = "from security group " + name.substr(0, name.find("-tcp"));
  return rule;
}

policy::Plan planAdding(std::vector<policy::SecurityRule> rules, bool with_tag = true) {
  policy::Plan plan;
  plan.placement = {policy::Placement::Where::Before, "Clean up"};
  if (with_tag) {
    plan.add_tag = policy::Tag{"trailwall", "", std::string(policy::kManagedTagComment)};
  }
  plan.add_rules = std::move(rules);
  return plan;
}

std::vector<std::string> ruleNames(const policy::Rulebase& rulebase) {
  std::vector<std::string> names;
  for (const auto& rule : rulebase.rules) names.push_back(rule.name);
  return names;
}

class PanOsSim : public PanosSimTest {
 protected:
  void SetUp() override {
    PanosSimTest::SetUp();
    if (HasFatalFailure()) return;
    ca_file_ = std::filesystem::temp_directory_path() /
               ("panos-sim-ca-" + std::to_string(sim().port()) + ".pem");
    std::ofstream(ca_file_) << sim().certificatePem();
    http::TransportOptions options;
    options.ca_bundle = ca_file_.string();  // verified TLS against the simulator's certificate
    transport_ = std::make_unique<http::SocketTransport>(options);
  }
  void TearDown() override {
    // Close the kept-alive connections first, so the server stops without waiting them out.
    client_.reset();
    transport_.reset();
    std::error_code ignored;
    std::filesystem::remove(ca_file_, ignored);
    PanosSimTest::TearDown();
  }

  ClientOptions clientOptions(const std::string& admin = "admin") {
    ClientOptions options;
    options.base_url = baseUrl();
    options.api_key = apiKey(admin);
    options.admin = admin;
    options.job_poll_interval = std::chrono::milliseconds(10);
    return options;
  }
  PanOsClient& client() {
    if (!client_) client_ = std::make_unique<PanOsClient>(*transport_, clock_, clientOptions());
    return *client_;
  }
  PanOsFirewall firewall(FirewallOptions options = {}) {
    options.lock_wait_timeout = std::chrono::seconds(30);
    options.lock_poll_interval = std::chrono::seconds(10);
    return PanOsFirewall::create(client(), clock_, std::move(options)).value();
  }
  std::string vsys() { return ConfigPaths::forLocation({}).value().vsys(); }
  // Holds the firewall, applies `plan` and releases, as the engine does.
  static Result<ApplyReport> applyHeld(PanOsFirewall& fw, const policy::Plan& plan) {
    auto hold = fw.hold();
    if (!hold) return std::unexpected(hold.error());
    ApplyReport report;
    report.lock_wait = (*hold)->report().waited;
    auto status = fw.apply(plan, **hold, report);
    if (auto released = (*hold)->release(); !released) return std::unexpected(released.error());
    if (!status) return std::unexpected(status.error());
    return report;
  }
  // The running configuration's rule names (what the firewall enforces).
  std::vector<std::string> runningRuleNames() {
    return ruleNames(policy::parseRulebaseXml(simulator().runningConfigXml()).value());
  }
  std::vector<std::string> candidateRuleNames() {
    return ruleNames(policy::parseRulebaseXml(simulator().candidateConfigXml()).value());
  }

  std::filesystem::path ca_file_;
  std::unique_ptr<http::SocketTransport> transport_;
  SleepHookClock clock_;
  std::unique_ptr<PanOsClient> client_;
};

TEST_F(PanOsSim, KeygenOverVerifiedTls) {
  auto options = clientOptions();
  options.api_key.clear();
  options.admin.clear();
  PanOsClient fresh(*transport_, clock_, options);
  const auto key = fresh.keygen("admin", "admin");
  ASSERT_TRUE(key.has_value()) << to_string(key.error());
  EXPECT_EQ(*key, apiKey("admin"));
  EXPECT_EQ(fresh.admin(), "admin");
  EXPECT_TRUE(fresh.get(vsys()).value().found);

  const auto bad = fresh.keygen("admin", "wrong-password");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, ErrorCode::Auth);
  EXPECT_EQ(bad.error().message.find("wrong-password"), std::string::npos);
}

TEST_F(PanOsSim, AWrongKeyIsAnAuthError) {
  auto options = clientOptions();
  options.api_key = "not-a-key";
  PanOsClient stranger(*transport_, clock_, options);
  const auto reply = stranger.get(vsys());
  ASSERT_FALSE(reply.has_value());
  EXPECT_EQ(reply.error().code, ErrorCode::Auth);
  EXPECT_EQ(reply.error().message.find("not-a-key"), std::string::npos);
}

TEST_F(PanOsSim, TlsIsVerified) {
  http::SocketTransport system_store;  // does not trust the simulator's self-signed certificate
  PanOsClient client(system_store, clock_, clientOptions());
  const auto reply = client.get(vsys());
  ASSERT_FALSE(reply.has_value());
  EXPECT_EQ(reply.error().code, ErrorCode::Network);
}

TEST_F(PanOsSim, ReadsTheRulebaseAndSharedObjectsInThreeConfigRequests) {
  auto fw = firewall();
  simulator().resetCounters();
  const auto rulebase = fw.readRulebase();
  ASSERT_TRUE(rulebase.has_value()) << to_string(rulebase.error());
  EXPECT_EQ(ruleNames(*rulebase),
            (std::vector<std::string>{"allow-outbound-web", "web-servers-inbound",
                                      "partner-alt-web", "legacy-syslog", "Clean up"}));
  EXPECT_NE(rulebase->findService("tcp-8080"), nullptr);
  EXPECT_NE(rulebase->findTag("admin-rules"), nullptr);
  EXPECT_EQ(counters().by_type["config"], 3U);  // the vsys, shared services, shared tags
}

TEST_F(PanOsSim, AppliesAPlanAboveTheBottomRuleAndCommitsOnce) {
  auto fw = firewall();
  ASSERT_TRUE(fw.readRulebase().has_value());
  simulator().resetCounters();
  const auto report = applyHeld(fw, planAdding({managedRule("sg-0aa-tcp-443", "10.0.2.10"),
                                                managedRule("sg-0bb-tcp-22", "10.0.2.11", "ssh")}));
  ASSERT_TRUE(report.has_value()) << to_string(report.error());
  EXPECT_TRUE(report->multi_config);
  EXPECT_TRUE(report->commit_job.has_value());
  EXPECT_EQ(counters().by_action["config/multi-config"], 1U);
  EXPECT_EQ(counters().commits_enqueued, 1U);
  EXPECT_EQ(counters().commits_ok, 1U);
  const std::vector<std::string> expected{
      "allow-outbound-web", "web-servers-inbound", "partner-alt-web", "legacy-syslog",
      "sg-0aa-tcp-443",     "sg-0bb-tcp-22",       "Clean up"};
  EXPECT_EQ(runningRuleNames(), expected);
  const auto read = fw.readRulebase().value();
  EXPECT_EQ(ruleNames(read), expected);
  ASSERT_NE(read.findTag("trailwall"), nullptr);
  EXPECT_EQ(read.findTag("trailwall")->comments, policy::kManagedTagComment);
  EXPECT_TRUE(policy::isManagedRule(*read.findRule("sg-0aa-tcp-443"), "trailwall"));
}

TEST_F(PanOsSim, ASecondPlanKeepsTheManagedBlockWithoutReorderChurn) {
  auto fw = firewall();
  ASSERT_TRUE(applyHeld(fw, planAdding({managedRule("sg-0aa-tcp-443", "10.0.2.10"),
                                        managedRule("sg-0bb-tcp-22", "10.0.2.11", "ssh")}))
                  .has_value());
  const auto before = fw.readRulebase().value();
  policy::Plan second = planAdding({managedRule("sg-0cc-tcp-443", "10.0.2.12")}, false);
  policy::RuleEdit edit;
  edit.before = *before.findRule("sg-0bb-tcp-22");
  edit.after = edit.before;
  edit.after.destination = {"10.0.2.11", "10.0.2.13"};
  edit.changed = {"destination"};
  second.edit_rules.push_back(edit);
  second.delete_rules.push_back(*before.findRule("sg-0aa-tcp-443"));
  simulator().resetCounters();
  const auto report = applyHeld(fw, second);
  ASSERT_TRUE(report.has_value()) << to_string(report.error());
  EXPECT_EQ(counters().by_action["config/move"], 0U);
  EXPECT_EQ(counters().by_action["config/multi-config"], 1U);
  const auto after = fw.readRulebase().value();
  EXPECT_EQ(ruleNames(after), (std::vector<std::string>{
                                  "allow-outbound-web", "web-servers-inbound", "partner-alt-web",
                                  "legacy-syslog", "sg-0bb-tcp-22", "sg-0cc-tcp-443", "Clean up"}));
  EXPECT_EQ(after.findRule("sg-0bb-tcp-22")->destination,
            (policy::Members{"10.0.2.11", "10.0.2.13"}));
  EXPECT_EQ(after.findRule("sg-0bb-tcp-22")->uuid, edit.before.uuid);
  // Administrator rules are untouched, byte for byte.
  for (const auto& name : {"allow-outbound-web", "web-servers-inbound", "partner-alt-web",
                           "legacy-syslog", "Clean up"}) {
    EXPECT_EQ(*after.findRule(name), *before.findRule(name)) << name;
  }
}

TEST_F(PanOsSim, ALeftoverIsReportedByReadingAndRevertedOnlyByAHolder) {
  const std::string leftover = vsys() + "/rulebase/security/rules/entry[@name='sg-0dd-tcp-22']";
  ASSERT_TRUE(client().change(ConfigOp::set(leftover, "<action>allow</action>")).has_value());
  PanOsClient operator_client(*transport_, clock_, clientOptions("operator"));
  const std::string draft = vsys() + "/address/entry[@name='operator-draft']";
  ASSERT_TRUE(operator_client.change(ConfigOp::set(draft, "<ip-netmask>10.9.9.9/32</ip-netmask>"))
                  .has_value());
  auto fw = firewall();
  simulator().resetCounters();
  const auto rulebase = fw.readRulebase();
  ASSERT_TRUE(rulebase.has_value()) << to_string(rulebase.error());
  EXPECT_EQ(fw.pendingChanges().nodes, std::vector<std::string>{"security rule 'sg-0dd-tcp-22'"});
  EXPECT_TRUE(fw.pendingChanges().others);
  EXPECT_NE(rulebase->findRule("sg-0dd-tcp-22"), nullptr);  // read as it is, not reverted
  EXPECT_EQ(counters().by_type["op"], 0U);
  EXPECT_EQ(counters().by_type["config"], 3U);

  auto hold = fw.hold();
  ASSERT_TRUE(hold.has_value()) << to_string(hold.error());
  ASSERT_TRUE(fw.revertLeftovers(**hold).has_value());
  ASSERT_TRUE((*hold)->release().has_value());
  const auto after = fw.readRulebase();
  ASSERT_TRUE(after.has_value());
  EXPECT_EQ(after->findRule("sg-0dd-tcp-22"), nullptr);
  EXPECT_TRUE(fw.pendingChanges().empty());
  EXPECT_TRUE(client().get(draft).value().found);  // the operator's change stays
}

TEST_F(PanOsSim, PartialCommitLeavesAnotherAdministratorsChangeUncommitted) {
  PanOsClient operator_client(*transport_, clock_, clientOptions("operator"));
  const std::string address = vsys() + "/address/entry[@name='operator-draft']";
  ASSERT_TRUE(operator_client.change(ConfigOp::set(address, "<ip-netmask>10.9.9.9/32</ip-netmask>"))
                  .has_value());
  auto fw = firewall();
  ASSERT_TRUE(fw.readRulebase().has_value());
  const auto report = applyHeld(fw, planAdding({managedRule("sg-0aa-tcp-443", "10.0.2.10")}));
  ASSERT_TRUE(report.has_value()) << to_string(report.error());
  EXPECT_TRUE(client()
                  .show(vsys() + "/rulebase/security/rules/entry[@name='sg-0aa-tcp-443']")
                  .value()
                  .found);
  EXPECT_FALSE(client().show(address).value().found);  // not committed
  EXPECT_TRUE(client().get(address).value().found);    // still in the candidate
}

TEST_F(PanOsSim, AFailedCommitIsRevertedAndReportsTheJobMessages) {
  PanOsClient operator_client(*transport_, clock_, clientOptions("operator"));
  const std::string address = vsys() + "/address/entry[@name='operator-draft']";
  ASSERT_TRUE(operator_client.change(ConfigOp::set(address, "<ip-netmask>10.9.9.9/32</ip-netmask>"))
                  .has_value());
  panossim::Faults faults;
  faults.fail_commits = 1;
  setFaults(faults);
  const auto running_before = runningRuleNames();
  auto fw = firewall();
  const auto report = applyHeld(fw, planAdding({managedRule("sg-0aa-tcp-443", "10.0.2.10")}));
  ASSERT_FALSE(report.has_value());
  EXPECT_EQ(report.error().code, ErrorCode::Remote);
  EXPECT_NE(report.error().message.find("FAIL"), std::string::npos) << report.error().message;
  EXPECT_NE(report.error().message.find("reverted admin's uncommitted changes"), std::string::npos)
      << report.error().message;
  EXPECT_EQ(counters().commits_failed, 1U);
  EXPECT_EQ(runningRuleNames(), running_before);
  EXPECT_EQ(candidateRuleNames(), running_before);   // our changes are gone from the candidate
  EXPECT_TRUE(client().get(address).value().found);  // the operator's are not
}

TEST_F(PanOsSim, WaitsForAnotherAdministratorsConfigLockThenWrites) {
  panossim::Faults faults;
  faults.config_lock_holder = "operator";
  setFaults(faults);
  int sleeps = 0;
  clock_.onSleep([&] {
    if (++sleeps == 2) setFaults({});  // the operator releases the lock after 20 s
  });
  auto fw = firewall();
  const auto report = applyHeld(fw, planAdding({managedRule("sg-0aa-tcp-443", "10.0.2.10")}));
  ASSERT_TRUE(report.has_value()) << to_string(report.error());
  EXPECT_EQ(report->lock_wait, std::chrono::seconds(20));
  EXPECT_EQ(counters().by_action["config/multi-config"], 1U);
  EXPECT_EQ(counters().commits_ok, 1U);
}

TEST_F(PanOsSim, GivesUpOnALockAfterTheBoundAndNeverRemovesIt) {
  panossim::Faults faults;
  faults.config_lock_holder = "operator";
  setFaults(faults);
  auto fw = firewall();
  const auto report = applyHeld(fw, planAdding({managedRule("sg-0aa-tcp-443", "10.0.2.10")}));
  ASSERT_FALSE(report.has_value());
  EXPECT_EQ(report.error().code, ErrorCode::Conflict);
  EXPECT_NE(report.error().message.find("config lock held by operator"), std::string::npos)
      << report.error().message;
  EXPECT_NE(report.error().message.find("trailwall never removes another administrator's lock"),
            std::string::npos);
  EXPECT_EQ(counters().by_action["config/multi-config"], 0U);
  EXPECT_EQ(counters().commits_enqueued, 0U);
  const auto locks = client().configLocks();
  ASSERT_TRUE(locks.has_value()) << to_string(locks.error());
  ASSERT_EQ(locks->size(), 1U);
  EXPECT_EQ(locks->front().admin, "operator");
  for (const auto& entry : simulator().requestLog()) {
    EXPECT_EQ(entry.xpath.find("remove"), std::string::npos) << entry.xpath;
  }
}

TEST_F(PanOsSim, WaitsForAnotherAdministratorsCommitLock) {
  panossim::Faults faults;
  faults.commit_lock_holder = "operator";
  setFaults(faults);
  clock_.onSleep([&] { setFaults({}); });
  auto fw = firewall();
  const auto report = applyHeld(fw, planAdding({managedRule("sg-0aa-tcp-443", "10.0.2.10")}));
  ASSERT_TRUE(report.has_value()) << to_string(report.error());
  EXPECT_EQ(report->lock_wait, std::chrono::seconds(10));
  EXPECT_EQ(counters().commits_ok, 1U);
}

TEST_F(PanOsSim, FallsBackToSingleRequestsWhenMultiConfigIsRefused) {
  panossim::Faults faults;
  panossim::ApiErrorFault refused;
  refused.type = "config";
  refused.action = "multi-config";
  refused.code = 1;
  refused.message = "Unknown command";
  faults.api_errors.push_back(refused);
  setFaults(faults);
  auto fw = firewall();
  const auto report = applyHeld(fw, planAdding({managedRule("sg-0aa-tcp-443", "10.0.2.10"),
                                                managedRule("sg-0bb-tcp-22", "10.0.2.11", "ssh")}));
  ASSERT_TRUE(report.has_value()) << to_string(report.error());
  EXPECT_FALSE(report->multi_config);
  EXPECT_EQ(counters().by_action["config/set"], 3U);
  EXPECT_EQ(counters().by_action["config/move"], 2U);
  EXPECT_EQ(counters().commits_ok, 1U);
  EXPECT_EQ(runningRuleNames().at(5), "sg-0bb-tcp-22");
}

TEST_F(PanOsSim, AHundredRuleChangesCostAtMostFiveConfigRequestsAndOneCommit) {
  auto fw = firewall();
  std::vector<policy::SecurityRule> rules;
  for (int i = 0; i < 100; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "sg-%04x-tcp-443", i);
    rules.push_back(managedRule(
        name, "10.0." + std::to_string(10 + i / 200) + "." + std::to_string(1 + i % 200)));
  }
  simulator().resetCounters();
  ASSERT_TRUE(fw.readRulebase().has_value());
  const auto report = applyHeld(fw, planAdding(rules));
  ASSERT_TRUE(report.has_value()) << to_string(report.error());
  const auto c = counters();
  EXPECT_LE(c.by_type.at("config"), 5U);
  EXPECT_EQ(c.by_type.at("config"), 4U);  // the vsys and shared gets, one multi-config
  EXPECT_EQ(c.commits_enqueued, 1U);
  EXPECT_EQ(c.by_type.at("commit"), 1U);
  const auto names = runningRuleNames();
  ASSERT_EQ(names.size(), 105U);
  EXPECT_EQ(names[4], "sg-0000-tcp-443");
  EXPECT_EQ(names[103], "sg-0063-tcp-443");
  EXPECT_EQ(names[104], "Clean up");
}

TEST_F(PanOsSim, HostileDescriptionsTravelIntactAndAddressNothingElse) {
  auto fw = firewall();
  auto rule = managedRule("sg-0aa-tcp-443", "10.0.2.10");
  rule.description = "group \"web\" <prod> & 'ops' ]]> ] /config/x[@name='y']";
  ASSERT_TRUE(applyHeld(fw, planAdding({rule})).has_value());
  const auto read = fw.readRulebase().value();
  EXPECT_EQ(read.findRule("sg-0aa-tcp-443")->description, rule.description);
  EXPECT_EQ(read.rules.size(), 6U);
}

policy::Flow flow(const std::string& destination, int port, const std::string& application) {
  policy::Flow f;
  f.rule = "sg-0aa-tcp-" + std::to_string(port);
  f.source = net::Cidr::anyV4();
  f.destination = net::IpAddress::parse(destination).value();
  f.protocol = net::Protocol::tcp();
  f.ports = net::PortRange::single(static_cast<std::uint16_t>(port));
  f.application = application;
  return f;
}

class PolicyMatchShapes : public PanOsSim, public ::testing::WithParamInterface<std::string> {};

TEST_P(PolicyMatchShapes, AlreadyAllowedReadsEveryReplyShape) {
  auto fw = firewall();
  // A managed rule allowing 10.0.2.10 must not count; the administrator's web rule does.
  ASSERT_TRUE(applyHeld(fw, planAdding({managedRule("sg-0aa-tcp-443", "10.0.2.10")})).has_value());
  panossim::Faults faults;
  faults.policy_match_format = GetParam();
  setFaults(faults);
  const auto web = flow("10.0.1.10", 443, "ssl");      // web-servers-inbound allows it
  const auto managed = flow("10.0.2.10", 443, "ssl");  // only our own rule allows it
  const auto nothing = flow("10.0.3.3", 443, "ssl");   // Clean up denies it
  const auto report = fw.alreadyAllowed({web, managed, nothing});
  ASSERT_TRUE(report.has_value()) << to_string(report.error());
  EXPECT_EQ(report->tests, 3);
  EXPECT_EQ(report->allowed, (policy::FlowSet{web}));
  EXPECT_EQ(counters().by_action["op/test security-policy-match"], 3U);
}

INSTANTIATE_TEST_SUITE_P(Shapes, PolicyMatchShapes,
                         ::testing::Values("structured", "text", "msg-line"));

class HalfSecondCommits : public PanOsSim {
 protected:
  void configure(panossim::ServerOptions& options) override {
    options.simulator.commit_duration = std::chrono::milliseconds(500);
  }
};

// Issue 11: with the device-friendly 2 s interval configured, a commit that takes 0.5 s is
// noticed within 0.3 s of its end (the early polls), in real time against panos-sim.
TEST_F(HalfSecondCommits, IsNoticedWithinAFewTenthsOfASecond) {
  SystemClock real;
  auto options = clientOptions();
  options.job_poll_interval = std::chrono::seconds(2);
  PanOsClient client(*transport_, real, options);
  auto fw = PanOsFirewall::create(client, real, {}).value();
  const auto report = applyHeld(fw, planAdding({managedRule("sg-0aa-tcp-443", "10.0.2.10")}));
  ASSERT_TRUE(report.has_value()) << to_string(report.error());
  EXPECT_GE(report->commit_duration, std::chrono::milliseconds(450));
  EXPECT_LE(report->commit_duration, std::chrono::milliseconds(800))
      << "a 0.5 s commit noticed " << report->commit_duration.count() - 500 << " ms late";
  EXPECT_FALSE(report->commit_details.empty());
  std::printf("0.5 s commit noticed after %lld ms (%lld ms after its end)\n",
              static_cast<long long>(report->commit_duration.count()),
              static_cast<long long>(report->commit_duration.count() - 500));
}

// Issue 12: every rule written carries an audit comment naming its change, recorded by the
// run's partial commit (the simulator's config log), nothing left pending.
TEST_F(PanOsSim, EveryRuleWrittenCarriesAnAuditCommentRecordedByTheCommit) {
  auto first = managedRule("sg-0aa-tcp-443", "10.0.2.10");
  first.description = policy::withProvenance(
      first.description,
      "StartInstances (ev-0aa) at 2026-12-03T08:00:00Z by arn:aws:iam::1:user/a");
  auto second = managedRule("sg-0bb-tcp-22", "10.0.2.11", "ssh");
  second.description = policy::withProvenance(
      second.description, "AuthorizeSecurityGroupIngress (ev-0bb) at 2026-12-03T08:01:00Z by x");
  auto fw = firewall();
  ASSERT_TRUE(fw.readRulebase().has_value());
  const auto report = applyHeld(fw, planAdding({first, second}));
  ASSERT_TRUE(report.has_value()) << to_string(report.error());
  EXPECT_EQ(report->audit_comments, 2);
  EXPECT_TRUE(report->audit_comment_error.empty()) << report->audit_comment_error;
  EXPECT_TRUE(simulator().pendingAuditComments().empty());
  const auto log = simulator().auditLog();
  ASSERT_EQ(log.size(), 2U);
  const auto paths = ConfigPaths::forLocation({}).value();
  EXPECT_EQ(log[0].xpath, paths.rule("sg-0aa-tcp-443").value());
  EXPECT_EQ(log[0].comment, first.description);
  EXPECT_EQ(log[0].admin, "admin");
  EXPECT_EQ(log[1].xpath, paths.rule("sg-0bb-tcp-22").value());
  EXPECT_NE(log[1].comment.find("(ev-0bb)"), std::string::npos) << log[1].comment;
}

class PanOs81 : public PanOsSim {
 protected:
  void configure(panossim::ServerOptions& options) override {
    options.simulator.sw_version = "8.1.15";
  }
};

// A release before 9.0 has no audit comments: found out with one request, reported, and the
// rules are committed all the same.
TEST_F(PanOs81, AFirewallWithoutAuditCommentsStillGetsItsRulesCommitted) {
  auto fw = firewall();
  ASSERT_TRUE(fw.readRulebase().has_value());
  const auto report = applyHeld(fw, planAdding({managedRule("sg-0aa-tcp-443", "10.0.2.10"),
                                                managedRule("sg-0bb-tcp-22", "10.0.2.11", "ssh")}));
  ASSERT_TRUE(report.has_value()) << to_string(report.error());
  EXPECT_TRUE(report->committed);
  EXPECT_EQ(report->audit_comments, 0);
  EXPECT_TRUE(report->audit_comments_unsupported);
  EXPECT_NE(report->audit_comment_error.find("does not support audit comments"), std::string::npos)
      << report->audit_comment_error;
  EXPECT_EQ(fw.requestCounts().of("op/set"), 1);  // one request found it out
  EXPECT_EQ(runningRuleNames().at(5), "sg-0bb-tcp-22");
}

}  // namespace
}  // namespace trailwall::panos
