#pragma once
// The SQS daemon (`trailwall serve`): a small driver around the Scheduler's step function. The
// driver does the I/O the steps ask for and feeds the answers back:
//
//   loop: step = scheduler.next(now)
//         visibility changes and deletes (short SQS calls, on this thread)
//         a run or a long poll → a job on the Executor (one at a time, away from this thread)
//         wait on the Executor until a job finishes (its completion feeds the scheduler), a
//         stop is requested, or step.wake_at
//
// So visibility is extended while a run is in flight, and a stop is noticed at once. Time
// comes from the injected Clock; the Executor decides where jobs run and how waiting is done
// (a worker thread in production, inline on a FakeClock in tests), so the whole loop runs in
// tests without sleeping. Stop: the runner gets the same stop token (it writes nothing more),
// messages not yet in a run are given back, the run in flight is waited for up to
// `shutdown_timeout`, its Done messages deleted, and run() returns; a long poll in flight is
// abandoned (pollAbandoned()), so an idle daemon stops at once.

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <stop_token>
#include <thread>

#include "common/clock.h"
#include "common/error.h"
#include "serve/batch_runner.h"
#include "serve/monitor.h"
#include "serve/queue.h"
#include "serve/scheduler.h"

namespace trailwall::serve {

// Where the daemon's blocking work (a long poll, a run) happens. A job runs away from the
// driver and returns a completion, which the driver runs on its own thread when waitUntil hands
// it back; so all state stays on the driver's thread.
using Completion = std::function<void()>;
using Job = std::function<Completion()>;

class Executor {
 public:
  virtual ~Executor() = default;
  // Runs `job` away from the caller; jobs run one at a time, in order.
  virtual void submit(Job job) = 0;
  // The completions of finished jobs, waiting for one until `until` (the daemon Clock's steady
  // time; unset: no limit) unless wake() was called since the last return.
  [[nodiscard]] virtual std::vector<Completion> waitUntil(std::optional<SteadyTime> until) = 0;
  virtual void wake() = 0;
};

// Jobs on one worker thread; waiting on a condition variable in std::chrono::steady_clock time
// (use it with SystemClock, whose steadyNow() is that clock). The destructor waits for the job
// in progress.
class ThreadExecutor final : public Executor {
 public:
  ThreadExecutor();
  ~ThreadExecutor() override;
  ThreadExecutor(const ThreadExecutor&) = delete;
  ThreadExecutor& operator=(const ThreadExecutor&) = delete;

  void submit(Job job) override;
  [[nodiscard]] std::vector<Completion> waitUntil(std::optional<SteadyTime> until) override;
  void wake() override;

 private:
  void work(std::stop_token stop);

  std::mutex mutex_;
  std::condition_variable_any jobs_ready_;
  std::condition_variable done_cv_;
  std::deque<Job> jobs_;
  std::vector<Completion> done_;
  bool woken_ = false;
  std::jthread worker_;
};

struct DaemonOptions {
  SchedulerSettings scheduler;                 // fifo and visibility come from the queue
  std::chrono::seconds visibility_timeout{0};  // 0: the queue's own
  std::chrono::milliseconds shutdown_timeout{std::chrono::seconds(60)};
};

class Daemon {
 public:
  Daemon(MessageQueue& queue, BatchRunner& runner, Executor& executor, Clock& clock,
         Monitor& monitor, DaemonOptions options)
      : queue_(queue),
        runner_(runner),
        executor_(executor),
        clock_(clock),
        monitor_(monitor),
        options_(std::move(options)) {}

  // Serves until `stop` is requested and the batch in flight is settled. Errors: the queue
  // cannot be described at start (NotFound, Auth, Denied, …); Timeout when the run in flight
  // outlasted shutdown_timeout (the caller should exit at once: the run's thread is still busy).
  [[nodiscard]] Status run(std::stop_token stop);
  // After run(): true when a long poll was still in flight (its job has not returned; the
  // caller should exit the process rather than wait for the Executor to finish it).
  [[nodiscard]] bool pollAbandoned() const { return poll_abandoned_; }

 private:
  void received(Scheduler& scheduler, Result<std::vector<QueueMessage>> received);
  void finished(Scheduler& scheduler, const RunResult& result);
  void perform(Scheduler& scheduler, Step& step, std::stop_token stop);
  void changeVisibility(const VisibilityAction& action);
  void remove(const std::vector<std::string>& receipt_handles);
  [[nodiscard]] SystemTime wallTime(SteadyTime t) const;

  MessageQueue& queue_;
  BatchRunner& runner_;
  Executor& executor_;
  Clock& clock_;
  Monitor& monitor_;
  DaemonOptions options_;
  bool poll_abandoned_ = false;
};

// The scheduler settings for a queue: its FIFO flag, and the visibility timeout to use (the
// configured one, else the queue's, at least 5 s so extension has room). Long polls never last
// longer than half the shutdown bound, so a stop is not held up by one.
[[nodiscard]] SchedulerSettings settingsFor(const DaemonOptions& options, const QueueInfo& queue);

}  // namespace trailwall::serve
