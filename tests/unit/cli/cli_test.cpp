#include <gtest/gtest.h>

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cli/input.h"
#include "cli/output.h"
#include "cli/run_report.h"
#include "cli/runtime.h"
#include "inventory/inventory_json.h"
#include "policy/plan_format.h"

namespace trailwall::cli {
namespace {

TEST(FirewallBaseUrl, AHostBecomesHttps) {
  EXPECT_EQ(firewallBaseUrl("fw.example.com").value(), "https://fw.example.com");
  EXPECT_EQ(firewallBaseUrl("10.0.0.10:8443").value(), "https://10.0.0.10:8443");
  EXPECT_EQ(firewallBaseUrl("http://127.0.0.1:8080/").value(), "http://127.0.0.1:8080");
}

TEST(FirewallBaseUrl, NoHostOrAHostWithAPathIsAConfigError) {
  const auto none = firewallBaseUrl("");
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, ErrorCode::Config);
  EXPECT_NE(none.error().message.find("firewall.host"), std::string::npos);
  EXPECT_FALSE(firewallBaseUrl("fw.example.com/api?key=x"));
  EXPECT_FALSE(firewallBaseUrl("user@fw"));
}

TEST(Runtime, TurningTlsVerificationOffIsWarnedAboutAtEveryStart) {
  std::ostringstream log;
  auto logger = std::make_shared<spdlog::logger>(
      "test", std::make_shared<spdlog::sinks::ostream_sink_mt>(log));
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(logger);
  ::setenv("TRAILWALL_FIREWALL_TLS_VERIFY", "false", 1);
  const auto rt = Runtime::create(GlobalOptions{});
  ::unsetenv("TRAILWALL_FIREWALL_TLS_VERIFY");
  spdlog::set_default_logger(previous);
  ASSERT_TRUE(rt) << to_string(rt.error());
  EXPECT_FALSE((*rt)->config().firewall.tls_verify);
  EXPECT_NE(log.str().find("event=tls_verification_off"), std::string::npos) << log.str();
}

TEST(ParseS3Url, SplitsBucketAndKey) {
  const auto l = parseS3Url("s3://trail-bucket/AWSLogs/1/CloudTrail/eu-west-1/x.json.gz");
  ASSERT_TRUE(l);
  EXPECT_EQ(l->bucket, "trail-bucket");
  EXPECT_EQ(l->key, "AWSLogs/1/CloudTrail/eu-west-1/x.json.gz");
}

TEST(ParseS3Url, RejectsWhatNamesNoObject) {
  for (const char* bad : {"s3://", "s3://bucket", "s3://bucket/", "s3:///key", "https://b/k"}) {
    const auto l = parseS3Url(bad);
    ASSERT_FALSE(l) << bad;
    EXPECT_EQ(l.error().code, ErrorCode::InvalidInput);
  }
}

TEST(ReadPadded, AMissingFileIsAnIoErrorNamingIt) {
  const auto r = readPadded("/nonexistent/trailwall-test.json");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::Io);
  EXPECT_NE(r.error().message.find("/nonexistent/trailwall-test.json"), std::string::npos);
}

engine::RunReport appliedReport() {
  engine::RunReport report;
  report.mode = engine::Mode::Apply;
  report.aws_calls = 5;
  report.aws_call_summaries = {"5 EC2 calls (DescribeInstances 1, DescribeVpcs 1)"};
  report.instances = 2;
  report.desired_rules = 1;
  report.flows_checked = 3;
  report.flows_allowed = 1;
  report.policy_match_tests = 3;
  policy::SecurityRule rule;
  rule.name = "sg-0123456789abcdef0-tcp-443";
  report.plan.add_rules.push_back(rule);
  panos::ApplyReport applied;
  applied.rules_added = 1;
  applied.write_requests = 1;
  applied.multi_config = true;
  applied.commit_job = 42;
  applied.commit_duration = std::chrono::milliseconds(12500);
  report.applied = applied;
  report.firewall_requests.by_kind = {
      {"config/get", 1}, {"config/multi-config", 1}, {"commit", 1}, {"op/test", 3}};
  return report;
}

TEST(RunReport, TextSaysWhatTheRunDid) {
  const auto text = runReportText(appliedReport(), nullptr, false);
  EXPECT_NE(text.find("aws: 5 EC2 calls (DescribeInstances 1, DescribeVpcs 1) in"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("already allowed: 1 of 3 flow(s), 3 security-policy-match test(s)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("+ rule sg-0123456789abcdef0-tcp-443"), std::string::npos) << text;
  EXPECT_NE(text.find("commit job 42 OK in 12.5 s"), std::string::npos) << text;
  EXPECT_NE(text.find("firewall: 6 request(s)"), std::string::npos) << text;
}

TEST(RunReport, JsonCarriesTheSameFigures) {
  const auto j = nlohmann::json::parse(runReportJson(appliedReport(), nullptr));
  EXPECT_EQ(j["mode"], "apply");
  EXPECT_EQ(j["aws"]["calls"], 5);
  EXPECT_EQ(j["check"]["allowed"], 1);
  EXPECT_EQ(j["plan"]["add_rules"][0]["name"], "sg-0123456789abcdef0-tcp-443");
  EXPECT_EQ(j["applied"]["commit_job"], 42);
  EXPECT_EQ(j["applied"]["commit_ms"], 12500);
  EXPECT_EQ(j["firewall_requests"]["commits"], 1);
  EXPECT_EQ(j["firewall_requests"]["total"], 6);
  EXPECT_FALSE(j.contains("events"));
}

TEST(RunReport, JsonHoldsThePlanAsPlanToJsonWritesIt) {
  // The plan is spliced into the report as text: the result must be what nlohmann writes for
  // the same document, whatever the plan holds (quotes, newlines, non-ASCII in a warning).
  auto report = appliedReport();
  report.plan.warnings = {"group \"web\"\nline two \u00e9 \x01plan\x01"};
  report.warnings = {"\n  \"plan\": \"\x01plan\x01\""};
  const std::string text = runReportJson(report, nullptr);
  const auto j = nlohmann::ordered_json::parse(text);
  EXPECT_EQ(j["plan"], nlohmann::ordered_json::parse(policy::planToJson(report.plan)));
  EXPECT_EQ(j["warnings"][0], report.warnings[0]);
  EXPECT_EQ(text, j.dump(2) + "\n");
}

TEST(FleetReport, EachFirewallUnderItsNameAndTheFailedOnesNamed) {
  const auto east = appliedReport();
  auto west = appliedReport();
  west.outcome = engine::Outcome{};
  const Error error{ErrorCode::Remote, "applying the plan: commit job 7 FAIL"};
  const std::vector<FirewallReport> fleet{
      {"east", &east, nullptr}, {"west", &west, &error}, {"north", nullptr, &error}};
  const auto j = nlohmann::json::parse(fleetReportJson(fleet, nullptr));
  EXPECT_EQ(j["ok"], false);
  EXPECT_EQ(j["failed"], (nlohmann::json{"west", "north"}));
  EXPECT_EQ(j["error"]["message"], "firewall west: applying the plan: commit job 7 FAIL");
  ASSERT_EQ(j["firewalls"].size(), 3U);
  EXPECT_EQ(j["firewalls"][0]["firewall"], "east");
  EXPECT_EQ(j["firewalls"][0]["ok"], true);
  EXPECT_EQ(j["firewalls"][0]["applied"]["commit_job"], 42);
  EXPECT_EQ(j["firewalls"][1]["error"]["kind"], "remote");
  EXPECT_EQ(j["firewalls"][2]["outcome"]["not_done"], "the run did not start");
  const auto text = fleetReportText(fleet, nullptr, false);
  EXPECT_NE(text.find("== firewall east ==\n"), std::string::npos) << text;
  EXPECT_NE(text.find("== firewall west ==\n"), std::string::npos) << text;
  EXPECT_NE(text.find("firewalls: 2 of 3 failed: west, north\n"), std::string::npos) << text;
  const std::vector<FirewallReport> all_ok{{"east", &east, nullptr}};
  EXPECT_EQ(nlohmann::json::parse(fleetReportJson(all_ok, nullptr))["ok"], true);
  EXPECT_NE(fleetReportText(all_ok, nullptr, false).find("firewalls: all 1 done"),
            std::string::npos);
}

TEST(RunReport, AFailedRunIsOneJsonObjectSayingWhatWasAndWasNotDone) {
  auto report = appliedReport();
  report.applied->changes = 2;
  report.applied->written = true;
  report.applied->reverted = true;
  report.outcome = engine::Outcome{
      .written = true, .committed = false, .commit_unknown = false, .reverted = true};
  const Error error{ErrorCode::Remote, "applying the plan: commit job 42 FAIL: bad rule"};
  const auto j = nlohmann::json::parse(runReportJson(report, nullptr, &error));
  EXPECT_EQ(j["ok"], false);
  EXPECT_EQ(j["error"]["kind"], "remote");
  EXPECT_EQ(j["error"]["message"], "applying the plan: commit job 42 FAIL: bad rule");
  EXPECT_EQ(j["outcome"]["written"], true);
  EXPECT_EQ(j["outcome"]["committed"], false);
  EXPECT_EQ(j["outcome"]["reverted"], true);
  EXPECT_EQ(j["outcome"]["not_done"], "2 change(s) written and reverted; nothing committed");
  EXPECT_EQ(j["plan"]["add_rules"][0]["name"], "sg-0123456789abcdef0-tcp-443");
  // A success says so too.
  const auto ok = nlohmann::json::parse(runReportJson(appliedReport(), nullptr));
  EXPECT_EQ(ok["ok"], true);
  EXPECT_TRUE(ok["error"].is_null());
}

TEST(RunReport, OutcomeTextNamesWhatWasNotDone) {
  engine::RunReport report;
  report.mode = engine::Mode::Apply;
  EXPECT_EQ(outcomeText(report), "nothing was written to the firewall");
  policy::SecurityRule rule;
  rule.name = "sg-0123456789abcdef0-tcp-443";
  report.plan.add_rules.push_back(rule);
  EXPECT_EQ(outcomeText(report),
            "nothing was written to the firewall (1 planned change(s) not made)");
  report.applied = panos::ApplyReport{};
  report.applied->changes = 1;
  report.applied->commit_job = 7;
  report.outcome.written = true;
  report.outcome.commit_unknown = true;
  EXPECT_EQ(outcomeText(report),
            "1 change(s) written; whether they were committed (job 7) is not known (the next run "
            "finds out); not reverted");
  report.outcome.commit_unknown = false;
  EXPECT_EQ(outcomeText(report),
            "1 change(s) written but not committed; they stay in the candidate until the run "
            "that holds the firewall reverts them");
  report.outcome.committed = true;
  EXPECT_EQ(outcomeText(report), "1 change(s) written and committed");
  report.mode = engine::Mode::Plan;
  EXPECT_EQ(outcomeText(report), "nothing was written (dry run)");
}

TEST(RunReport, ADryRunReportsLeftoversAndTheHoldIsReported) {
  engine::RunReport report;
  report.mode = engine::Mode::Plan;
  report.pending.nodes = {"security rule 'sg-0123456789abcdef0-tcp-443'"};
  report.warnings = {"rule 'block' (deny) above the bottom rule 'Clean up' matches all traffic"};
  const auto text = runReportText(report, nullptr, false);
  EXPECT_NE(text.find("uncommitted changes of trailwall's administrator in the candidate: "
                      "security rule 'sg-0123456789abcdef0-tcp-443'"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("this dry run leaves them"), std::string::npos) << text;
  EXPECT_NE(text.find("warning: rule 'block' (deny) above the bottom rule"), std::string::npos);
  const auto j = nlohmann::json::parse(runReportJson(report, nullptr));
  EXPECT_EQ(j["pending_changes"]["nodes"][0], "security rule 'sg-0123456789abcdef0-tcp-443'");
  EXPECT_EQ(j["pending_changes"]["left"], true);
  EXPECT_EQ(j["warnings"].size(), 1U);

  auto applied = appliedReport();
  applied.hold = panos::HoldReport{};
  applied.hold->run_id = "tw-1";
  applied.hold->waited = std::chrono::milliseconds(1500);
  applied.hold->waited_for = {"run tw-0 since 2026-05-01T10:00:00Z"};
  applied.leftovers_reverted = true;
  const auto held = runReportText(applied, nullptr, false);
  EXPECT_NE(held.find("firewall held by run tw-1 after waiting 1.5 s for run tw-0 since "
                      "2026-05-01T10:00:00Z"),
            std::string::npos)
      << held;
  EXPECT_NE(held.find("reverted uncommitted changes of trailwall's administrator left by a "
                      "stopped run"),
            std::string::npos);
}

TEST(FailureJson, IsOneObjectWithTheErrorAndNothingDone) {
  const auto j =
      nlohmann::json::parse(failureJson(Error{ErrorCode::Config, "firewall.admin is not set"}));
  EXPECT_EQ(j["ok"], false);
  EXPECT_EQ(j["error"]["kind"], "config");
  EXPECT_EQ(j["error"]["message"], "firewall.admin is not set");
  EXPECT_EQ(j["outcome"]["written"], false);
  EXPECT_EQ(j["outcome"]["not_done"], "nothing was written to the firewall");
}

TEST(RunReport, EventsAreCountedByReason) {
  cloudtrail::Decoded events;
  events.records = 3;
  events.changes.resize(1);
  events.ignored_count[static_cast<std::size_t>(cloudtrail::IgnoreReason::FailedCall)] = 2;
  engine::RunReport report;
  report.nothing_in_scope = true;
  const auto text = runReportText(report, &events, false);
  EXPECT_NE(text.find("events: 3 record(s), 1 acted on, 2 ignored (failed-call 2)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("nothing to look at"), std::string::npos) << text;
  const auto j = nlohmann::json::parse(runReportJson(report, &events));
  EXPECT_EQ(j["events"]["ignored"]["by_reason"]["failed-call"], 2);
}

TEST(InventoryFileSource, HandsOverTheFileOnceThenReadsItAgain) {
  const std::string path =
      std::string(TRAILWALL_TEST_DATA_DIR) + "/decisions/all-traffic/inventory.json";
  const auto expected = readInventoryFile(path);
  ASSERT_TRUE(expected) << expected.error().message;
  auto source = InventoryFileSource::open(path);
  ASSERT_TRUE(source) << source.error().message;
  for (int load = 0; load < 2; ++load) {  // the first load is the parsed file, the second a reread
    auto loaded = (*source)->load(engine::Target{}, inventory::Scope{});
    ASSERT_TRUE(loaded) << loaded.error().message;
    EXPECT_EQ(inventory::toJson(loaded->inventory), inventory::toJson(*expected)) << load;
  }
  const auto missing = InventoryFileSource::open(path + ".missing");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("inventory.json.missing"), std::string::npos);
}

}  // namespace
}  // namespace trailwall::cli
