// The daemon's driver with a fake queue, a fake runner and simulated time: messages become one
// run per window and are deleted after it, failures keep them, visibility is extended while a
// long run is in flight, FIFO groups keep their order, and a stop mid-batch leaves nothing
// half-done. No thread, no sleep: jobs take time on the FakeClock.
#include <gtest/gtest.h>

#include <thread>

#include "serve/daemon.h"
#include "unit/serve/fakes.h"

namespace trailwall::serve {
namespace {

using namespace std::chrono_literals;
using testing::FakeQueue;
using testing::FakeRunner;
using testing::SimulatedExecutor;

class DaemonTest : public ::testing::Test {
 protected:
  DaemonTest() {
    options_.scheduler.batch_window = 10s;
    options_.scheduler.reconcile_period = 0ms;
    options_.shutdown_timeout = 60s;
    queue_.info.visibility_timeout = 30s;
    queue_.info.redrive_policy = R"({"maxReceiveCount":5})";
    // A daemon with nothing left to happen would wait forever: stop it instead.
    executor_.on_stuck = [this] { stop_.request_stop(); };
  }

  // Runs the daemon until it stops (the tests request the stop from inside a fake).
  Status serve() {
    Daemon daemon(queue_, runner_, executor_, clock_, monitor_, options_);
    auto served = daemon.run(stop_.get_token());
    poll_abandoned_ = daemon.pollAbandoned();
    return served;
  }
  // A SIGTERM at the first poll after `n` runs.
  void stopAfterRuns(std::size_t n) {
    queue_.after_receive = [this, n] {
      if (runner_.calls.size() >= n) stop_.request_stop();
    };
  }
  void TearDown() override { EXPECT_FALSE(executor_.stuck()) << "the daemon never stopped"; }
  // A SIGTERM when the `n`th run starts.
  void stopAtRun(std::size_t n) {
    runner_.during = [this, n] {
      if (runner_.calls.size() + 1 == n) stop_.request_stop();
    };
  }

  FakeClock clock_{std::chrono::sys_days(std::chrono::year(2024) / 5 / 1)};
  SimulatedExecutor executor_{clock_};
  FakeQueue queue_{clock_, executor_};
  FakeRunner runner_{executor_};
  Monitor monitor_{"https://sqs.example/q", clock_.now(), 20};
  DaemonOptions options_;
  std::stop_source stop_;
  bool poll_abandoned_ = false;
};

TEST_F(DaemonTest, MessagesBecomeOneRunPerWindowAndAreDeletedAfterIt) {
  queue_.send("m1", "one");
  queue_.send("m2", "two");
  queue_.send("m3", "three");
  queue_.send("m4", "four");
  stopAfterRuns(1);
  auto served = serve();
  ASSERT_TRUE(served) << to_string(served.error());
  ASSERT_GE(runner_.calls.size(), 1u);
  EXPECT_EQ(runner_.calls[0].kind, RunKind::Scoped);
  EXPECT_EQ(runner_.calls[0].ids, (std::vector<std::string>{"m1", "m2", "m3", "m4"}))
      << "one window, one run";
  EXPECT_TRUE(queue_.remaining().empty()) << "deleted after the run said Done";
  EXPECT_TRUE(poll_abandoned_) << "the stop came during a long poll, which is not waited for";
  const auto snapshot = monitor_.snapshot(clock_.now());
  EXPECT_EQ(snapshot.messages_received, 4u);
  EXPECT_EQ(snapshot.messages.at("deleted"), 4u);
}

TEST_F(DaemonTest, SqsRequestsAreCountedTenEntriesToABatchCall) {
  for (int i = 0; i < 25; ++i) {
    std::string id = "m";  // (not "m" + to_string(i): a g++ 12 -O3 stringop false positive)
    id += std::to_string(i);
    queue_.send(id, "body");
  }
  stopAfterRuns(1);
  auto served = serve();
  ASSERT_TRUE(served) << to_string(served.error());
  ASSERT_EQ(runner_.calls.size(), 1u);
  EXPECT_EQ(runner_.calls[0].ids.size(), 25u);
  EXPECT_TRUE(queue_.remaining().empty());
  const auto snapshot = monitor_.snapshot(clock_.now());
  EXPECT_EQ(snapshot.aws_requests.at("DeleteMessageBatch"), 3u) << "25 handles: 10 + 10 + 5";
  EXPECT_EQ(snapshot.aws_requests.at("GetQueueAttributes"), 1u);
  EXPECT_GE(snapshot.aws_requests.at("ReceiveMessage"), 3u) << "at most 10 per receive";
}

TEST_F(DaemonTest, AFailedRunLeavesItsMessagesUndeleted) {
  queue_.send("m1", "one");
  queue_.send("m2", "two");
  runner_.fail = true;
  stopAtRun(2);
  auto served = serve();
  ASSERT_TRUE(served) << to_string(served.error());
  ASSERT_GE(runner_.calls.size(), 2u) << "delivered again after the visibility timeout";
  EXPECT_EQ(runner_.calls[1].ids, (std::vector<std::string>{"m1", "m2"}));
  EXPECT_EQ(queue_.remaining(), (std::vector<std::string>{"m1", "m2"}));
  EXPECT_TRUE(queue_.deleted_handles.empty());
  EXPECT_EQ(queue_.receiveCount("m1"), 2);
  const auto snapshot = monitor_.snapshot(clock_.now());
  EXPECT_FALSE(snapshot.last_run_ok);
  EXPECT_EQ(snapshot.messages.at("retry"), 4u);
}

TEST_F(DaemonTest, VisibilityIsExtendedWhileALongRunIsInFlight) {
  queue_.send("m1", "one");
  runner_.duration = 200s;  // a slow commit, far longer than the 30 s visibility timeout
  stopAfterRuns(1);
  auto served = serve();
  ASSERT_TRUE(served) << to_string(served.error());
  ASSERT_EQ(runner_.calls.size(), 1u) << "never delivered twice: it stayed invisible";
  EXPECT_EQ(queue_.receiveCount("m1"), -1) << "deleted";
  // Extended every 15 s (half of 30 s) from the window's end to the run's end.
  ASSERT_GE(queue_.visibility_calls.size(), 13u);
  for (const auto& call : queue_.visibility_calls) {
    EXPECT_EQ(call.timeout, 30s);
    EXPECT_EQ(call.handles, std::vector<std::string>{"m1#1"});
  }
  for (std::size_t i = 1; i < queue_.visibility_calls.size(); ++i) {
    const auto gap = queue_.visibility_calls[i].at - queue_.visibility_calls[i - 1].at;
    EXPECT_LE(gap, 15s) << "each extension comes before the previous one runs out";
  }
}

TEST_F(DaemonTest, ALostExtensionWouldHaveLetTheMessageGo) {
  // The fake queue is honest about visibility: without extensions a 200 s run lets another
  // consumer see the message. (Guards the test above against a queue that never expires.)
  queue_.send("m1", "one");
  auto handles = queue_.receive(1, 0s, 30s);
  ASSERT_TRUE(handles);
  EXPECT_FALSE(queue_.visible("m1"));
  clock_.advance(31s);
  EXPECT_TRUE(queue_.visible("m1"));
}

TEST_F(DaemonTest, FifoGroupsKeepTheirOrderAfterAFailure) {
  queue_.info.fifo = true;
  queue_.send("a1", "a1", "A");
  queue_.send("a2", "a2", "A");
  queue_.send("a3", "a3", "A");
  queue_.send("b1", "b1", "B");
  runner_.answer = [](const Delivery& d) { return d.id == "a2" ? Outcome::Retry : Outcome::Done; };
  stopAtRun(2);
  auto served = serve();
  ASSERT_TRUE(served) << to_string(served.error());
  ASSERT_GE(runner_.calls.size(), 1u);
  EXPECT_EQ(queue_.remaining(), (std::vector<std::string>{"a2", "a3"}))
      << "a1 and b1 deleted; a3 waits behind a2";
  ASSERT_GE(runner_.calls.size(), 2u);
  EXPECT_EQ(runner_.calls[1].ids, (std::vector<std::string>{"a2", "a3"})) << "redelivered in order";
}

TEST_F(DaemonTest, StopMidBatchWritesNothingAndLeavesTheMessages) {
  queue_.send("m1", "one");
  queue_.send("m2", "two");
  runner_.during = [this] { stop_.request_stop(); };  // SIGTERM while the run is in flight
  auto served = serve();
  ASSERT_TRUE(served) << to_string(served.error());
  ASSERT_EQ(runner_.calls.size(), 1u);
  EXPECT_TRUE(runner_.calls[0].stop_requested_at_write) << "the runner saw the stop";
  EXPECT_EQ(queue_.remaining(), (std::vector<std::string>{"m1", "m2"}));
  EXPECT_TRUE(queue_.deleted_handles.empty());
  EXPECT_TRUE(monitor_.snapshot(clock_.now()).stopping);
  EXPECT_FALSE(poll_abandoned_);
}

TEST_F(DaemonTest, StopWhileGatheringGivesTheMessagesBackAtOnce) {
  queue_.send("m1", "one");
  options_.scheduler.batch_window = 5min;
  queue_.after_receive = [this] {
    if (queue_.receives == 3) stop_.request_stop();  // m1 is gathering in a 5 min window
  };
  auto served = serve();
  ASSERT_TRUE(served) << to_string(served.error());
  EXPECT_TRUE(runner_.calls.empty()) << "nothing was started";
  ASSERT_FALSE(queue_.visibility_calls.empty());
  EXPECT_EQ(queue_.visibility_calls.back().timeout, 0s);
  EXPECT_TRUE(queue_.visible("m1")) << "another consumer can take it now";
  EXPECT_EQ(queue_.remaining(), std::vector<std::string>{"m1"});
}

TEST_F(DaemonTest, APeriodicReconcileRunsEveryPeriodOnAQuietQueue) {
  options_.scheduler.reconcile_period = 15min;
  stopAtRun(3);
  auto served = serve();
  ASSERT_TRUE(served) << to_string(served.error());
  ASSERT_EQ(runner_.calls.size(), 3u);
  for (const auto& call : runner_.calls) EXPECT_EQ(call.kind, RunKind::Full);
  const auto snapshot = monitor_.snapshot(clock_.now());
  EXPECT_EQ(snapshot.runs_total.at({"full", "ok"}), 2u);
  // Two periods of 15 min plus the runs' 2 s each.
  EXPECT_GE(clock_.now() - snapshot.started, 30min);
  EXPECT_LT(clock_.now() - snapshot.started, 31min);
}

TEST_F(DaemonTest, AQueueThatCannotBeReadIsRetriedAndReported) {
  queue_.receive_error = Error{ErrorCode::Denied, "not allowed: sqs:ReceiveMessage"};
  queue_.send("m1", "one");
  stopAfterRuns(1);
  auto served = serve();
  ASSERT_TRUE(served) << to_string(served.error());
  ASSERT_GE(runner_.calls.size(), 1u);
  EXPECT_EQ(runner_.calls[0].ids, std::vector<std::string>{"m1"});
  const auto snapshot = monitor_.snapshot(clock_.now());
  EXPECT_EQ(snapshot.aws_errors.at({"ReceiveMessage", "denied"}), 1u);
  EXPECT_FALSE(snapshot.receive_failing_since) << "a later receive worked";
}

TEST_F(DaemonTest, AMissingQueueIsAnErrorAtStart) {
  class Missing final : public MessageQueue {
   public:
    Result<QueueInfo> describe() override {
      return fail(ErrorCode::NotFound, "The specified queue does not exist.");
    }
    Result<std::vector<QueueMessage>> receive(int, std::chrono::seconds,
                                              std::chrono::seconds) override {
      return std::vector<QueueMessage>{};
    }
    Result<std::vector<QueueRefusal>> remove(const std::vector<std::string>&) override {
      return std::vector<QueueRefusal>{};
    }
    Result<std::vector<QueueRefusal>> setVisibility(const std::vector<std::string>&,
                                                    std::chrono::seconds) override {
      return std::vector<QueueRefusal>{};
    }
  } missing;
  Daemon daemon(missing, runner_, executor_, clock_, monitor_, options_);
  auto served = daemon.run(stop_.get_token());
  ASSERT_FALSE(served);
  EXPECT_EQ(served.error().code, ErrorCode::NotFound);
  EXPECT_NE(served.error().message.find("queue"), std::string::npos);
}

TEST_F(DaemonTest, ARunOutlastingTheShutdownTimeoutIsAnError) {
  queue_.send("m1", "one");
  options_.shutdown_timeout = 30s;
  runner_.duration = 10min;
  stopAtRun(1);
  auto served = serve();
  ASSERT_FALSE(served);
  EXPECT_EQ(served.error().code, ErrorCode::Timeout);
  EXPECT_EQ(queue_.remaining(), std::vector<std::string>{"m1"}) << "not deleted";
}

TEST(DaemonSettings, VisibilityAndPollWaitFollowTheQueueAndTheShutdownBound) {
  DaemonOptions options;
  options.shutdown_timeout = 10s;
  QueueInfo info{true, 2s, ""};
  auto s = settingsFor(options, info);
  EXPECT_TRUE(s.fifo);
  EXPECT_EQ(s.visibility, 5s) << "a tiny queue default leaves no room to extend";
  EXPECT_EQ(s.max_poll_wait, 5s) << "a poll never holds up a stop for more than half its bound";
  options.visibility_timeout = 120s;
  options.shutdown_timeout = 90s;
  s = settingsFor(options, info);
  EXPECT_EQ(s.visibility, 120s);
  EXPECT_EQ(s.max_poll_wait, 20s);
}

}  // namespace
}  // namespace trailwall::serve

namespace trailwall::serve {
namespace {

// The production executor, with a real worker thread: a job's completion comes back to the
// waiting thread; wake() and a past deadline end a wait at once. Nothing here sleeps.
TEST(ThreadExecutor, HandsCompletionsBackAndWakesOnRequest) {
  ThreadExecutor executor;
  std::vector<std::thread::id> ran_on;
  executor.submit([&ran_on]() -> Completion {
    ran_on.push_back(std::this_thread::get_id());
    return [&ran_on] { ran_on.push_back(std::this_thread::get_id()); };
  });
  std::vector<Completion> done;
  while (done.empty()) done = executor.waitUntil(std::nullopt);
  ASSERT_EQ(done.size(), 1u);
  done.front()();
  ASSERT_EQ(ran_on.size(), 2u);
  EXPECT_NE(ran_on[0], std::this_thread::get_id()) << "the job ran on the worker";
  EXPECT_EQ(ran_on[1], std::this_thread::get_id()) << "its completion on the waiting thread";

  executor.wake();
  EXPECT_TRUE(executor.waitUntil(std::nullopt).empty()) << "a wake ends an unbounded wait";
  EXPECT_TRUE(executor.waitUntil(std::chrono::steady_clock::now()).empty());
}

}  // namespace
}  // namespace trailwall::serve
