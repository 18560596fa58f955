#pragma once
// The daemon's decisions as a step function (STYLE: a loop is a small driver around a step
// function of state, input and clock). The Scheduler holds the messages received and not yet
// settled; inputs (messages received, a receive failed, a run finished, stop) change it, and
// next(now) says what to do at `now`: extend or give back visibility, delete, start a run, or
// long-poll for more, and when to be asked again. It does no I/O and reads no clock, so tests
// drive it with plain time values.
//
// Rules it keeps:
// - A batch window opens with the first message and closes after `batch_window` or at
//   `batch_max_messages`, whichever comes first; then one run takes every held message.
// - One run at a time; nothing is received while a run is in flight.
// - A message is deleted only when its run says Done. Retry and Unreadable messages are left
//   undeleted (they come back after their visibility timeout; the queue's redrive policy moves
//   a message that keeps failing to the dead-letter queue). On a FIFO queue, a message after a
//   failed one of the same message group is not deleted either, so the group keeps its order.
// - Every held message is made invisible again (ChangeMessageVisibility) once half its
//   visibility timeout has passed, for as long as it is held: gathering or in a run.
// - A full reconcile is due every `reconcile_period` (0: never), the first one at start; a
//   window open when it falls due closes into it.
// - After stop(): nothing more is received or started; messages not yet in a run are made
//   visible again at once; the run in flight is waited for and its Done messages deleted; then
//   exit. A long poll in flight is not waited for: what it returns (at most 10 messages) stays
//   invisible for one visibility timeout and is then delivered again.

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "serve/batch_runner.h"
#include "serve/queue.h"

namespace trailwall::serve {

using SteadyTime = std::chrono::steady_clock::time_point;

struct SchedulerSettings {
  std::chrono::milliseconds batch_window{std::chrono::seconds(10)};
  std::size_t batch_max_messages = 1000;
  std::chrono::milliseconds reconcile_period{std::chrono::minutes(15)};  // 0: no periodic run
  std::chrono::seconds visibility{30};     // messages are received with it and extended by it
  std::chrono::seconds max_poll_wait{20};  // SQS allows 0-20
  bool fifo = false;
  // After a failed receive, wait this long before the next (doubling up to a minute).
  std::chrono::milliseconds receive_backoff{std::chrono::seconds(1)};
};

struct ReceiveAction {
  int max = 10;
  std::chrono::seconds wait{0};
  std::chrono::seconds visibility{30};
};

struct RunAction {
  RunKind kind = RunKind::Scoped;
  std::vector<Delivery> deliveries;
};

struct VisibilityAction {
  std::vector<std::string> receipt_handles;
  std::chrono::seconds timeout{0};  // the visibility timeout to extend by; 0 = give back now
};

// What to do at one instant, in this order: visibility changes, deletes, then either start a
// run or receive (never both). `wake_at`: ask again then if no input arrives before.
struct Step {
  std::vector<VisibilityAction> visibility;
  std::vector<std::string> remove;  // receipt handles of messages whose changes are committed
  std::optional<RunAction> run;
  std::optional<ReceiveAction> receive;
  std::optional<SteadyTime> wake_at;
  bool exit = false;
};

// What became of one message of a finished run.
enum class Fate {
  Delete,        // Done
  Retry,         // not done: delivered again after its visibility timeout
  Unreadable,    // never readable: left for the redrive policy
  HeldForOrder,  // Done, but behind a failed message of its FIFO group: delivered again
};
[[nodiscard]] const char* to_string(Fate fate);

struct Settled {
  std::string id;
  std::string group;
  Fate fate = Fate::Retry;
  int receive_count = 1;
};

class Scheduler {
 public:
  Scheduler(SchedulerSettings settings, SteadyTime start);

  // Inputs.
  void received(std::vector<QueueMessage> messages, SteadyTime now);
  void receiveFailed(SteadyTime now);
  // The run of the last RunAction is over: one outcome per delivery, in order (missing
  // outcomes count as Retry). Returns what becomes of each message.
  std::vector<Settled> runFinished(const std::vector<Outcome>& outcomes, SteadyTime now);
  void stop();

  // The step.
  [[nodiscard]] Step next(SteadyTime now);

  [[nodiscard]] bool stopping() const { return stopping_; }
  [[nodiscard]] bool running() const { return running_.has_value(); }
  [[nodiscard]] bool receiving() const { return receiving_; }
  // Messages received and not yet settled (gathering or in the run).
  [[nodiscard]] std::size_t held() const;
  [[nodiscard]] std::optional<SteadyTime> nextReconcile() const { return next_full_; }
  [[nodiscard]] const SchedulerSettings& settings() const { return settings_; }

 private:
  struct Held {
    QueueMessage message;
    SteadyTime visible_until;
  };
  struct InFlight {
    RunKind kind = RunKind::Scoped;
    std::vector<Held> messages;
  };

  void extendDue(SteadyTime now, Step& step);
  [[nodiscard]] std::optional<SteadyTime> nextExtension() const;
  [[nodiscard]] std::chrono::milliseconds margin() const;
  RunAction startRun(RunKind kind);

  SchedulerSettings settings_;
  std::vector<Held> gathering_;
  std::optional<SteadyTime> window_opened_;
  std::optional<InFlight> running_;
  std::vector<std::string> to_delete_;
  std::optional<SteadyTime> next_full_;
  bool receiving_ = false;
  bool stopping_ = false;
  int receive_failures_ = 0;
  std::optional<SteadyTime> receive_blocked_until_;
};

}  // namespace trailwall::serve
