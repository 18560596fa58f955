// The daemon's step function: batch windows by time and by count, one run at a time, deletion
// only after a run says Done, visibility extension timing, FIFO order, the periodic reconcile,
// and stopping with a batch in flight. Time is plain values: nothing sleeps.
#include <gtest/gtest.h>

#include "serve/scheduler.h"

namespace trailwall::serve {
namespace {

using namespace std::chrono_literals;

const SteadyTime t0{};

QueueMessage message(std::string id, std::string group = {}) {
  return QueueMessage{id, "rh-" + id, "{\"body\":\"" + id + "\"}", std::move(group), 1};
}

std::vector<QueueMessage> messages(std::initializer_list<const char*> ids) {
  std::vector<QueueMessage> out;
  for (const char* id : ids) out.push_back(message(id));
  return out;
}

std::vector<std::string> ids(const RunAction& run) {
  std::vector<std::string> out;
  for (const auto& d : run.deliveries) out.push_back(d.id);
  return out;
}

SchedulerSettings settings() {
  SchedulerSettings s;
  s.batch_window = 10s;
  s.batch_max_messages = 1000;
  s.reconcile_period = 0ms;
  s.visibility = 60s;
  return s;
}

// Receives `batch` at `at` after the receive the scheduler asks for at `at`.
void receiveAt(Scheduler& s, SteadyTime at, std::vector<QueueMessage> batch) {
  const auto step = s.next(at);
  ASSERT_TRUE(step.receive) << "expected a receive";
  s.received(std::move(batch), at);
}

TEST(Scheduler, AnEmptyQueueIsLongPolledForTwentySeconds) {
  Scheduler s(settings(), t0);
  const auto step = s.next(t0);
  ASSERT_TRUE(step.receive);
  EXPECT_EQ(step.receive->wait, 20s);
  EXPECT_EQ(step.receive->max, 10);
  EXPECT_EQ(step.receive->visibility, 60s);
  EXPECT_FALSE(step.run);
  EXPECT_TRUE(s.receiving());
  // While the poll is out, nothing else is asked for.
  const auto during = s.next(t0 + 1s);
  EXPECT_FALSE(during.receive);
  EXPECT_FALSE(during.run);
}

TEST(Scheduler, TheWindowClosesTenSecondsAfterItsFirstMessage) {
  Scheduler s(settings(), t0);
  receiveAt(s, t0 + 3s, messages({"m1"}));
  auto step = s.next(t0 + 3s);
  ASSERT_TRUE(step.receive);
  EXPECT_EQ(step.receive->wait, 10s) << "the poll ends when the window closes";
  s.received(messages({"m2"}), t0 + 9s);
  step = s.next(t0 + 9s);
  EXPECT_FALSE(step.run) << "the window is still open";
  ASSERT_TRUE(step.receive);
  EXPECT_EQ(step.receive->wait, 4s);
  s.received({}, t0 + 13s);
  step = s.next(t0 + 13s);
  ASSERT_TRUE(step.run);
  EXPECT_EQ(step.run->kind, RunKind::Scoped);
  EXPECT_EQ(ids(*step.run), (std::vector<std::string>{"m1", "m2"}));
  EXPECT_EQ(step.run->deliveries[0].body, R"({"body":"m1"})");
  EXPECT_FALSE(step.receive) << "nothing is received while a run is in flight";
}

TEST(Scheduler, LessThanASecondLeftInTheWindowIsWaitedOutWithoutAPoll) {
  Scheduler s(settings(), t0);
  receiveAt(s, t0, messages({"m1"}));
  ASSERT_TRUE(s.next(t0).receive);  // a 10 s poll
  s.received({}, t0 + 9500ms);
  const auto step = s.next(t0 + 9500ms);
  EXPECT_FALSE(step.receive);
  EXPECT_FALSE(step.run);
  EXPECT_EQ(step.wake_at, t0 + 10s);
  EXPECT_TRUE(s.next(t0 + 10s).run);
}

TEST(Scheduler, TheWindowClosesEarlyAtTheMessageLimit) {
  auto config = settings();
  config.batch_max_messages = 12;
  Scheduler s(config, t0);
  receiveAt(s, t0, messages({"1", "2", "3", "4", "5", "6", "7", "8", "9", "10"}));
  auto step = s.next(t0 + 1s);
  ASSERT_TRUE(step.receive);
  EXPECT_EQ(step.receive->max, 2) << "never more than the window has room for";
  s.received(messages({"11", "12"}), t0 + 1s);
  step = s.next(t0 + 1s);
  ASSERT_TRUE(step.run) << "12 messages close the window at once";
  EXPECT_EQ(step.run->deliveries.size(), 12u);
}

TEST(Scheduler, NeverTwoRunsAtOnce) {
  auto config = settings();
  config.reconcile_period = 1min;
  Scheduler s(config, t0);
  auto step = s.next(t0);
  ASSERT_TRUE(step.run);  // the reconcile at start
  EXPECT_EQ(step.run->kind, RunKind::Full);
  for (auto t = t0; t < t0 + 10min; t += 7s) {
    step = s.next(t);
    EXPECT_FALSE(step.run) << "a reconcile is overdue, but a run is in flight";
    EXPECT_FALSE(step.receive);
  }
  s.runFinished({}, t0 + 10min);
  EXPECT_FALSE(s.running());
  EXPECT_FALSE(s.next(t0 + 10min).run) << "the next reconcile is a period after this one";
}

TEST(Scheduler, MessagesAreDeletedOnlyAfterTheirRunSaysDone) {
  Scheduler s(settings(), t0);
  receiveAt(s, t0, messages({"done", "retry", "unreadable"}));
  s.received({}, t0 + 10s);
  auto step = s.next(t0 + 10s);
  ASSERT_TRUE(step.run);
  EXPECT_TRUE(step.remove.empty());
  for (auto t = t0 + 10s; t < t0 + 5min; t += 1s) {
    EXPECT_TRUE(s.next(t).remove.empty()) << "nothing is deleted while the run is in flight";
  }
  const auto settled =
      s.runFinished({Outcome::Done, Outcome::Retry, Outcome::Unreadable}, t0 + 5min);
  ASSERT_EQ(settled.size(), 3u);
  EXPECT_EQ(settled[0].fate, Fate::Delete);
  EXPECT_EQ(settled[1].fate, Fate::Retry);
  EXPECT_EQ(settled[2].fate, Fate::Unreadable);
  step = s.next(t0 + 5min);
  EXPECT_EQ(step.remove, std::vector<std::string>{"rh-done"});
  EXPECT_EQ(s.held(), 0u) << "failed messages are left to their visibility timeout";
  EXPECT_TRUE(s.next(t0 + 5min + 1s).remove.empty()) << "deleted once";
}

TEST(Scheduler, AFailedRunDeletesNothing) {
  Scheduler s(settings(), t0);
  receiveAt(s, t0, messages({"a", "b"}));
  s.received({}, t0 + 10s);
  ASSERT_TRUE(s.next(t0 + 10s).run);
  s.runFinished({Outcome::Retry, Outcome::Retry}, t0 + 20s);
  EXPECT_TRUE(s.next(t0 + 20s).remove.empty());
}

TEST(Scheduler, MissingOutcomesCountAsRetry) {
  Scheduler s(settings(), t0);
  receiveAt(s, t0, messages({"a", "b"}));
  s.received({}, t0 + 10s);
  ASSERT_TRUE(s.next(t0 + 10s).run);
  const auto settled = s.runFinished({Outcome::Done}, t0 + 20s);
  EXPECT_EQ(settled[1].fate, Fate::Retry);
  EXPECT_EQ(s.next(t0 + 20s).remove, std::vector<std::string>{"rh-a"});
}

TEST(Scheduler, VisibilityIsExtendedWhenHalfOfItHasPassed) {
  Scheduler s(settings(), t0);  // visibility 60 s
  receiveAt(s, t0, messages({"a", "b"}));
  s.received({}, t0 + 10s);
  auto step = s.next(t0 + 10s);
  ASSERT_TRUE(step.run);
  EXPECT_TRUE(step.visibility.empty());
  EXPECT_EQ(step.wake_at, t0 + 30s) << "woken in time to extend";
  EXPECT_TRUE(s.next(t0 + 29s).visibility.empty());
  step = s.next(t0 + 30s);
  ASSERT_EQ(step.visibility.size(), 1u);
  EXPECT_EQ(step.visibility[0].timeout, 60s);
  EXPECT_EQ(step.visibility[0].receipt_handles, (std::vector<std::string>{"rh-a", "rh-b"}));
  EXPECT_EQ(step.wake_at, t0 + 60s) << "the next extension is half a timeout later";
  EXPECT_TRUE(s.next(t0 + 59s).visibility.empty());
  EXPECT_EQ(s.next(t0 + 60s).visibility.size(), 1u);
  s.runFinished({Outcome::Done, Outcome::Done}, t0 + 70s);
  for (auto t = t0 + 70s; t < t0 + 10min; t += 5s) {
    const auto later = s.next(t);
    EXPECT_TRUE(later.visibility.empty()) << "settled messages are not extended";
    if (later.receive) s.received({}, t);
  }
}

TEST(Scheduler, GatheringMessagesAreExtendedToo) {
  auto config = settings();
  config.batch_window = 2min;
  config.visibility = 20s;
  Scheduler s(config, t0);
  receiveAt(s, t0, messages({"a"}));
  auto step = s.next(t0);
  ASSERT_TRUE(step.receive);
  EXPECT_EQ(step.receive->wait, 10s) << "the poll ends in time for the extension";
  s.received({}, t0 + 10s);
  step = s.next(t0 + 10s);
  ASSERT_EQ(step.visibility.size(), 1u);
  EXPECT_EQ(step.visibility[0].receipt_handles, std::vector<std::string>{"rh-a"});
  EXPECT_TRUE(step.receive) << "and it keeps gathering";
}

TEST(Scheduler, FifoDeletesNothingAfterAFailedMessageOfTheSameGroup) {
  auto config = settings();
  config.fifo = true;
  Scheduler s(config, t0);
  receiveAt(s, t0,
            {message("a1", "A"), message("b1", "B"), message("a2", "A"), message("a3", "A"),
             message("b2", "B"), message("c1", "C")});
  s.received({}, t0 + 10s);
  ASSERT_TRUE(s.next(t0 + 10s).run);
  const auto settled = s.runFinished({Outcome::Done, Outcome::Retry, Outcome::Unreadable,
                                      Outcome::Done, Outcome::Done, Outcome::Done},
                                     t0 + 20s);
  ASSERT_EQ(settled.size(), 6u);
  EXPECT_EQ(settled[0].fate, Fate::Delete);        // a1: before the failure in A
  EXPECT_EQ(settled[1].fate, Fate::Retry);         // b1
  EXPECT_EQ(settled[2].fate, Fate::Unreadable);    // a2
  EXPECT_EQ(settled[3].fate, Fate::HeldForOrder);  // a3: after a2 in group A
  EXPECT_EQ(settled[4].fate, Fate::HeldForOrder);  // b2: after b1 in group B
  EXPECT_EQ(settled[5].fate, Fate::Delete);        // c1: its group is fine
  EXPECT_EQ(s.next(t0 + 20s).remove, (std::vector<std::string>{"rh-a1", "rh-c1"}));
}

TEST(Scheduler, AStandardQueueDeletesEveryDoneMessage) {
  Scheduler s(settings(), t0);
  receiveAt(s, t0, {message("a1"), message("a2"), message("a3")});
  s.received({}, t0 + 10s);
  ASSERT_TRUE(s.next(t0 + 10s).run);
  s.runFinished({Outcome::Done, Outcome::Retry, Outcome::Done}, t0 + 20s);
  EXPECT_EQ(s.next(t0 + 20s).remove, (std::vector<std::string>{"rh-a1", "rh-a3"}));
}

TEST(Scheduler, AFullReconcileRunsAtStartAndThenEveryPeriod) {
  auto config = settings();
  config.reconcile_period = 15min;
  Scheduler s(config, t0);
  auto step = s.next(t0);
  ASSERT_TRUE(step.run);
  EXPECT_EQ(step.run->kind, RunKind::Full);
  EXPECT_TRUE(step.run->deliveries.empty());
  s.runFinished({}, t0 + 30s);
  EXPECT_EQ(s.nextReconcile(), t0 + 30s + 15min);
  step = s.next(t0 + 30s);
  ASSERT_TRUE(step.receive);
  s.received({}, t0 + 50s);
  // Quiet queue: polls until the period is over, then the reconcile.
  auto t = t0 + 50s;
  while (t < t0 + 30s + 15min) {
    step = s.next(t);
    ASSERT_FALSE(step.run);
    if (step.receive) {
      EXPECT_LE(t + step.receive->wait, t0 + 30s + 15min) << "the poll ends in time";
      t += step.receive->wait;
      s.received({}, t);
    } else {
      ASSERT_TRUE(step.wake_at);
      t = *step.wake_at;
    }
  }
  step = s.next(t);
  ASSERT_TRUE(step.run);
  EXPECT_EQ(step.run->kind, RunKind::Full);
}

TEST(Scheduler, AnOpenWindowClosesIntoADueReconcile) {
  auto config = settings();
  config.reconcile_period = 15min;
  Scheduler s(config, t0);
  ASSERT_TRUE(s.next(t0).run);
  s.runFinished({}, t0);
  receiveAt(s, t0 + 15min - 5s, messages({"m"}));
  auto step = s.next(t0 + 15min - 5s);
  ASSERT_TRUE(step.receive);
  EXPECT_EQ(step.receive->wait, 5s);
  s.received({}, t0 + 15min);
  step = s.next(t0 + 15min);
  ASSERT_TRUE(step.run);
  EXPECT_EQ(step.run->kind, RunKind::Full);
  EXPECT_EQ(ids(*step.run), std::vector<std::string>{"m"});
  s.runFinished({Outcome::Done}, t0 + 15min + 1s);
  EXPECT_EQ(s.next(t0 + 15min + 1s).remove, std::vector<std::string>{"rh-m"});
}

TEST(Scheduler, PeriodZeroNeverReconciles) {
  Scheduler s(settings(), t0);
  EXPECT_FALSE(s.nextReconcile());
  auto t = t0;
  for (int i = 0; i < 200; ++i) {
    const auto step = s.next(t);
    ASSERT_FALSE(step.run);
    ASSERT_TRUE(step.receive);
    t += step.receive->wait;
    s.received({}, t);
  }
}

TEST(Scheduler, StoppingMidBatchFinishesTheRunDeletesWhatItDidAndExits) {
  Scheduler s(settings(), t0);
  receiveAt(s, t0, messages({"a", "b"}));
  s.received({}, t0 + 10s);
  ASSERT_TRUE(s.next(t0 + 10s).run);
  s.stop();
  auto step = s.next(t0 + 11s);
  EXPECT_FALSE(step.exit) << "the run in flight is waited for";
  EXPECT_FALSE(step.receive);
  EXPECT_FALSE(step.run);
  step = s.next(t0 + 30s);
  EXPECT_EQ(step.visibility.size(), 1u) << "still extended while it runs";
  s.runFinished({Outcome::Done, Outcome::Retry}, t0 + 40s);
  step = s.next(t0 + 40s);
  EXPECT_EQ(step.remove, std::vector<std::string>{"rh-a"});
  EXPECT_TRUE(step.exit);
  EXPECT_FALSE(step.receive);
}

TEST(Scheduler, StoppingGivesBackMessagesNotYetInARun) {
  Scheduler s(settings(), t0);
  receiveAt(s, t0, messages({"a", "b"}));
  s.stop();
  const auto step = s.next(t0 + 1s);
  ASSERT_EQ(step.visibility.size(), 1u);
  EXPECT_EQ(step.visibility[0].timeout, 0s) << "visible to other consumers at once";
  EXPECT_EQ(step.visibility[0].receipt_handles, (std::vector<std::string>{"rh-a", "rh-b"}));
  EXPECT_FALSE(step.run);
  EXPECT_TRUE(step.exit);
  EXPECT_EQ(s.held(), 0u);
}

TEST(Scheduler, StoppingDuringAPollDoesNotWaitForIt) {
  Scheduler s(settings(), t0);
  ASSERT_TRUE(s.next(t0).receive);
  s.stop();
  const auto step = s.next(t0 + 1s);
  EXPECT_TRUE(step.exit) << "an idle daemon stops at once";
  EXPECT_TRUE(s.receiving()) << "the driver learns that a poll is abandoned";
}

TEST(Scheduler, MessagesAPollReturnsAfterTheStopAreGivenBack) {
  Scheduler s(settings(), t0);
  ASSERT_TRUE(s.next(t0).receive);
  s.stop();
  s.received(messages({"late"}), t0 + 2s);
  const auto step = s.next(t0 + 2s);
  ASSERT_EQ(step.visibility.size(), 1u);
  EXPECT_EQ(step.visibility[0].timeout, 0s);
  EXPECT_EQ(step.visibility[0].receipt_handles, std::vector<std::string>{"rh-late"});
  EXPECT_TRUE(step.exit);
}

TEST(Scheduler, AFailedReceiveBacksOffDoublingUpToAMinute) {
  Scheduler s(settings(), t0);
  ASSERT_TRUE(s.next(t0).receive);
  s.receiveFailed(t0);
  auto step = s.next(t0);
  EXPECT_FALSE(step.receive);
  EXPECT_EQ(step.wake_at, t0 + 1s);
  ASSERT_TRUE(s.next(t0 + 1s).receive);
  s.receiveFailed(t0 + 1s);
  EXPECT_EQ(s.next(t0 + 1s).wake_at, t0 + 3s);
  auto t = t0 + 3s;
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(s.next(t).receive);
    s.receiveFailed(t);
    const auto wake = s.next(t).wake_at;
    ASSERT_TRUE(wake);
    EXPECT_LE(*wake - t, 1min);
    t = *wake;
  }
  EXPECT_EQ(s.next(t).receive.has_value(), true);
  s.received({}, t);
  ASSERT_TRUE(s.next(t).receive);
  s.receiveFailed(t);
  EXPECT_EQ(s.next(t).wake_at, t + 1s) << "a success resets the backoff";
}

TEST(Scheduler, AMessageDeliveredTwiceIsHeldOnceWithItsNewestHandle) {
  Scheduler s(settings(), t0);
  receiveAt(s, t0, messages({"a"}));
  ASSERT_TRUE(s.next(t0).receive);
  auto again = message("a");
  again.receipt_handle = "rh-a-2";
  s.received({again}, t0 + 2s);
  EXPECT_EQ(s.held(), 1u);
  ASSERT_TRUE(s.next(t0 + 2s).receive);
  s.received({}, t0 + 10s);
  const auto step = s.next(t0 + 10s);
  ASSERT_TRUE(step.run);
  ASSERT_EQ(step.run->deliveries.size(), 1u);
  s.runFinished({Outcome::Done}, t0 + 11s);
  EXPECT_EQ(s.next(t0 + 11s).remove, std::vector<std::string>{"rh-a-2"});
}

}  // namespace
}  // namespace trailwall::serve
