// The status page and /healthz: escaping at the one point (a rule description or an error that
// holds markup stays text), what the page shows about runs and rules, and the health rules.
#include <gtest/gtest.h>

#include "serve/health.h"
#include "serve/html.h"
#include "serve/status_page.h"

namespace trailwall::serve {
namespace {

using namespace std::chrono_literals;

const SystemTime kPageStart = std::chrono::sys_days(std::chrono::year(2024) / 5 / 1);

TEST(Html, EscapesEveryCharacterThatCouldBecomeMarkup) {
  EXPECT_EQ(escapeHtml(R"(<script>alert("x") & 'y'</script>)"),
            "&lt;script&gt;alert(&quot;x&quot;) &amp; &#39;y&#39;&lt;/script&gt;");
  EXPECT_EQ(escapeHtml("sg-0a1b-tcp-443"), "sg-0a1b-tcp-443");
  Html h;
  h.raw("<td>").text("<b>").raw("</td>");
  EXPECT_EQ(h.take(), "<td>&lt;b&gt;</td>");
}

Snapshot withRun(bool ok) {
  Monitor monitor("https://sqs.eu-central-1.amazonaws.com/111122223333/tw.fifo", kPageStart, 10);
  monitor.setQueue(true);
  RunSummary run;
  run.kind = RunKind::Scoped;
  run.started = kPageStart + 1min;
  run.duration = 2500ms;
  run.ok = ok;
  run.deliveries = 1;
  run.events = {{"AuthorizeSecurityGroupIngress", 1}};
  run.changes = {"+ sg-0a1b2c3d4e5f60718-tcp-443"};
  if (ok) {
    run.commit_job = 42;
    run.commit_duration = 1500ms;
  } else {
    run.error = "applying the plan: commit job 43 failed: <rule> & \"x\"";
    run.error_step = "apply";
    run.error_code = "remote";
  }
  run.managed_rules = std::vector<ManagedRule>{
      {"sg-0a1b2c3d4e5f60718-tcp-443",
       "trailwall: sg-0a1b2c3d4e5f60718 (web<script>) tcp 443 from 0.0.0.0/0",
       {"any"},
       {"10.0.1.10", "10.0.1.20"},
       {"ssl"},
       {"application-default"}}};
  monitor.runFinished(run, {{"m1", "fw", ok ? Fate::Delete : Fate::Retry, 1}}, kPageStart + 2min);
  return monitor.snapshot(kPageStart + 3min);
}

TEST(StatusPage, ShowsTheRunAndTheRulesItLeft) {
  const auto snapshot = withRun(true);
  const auto page = renderStatusPage(snapshot, health(snapshot, 900s));
  EXPECT_TRUE(page.starts_with("<!DOCTYPE html>"));
  EXPECT_NE(page.find("2024-05-01T00:01:00Z"), std::string::npos) << "when the run started";
  EXPECT_NE(page.find("AuthorizeSecurityGroupIngress \u00d7 1"), std::string::npos);
  EXPECT_NE(page.find("+ sg-0a1b2c3d4e5f60718-tcp-443"), std::string::npos);
  EXPECT_NE(page.find("job 42, 1.5 s"), std::string::npos);
  EXPECT_NE(page.find("1 deleted"), std::string::npos);
  EXPECT_NE(page.find(">ok</span>"), std::string::npos);
  EXPECT_NE(page.find("tw.fifo (FIFO)"), std::string::npos);
  EXPECT_NE(page.find("10.0.1.10<br>10.0.1.20"), std::string::npos);
  EXPECT_NE(page.find("(web&lt;script&gt;) tcp 443"), std::string::npos)
      << "the description, escaped";
  EXPECT_EQ(page.find("<script"), std::string::npos) << "no script, not even from data";
  EXPECT_EQ(page.find("src="), std::string::npos) << "no outside assets";
  EXPECT_EQ(page.find("href="), std::string::npos);
}

TEST(StatusPage, AFailedRunShowsItsErrorAsText) {
  const auto snapshot = withRun(false);
  const auto page = renderStatusPage(snapshot, health(snapshot, 900s));
  EXPECT_NE(page.find("failed</span>"), std::string::npos);
  EXPECT_NE(page.find("commit job 43 failed: &lt;rule&gt; &amp; &quot;x&quot;"), std::string::npos);
  EXPECT_NE(page.find("1 retry"), std::string::npos);
}

TEST(StatusPage, BeforeAnyRun) {
  Monitor monitor("q", kPageStart, 10);
  const auto snapshot = monitor.snapshot(kPageStart + 1s);
  const auto page = renderStatusPage(snapshot, health(snapshot, 900s));
  EXPECT_NE(page.find("No run yet."), std::string::npos);
  EXPECT_NE(page.find("Not read yet"), std::string::npos);
  EXPECT_NE(page.find("(standard)"), std::string::npos);
}

TEST(Health, OkBeforeAnyRunAndAfterASuccess) {
  Monitor monitor("q", kPageStart, 10);
  EXPECT_TRUE(health(monitor.snapshot(kPageStart + 10h), 900s).ok) << "a quiet queue is healthy";
  const auto snapshot = withRun(true);
  const auto h = health(snapshot, 900s);
  EXPECT_TRUE(h.ok);
  EXPECT_NE(h.reason.find("succeeded at 2024-05-01T00:02:00Z"), std::string::npos) << h.reason;
}

TEST(Health, AFailedRunIsToleratedForTheBoundThen503WithTheReason) {
  auto snapshot = withRun(false);  // failed at kPageStart + 2min, no success ever
  EXPECT_TRUE(health(snapshot, 900s).ok) << "3 min after the start, within 15 min";
  snapshot.now = kPageStart + 16min;
  const auto h = health(snapshot, 900s);
  EXPECT_FALSE(h.ok);
  EXPECT_NE(h.reason.find("the last run failed"), std::string::npos) << h.reason;
  EXPECT_NE(h.reason.find("commit job 43 failed"), std::string::npos) << h.reason;
  EXPECT_NE(h.reason.find("no run has succeeded"), std::string::npos) << h.reason;
}

TEST(Health, AStuckRunAnUnreadableQueueAndStoppingAre503) {
  Monitor monitor("q", kPageStart, 10);
  monitor.runStarted(RunKind::Full, kPageStart);
  auto h = health(monitor.snapshot(kPageStart + 20min), 900s);
  EXPECT_FALSE(h.ok);
  EXPECT_NE(h.reason.find("in flight for 1200 s"), std::string::npos) << h.reason;

  Monitor unreadable("q", kPageStart, 10);
  unreadable.receiveFailed(Error{ErrorCode::Denied, "AccessDenied: sqs:ReceiveMessage"},
                           kPageStart);
  EXPECT_TRUE(health(unreadable.snapshot(kPageStart + 1min), 900s).ok);
  h = health(unreadable.snapshot(kPageStart + 16min), 900s);
  EXPECT_FALSE(h.ok);
  EXPECT_NE(h.reason.find("sqs:ReceiveMessage"), std::string::npos) << h.reason;
  unreadable.received(0, kPageStart + 17min);
  EXPECT_TRUE(health(unreadable.snapshot(kPageStart + 17min), 900s).ok) << "readable again";

  Monitor stopping("q", kPageStart, 10);
  stopping.stopping();
  EXPECT_FALSE(health(stopping.snapshot(kPageStart), 900s).ok);
}

TEST(Monitor, KeepsTheLastRunsMostRecentFirst) {
  Monitor monitor("q", kPageStart, 3);
  for (int i = 0; i < 5; ++i) {
    RunSummary run;
    run.ok = true;
    run.started = kPageStart + std::chrono::minutes(i);
    monitor.runFinished(run, {}, kPageStart + std::chrono::minutes(i));
  }
  const auto snapshot = monitor.snapshot(kPageStart + 10min);
  ASSERT_EQ(snapshot.runs.size(), 3u);
  EXPECT_EQ(snapshot.runs.front().summary.started, kPageStart + 4min);
  EXPECT_EQ(snapshot.runs.back().summary.started, kPageStart + 2min);
}

}  // namespace
}  // namespace trailwall::serve
