#include <gtest/gtest.h>

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cli/input.h"
#include "cli/run_report.h"
#include "cli/runtime.h"

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

}  // namespace
}  // namespace trailwall::cli
