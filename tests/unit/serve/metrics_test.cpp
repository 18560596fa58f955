// /metrics: the text parses line by line with the tests' own Prometheus-text parser, every
// family has HELP and TYPE, the counters a user alerts on are there from the start, label
// values are escaped, and a run shows up in the counters and histograms.
#include <gtest/gtest.h>

#include "serve/metrics_text.h"
#include "unit/serve/prometheus_text.h"

namespace trailwall::serve {
namespace {

using namespace std::chrono_literals;
using testing::parsePromText;

const SystemTime kMetricsStart = std::chrono::sys_days(std::chrono::year(2024) / 5 / 1);

RunSummary committedRun() {
  RunSummary run;
  run.kind = RunKind::Scoped;
  run.started = kMetricsStart + 1min;
  run.duration = 3500ms;
  run.ok = true;
  run.deliveries = 2;
  run.events = {{"StartInstances", 2}, {"AuthorizeSecurityGroupIngress", 1}};
  run.ignored = {{"failed-call", 1}};
  run.changes = {"+ sg-1-tcp-443"};
  run.commit_job = 17;
  run.commit_duration = 2200ms;
  run.commit_attempted = true;
  run.aws_calls = 6;
  run.firewall_requests = {{"config/get", 2}, {"commit/partial", 1}};
  run.managed_rules =
      std::vector<ManagedRule>{{"sg-1-tcp-443", "trailwall: sg-1 tcp 443", {}, {}, {}, {}}};
  return run;
}

TEST(Metrics, AFreshDaemonExposesEveryCounterAtZero) {
  Monitor monitor("https://sqs.example/q", kMetricsStart, 10);
  const auto text = renderMetrics(monitor.snapshot(kMetricsStart + 5s), true);
  const auto parsed = parsePromText(text);
  EXPECT_TRUE(parsed.errors.empty()) << ::testing::PrintToString(parsed.errors) << "\n" << text;
  for (const auto& [name, family] : parsed.families) {
    EXPECT_FALSE(family.help.empty()) << name;
    EXPECT_FALSE(family.type.empty()) << name;
  }
  EXPECT_EQ(parsed.value("trailwall_messages_received_total"), 0);
  EXPECT_EQ(parsed.value("trailwall_messages_total", {{"outcome", "deleted"}}), 0);
  EXPECT_EQ(parsed.value("trailwall_runs_total", {{"kind", "scoped"}, {"outcome", "ok"}}), 0);
  EXPECT_EQ(parsed.value("trailwall_runs_total", {{"kind", "full"}, {"outcome", "failed"}}), 0);
  EXPECT_EQ(parsed.value("trailwall_commits_total", {{"outcome", "ok"}}), 0);
  EXPECT_EQ(parsed.value("trailwall_commit_duration_seconds_count"), 0);
  EXPECT_EQ(parsed.value("trailwall_commit_duration_seconds_bucket", {{"le", "+Inf"}}), 0);
  EXPECT_EQ(parsed.value("trailwall_seconds_since_last_success"), 5);
  EXPECT_EQ(parsed.value("trailwall_healthy"), 1);
  EXPECT_EQ(parsed.families.at("trailwall_runs_total").type, "counter");
  EXPECT_EQ(parsed.families.at("trailwall_commit_duration_seconds").type, "histogram");
  EXPECT_FALSE(parsed.value("trailwall_managed_rules")) << "unknown until a run reads them";
}

TEST(Metrics, EachFirewallOfAFleetCountsItsRunsByName) {
  Monitor monitor("q", kMetricsStart, 10);
  auto run = committedRun();
  run.ok = false;
  run.firewalls = {{"east", true}, {"west", false}};
  monitor.runStarted(RunKind::Scoped, kMetricsStart + 1min);
  monitor.runFinished(run, {{"m1", "", Fate::Delete, 1}}, kMetricsStart + 2min);
  const auto text = renderMetrics(monitor.snapshot(kMetricsStart + 3min), true);
  const auto p = parsePromText(text);
  ASSERT_TRUE(p.errors.empty()) << ::testing::PrintToString(p.errors) << "\n" << text;
  EXPECT_EQ(p.value("trailwall_firewall_runs_total", {{"firewall", "east"}, {"outcome", "ok"}}), 1);
  EXPECT_EQ(p.value("trailwall_firewall_runs_total", {{"firewall", "west"}, {"outcome", "failed"}}),
            1);
  EXPECT_FALSE(
      p.value("trailwall_firewall_runs_total", {{"firewall", "east"}, {"outcome", "failed"}}));
}

TEST(Metrics, ARunShowsInCountersAndHistograms) {
  Monitor monitor("q", kMetricsStart, 10);
  monitor.queueCall("ReceiveMessage", nullptr);
  const Error throttled{ErrorCode::Throttled, "slow down"};
  monitor.queueCall("ReceiveMessage", &throttled);
  monitor.received(2, kMetricsStart + 1min);
  monitor.runStarted(RunKind::Scoped, kMetricsStart + 1min);
  monitor.runFinished(committedRun(), {{"m1", "", Fate::Delete, 1}, {"m2", "", Fate::Delete, 1}},
                      kMetricsStart + 2min);
  const auto text = renderMetrics(monitor.snapshot(kMetricsStart + 3min), true);
  const auto p = parsePromText(text);
  ASSERT_TRUE(p.errors.empty()) << ::testing::PrintToString(p.errors) << "\n" << text;
  EXPECT_EQ(p.value("trailwall_messages_total", {{"outcome", "deleted"}}), 2);
  EXPECT_EQ(p.value("trailwall_events_total", {{"name", "StartInstances"}, {"outcome", "done"}}),
            2);
  EXPECT_EQ(p.value("trailwall_events_ignored_total", {{"reason", "failed-call"}}), 1);
  EXPECT_EQ(p.value("trailwall_runs_total", {{"kind", "scoped"}, {"outcome", "ok"}}), 1);
  EXPECT_EQ(p.value("trailwall_commits_total", {{"outcome", "ok"}}), 1);
  EXPECT_EQ(p.value("trailwall_commit_duration_seconds_count"), 1);
  EXPECT_DOUBLE_EQ(*p.value("trailwall_commit_duration_seconds_sum"), 2.2);
  EXPECT_EQ(p.value("trailwall_commit_duration_seconds_bucket", {{"le", "2"}}), 0);
  EXPECT_EQ(p.value("trailwall_commit_duration_seconds_bucket", {{"le", "5"}}), 1);
  EXPECT_EQ(p.value("trailwall_aws_requests_total", {{"kind", "ReceiveMessage"}}), 2);
  EXPECT_EQ(p.value("trailwall_aws_requests_total", {{"kind", "ec2"}}), 6);
  EXPECT_EQ(
      p.value("trailwall_aws_errors_total", {{"kind", "ReceiveMessage"}, {"error", "throttled"}}),
      1);
  EXPECT_EQ(p.value("trailwall_firewall_requests_total", {{"kind", "commit/partial"}}), 1);
  EXPECT_EQ(p.value("trailwall_managed_rules"), 1);
  EXPECT_EQ(p.value("trailwall_seconds_since_last_success"), 60);
  EXPECT_EQ(p.value("trailwall_last_success_timestamp_seconds"),
            std::chrono::duration<double>((kMetricsStart + 2min).time_since_epoch()).count());
  // Buckets are cumulative and end with +Inf = count.
  double previous = 0;
  for (const auto& s : p.samples) {
    if (s.name != "trailwall_run_duration_seconds_bucket") continue;
    EXPECT_GE(s.value, previous) << s.labels.at("le");
    previous = s.value;
  }
  EXPECT_EQ(previous, 1);
}

TEST(Metrics, AFailedRunCountsItsStepAndError) {
  Monitor monitor("q", kMetricsStart, 10);
  RunSummary run;
  run.ok = false;
  run.error = "applying the plan: commit failed";
  run.error_code = "remote";
  run.error_step = "apply";
  run.commit_attempted = true;
  run.events = {{"StopInstances", 1}};
  monitor.runFinished(run, {{"m1", "", Fate::Retry, 1}}, kMetricsStart + 1min);
  const auto p = parsePromText(renderMetrics(monitor.snapshot(kMetricsStart + 2min), false));
  ASSERT_TRUE(p.errors.empty()) << ::testing::PrintToString(p.errors);
  EXPECT_EQ(p.value("trailwall_runs_total", {{"kind", "scoped"}, {"outcome", "failed"}}), 1);
  EXPECT_EQ(p.value("trailwall_commits_total", {{"outcome", "failed"}}), 1);
  EXPECT_EQ(p.value("trailwall_firewall_errors_total", {{"step", "apply"}, {"error", "remote"}}),
            1);
  EXPECT_EQ(p.value("trailwall_events_total", {{"name", "StopInstances"}, {"outcome", "failed"}}),
            1);
  EXPECT_EQ(p.value("trailwall_messages_total", {{"outcome", "retry"}}), 1);
  EXPECT_EQ(p.value("trailwall_healthy"), 0);
  EXPECT_EQ(p.value("trailwall_seconds_since_last_success"), 120) << "since the start";
}

TEST(Metrics, LabelValuesAreEscaped) {
  EXPECT_EQ(escapeLabelValue(R"(a"b\c)"), R"(a\"b\\c)");
  EXPECT_EQ(escapeLabelValue("two\nlines"), "two\\nlines");
  EXPECT_EQ(escapeHelp("back\\slash\nnew"), "back\\\\slash\\nnew");
  Monitor monitor("q", kMetricsStart, 10);
  RunSummary run = committedRun();
  run.events = {{"Odd\"Name\\\nX", 1}};
  monitor.runFinished(run, {}, kMetricsStart + 1min);
  const auto text = renderMetrics(monitor.snapshot(kMetricsStart + 1min), true);
  const auto p = parsePromText(text);
  ASSERT_TRUE(p.errors.empty()) << ::testing::PrintToString(p.errors) << "\n" << text;
  EXPECT_EQ(p.value("trailwall_events_total", {{"name", "Odd\"Name\\\nX"}, {"outcome", "done"}}), 1)
      << "the parser reads back exactly the name";
}

TEST(PromTextParser, RejectsWhatIsNotTheFormat) {
  EXPECT_FALSE(parsePromText("x 1").errors.empty()) << "no trailing newline";
  EXPECT_FALSE(parsePromText("# TYPE x counter\nx{a=\"1} 2\n").errors.empty());
  EXPECT_FALSE(parsePromText("# TYPE x counter\nx{a=\"\\q\"} 2\n").errors.empty());
  EXPECT_FALSE(parsePromText("# TYPE x counter\nx one\n").errors.empty());
  EXPECT_FALSE(parsePromText("y 1\n").errors.empty()) << "a sample without its TYPE";
  EXPECT_FALSE(parsePromText("# TYPE x countr\n").errors.empty());
  EXPECT_TRUE(parsePromText("# HELP x h\n# TYPE x gauge\nx{a=\"q\\\"\"} -1.5e3 1700000000\n")
                  .errors.empty());
}

}  // namespace
}  // namespace trailwall::serve
