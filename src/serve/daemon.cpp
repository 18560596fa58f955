#include "serve/daemon.h"

#include <algorithm>
#include <memory>
#include <utility>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace trailwall::serve {
namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr auto kMinVisibility = seconds(5);

// SQS batch calls take ten entries at a time.
std::size_t batchRequests(std::size_t handles) {
  return (handles + aws::SqsClient::kMaxBatch - 1) / aws::SqsClient::kMaxBatch;
}

std::string describe(const std::vector<QueueRefusal>& refused) {
  std::vector<std::string> parts;
  for (const auto& r : refused) parts.push_back(r.reason);
  return fmt::format("{}", fmt::join(parts, "; "));
}

}  // namespace

ThreadExecutor::ThreadExecutor()
    : worker_([this](std::stop_token stop) { work(std::move(stop)); }) {}

ThreadExecutor::~ThreadExecutor() {
  worker_.request_stop();
  jobs_ready_.notify_all();
}

void ThreadExecutor::submit(Job job) {
  {
    const std::lock_guard lock(mutex_);
    jobs_.push_back(std::move(job));
  }
  jobs_ready_.notify_all();
}

void ThreadExecutor::work(std::stop_token stop) {
  while (true) {
    Job job;
    {
      std::unique_lock lock(mutex_);
      if (!jobs_ready_.wait(lock, stop, [this] { return !jobs_.empty(); })) return;
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    auto completion = job();
    {
      const std::lock_guard lock(mutex_);
      done_.push_back(std::move(completion));
    }
    done_cv_.notify_all();
  }
}

std::vector<Completion> ThreadExecutor::waitUntil(std::optional<SteadyTime> until) {
  std::unique_lock lock(mutex_);
  const auto ready = [this] { return woken_ || !done_.empty(); };
  if (until) {
    done_cv_.wait_until(lock, *until, ready);
  } else {
    done_cv_.wait(lock, ready);
  }
  woken_ = false;
  return std::exchange(done_, {});
}

void ThreadExecutor::wake() {
  {
    const std::lock_guard lock(mutex_);
    woken_ = true;
  }
  done_cv_.notify_all();
}

SchedulerSettings settingsFor(const DaemonOptions& options, const QueueInfo& queue) {
  SchedulerSettings settings = options.scheduler;
  settings.fifo = queue.fifo;
  settings.visibility = options.visibility_timeout > seconds(0)
                            ? options.visibility_timeout
                            : std::max(queue.visibility_timeout, kMinVisibility);
  const auto half_shutdown = duration_cast<seconds>(options.shutdown_timeout / 2);
  settings.max_poll_wait =
      std::clamp(std::min(settings.max_poll_wait, half_shutdown), seconds(1), seconds(20));
  return settings;
}

SystemTime Daemon::wallTime(SteadyTime t) const {
  return clock_.now() + duration_cast<std::chrono::system_clock::duration>(t - clock_.steadyNow());
}

void Daemon::changeVisibility(const VisibilityAction& action) {
  if (action.receipt_handles.empty()) return;
  const bool give_back = action.timeout == seconds(0);
  auto refused = queue_.setVisibility(action.receipt_handles, action.timeout);
  monitor_.queueCall("ChangeMessageVisibilityBatch", refused ? nullptr : &refused.error(),
                     batchRequests(action.receipt_handles.size()));
  if (!refused) {
    spdlog::warn("event=visibility_failed messages={} timeout_s={} error=\"{}\"",
                 action.receipt_handles.size(), action.timeout.count(), to_string(refused.error()));
    return;
  }
  monitor_.queueRefused("ChangeMessageVisibilityBatch", refused->size());
  if (!refused->empty()) {
    spdlog::warn("event=visibility_refused messages={} refused={} reasons=\"{}\"",
                 action.receipt_handles.size(), refused->size(), describe(*refused));
  }
  spdlog::info("event={} messages={} timeout_s={}",
               give_back ? "messages_given_back" : "visibility_extended",
               action.receipt_handles.size(), action.timeout.count());
}

void Daemon::remove(const std::vector<std::string>& receipt_handles) {
  if (receipt_handles.empty()) return;
  auto refused = queue_.remove(receipt_handles);
  monitor_.queueCall("DeleteMessageBatch", refused ? nullptr : &refused.error(),
                     batchRequests(receipt_handles.size()));
  if (!refused) {
    // Not deleted: they come back after their visibility timeout and are handled again, which
    // changes nothing (events only name what to look at).
    spdlog::warn("event=delete_failed messages={} error=\"{}\"", receipt_handles.size(),
                 to_string(refused.error()));
    return;
  }
  monitor_.queueRefused("DeleteMessageBatch", refused->size());
  if (!refused->empty()) {
    spdlog::warn("event=delete_refused messages={} refused={} reasons=\"{}\"",
                 receipt_handles.size(), refused->size(), describe(*refused));
  }
  spdlog::info("event=messages_deleted messages={}", receipt_handles.size() - refused->size());
}

void Daemon::received(Scheduler& scheduler, Result<std::vector<QueueMessage>> received) {
  const auto now = clock_.steadyNow();
  monitor_.queueCall("ReceiveMessage", received ? nullptr : &received.error());
  if (!received) {
    spdlog::warn("event=receive_failed error=\"{}\"", to_string(received.error()));
    monitor_.receiveFailed(received.error(), clock_.now());
    scheduler.receiveFailed(now);
    return;
  }
  for (const auto& m : *received) {
    spdlog::info("event=message_received id={} group=\"{}\" receive_count={} bytes={}", m.id,
                 m.group, m.receive_count, m.body.size());
  }
  monitor_.received(received->size(), clock_.now());
  scheduler.received(std::move(*received), now);
}

void Daemon::finished(Scheduler& scheduler, const RunResult& result) {
  const auto settled = scheduler.runFinished(result.outcomes, clock_.steadyNow());
  const auto& s = result.summary;
  for (const auto& m : settled) {
    if (m.fate == Fate::Delete) continue;
    spdlog::log(m.fate == Fate::Unreadable ? spdlog::level::err : spdlog::level::warn,
                "event=message_kept id={} group=\"{}\" fate={} receive_count={}", m.id, m.group,
                to_string(m.fate), m.receive_count);
  }
  if (s.ok) {
    spdlog::info("event=run_finished kind={} ok=true messages={} changes={} commit_job={} ms={}",
                 to_string(s.kind), settled.size(), s.changes.size(),
                 s.commit_job ? *s.commit_job : 0, s.duration.count());
  } else {
    spdlog::error("event=run_finished kind={} ok=false messages={} step={} error=\"{}\" ms={}",
                  to_string(s.kind), settled.size(), s.error_step, s.error, s.duration.count());
  }
  monitor_.runFinished(s, settled, clock_.now());
}

void Daemon::perform(Scheduler& scheduler, Step& step, std::stop_token stop) {
  for (const auto& action : step.visibility) changeVisibility(action);
  remove(step.remove);
  if (step.run) {
    monitor_.runStarted(step.run->kind, clock_.now());
    spdlog::info("event=run_started kind={} messages={}", to_string(step.run->kind),
                 step.run->deliveries.size());
    executor_.submit([this, &scheduler, action = std::move(*step.run), stop]() -> Completion {
      auto result = std::make_shared<RunResult>(runner_.run(action.deliveries, action.kind, stop));
      return [this, &scheduler, result] { finished(scheduler, *result); };
    });
  }
  if (step.receive) {
    executor_.submit([this, &scheduler, action = *step.receive]() -> Completion {
      auto result = std::make_shared<Result<std::vector<QueueMessage>>>(
          queue_.receive(action.max, action.wait, action.visibility));
      return [this, &scheduler, result] { received(scheduler, std::move(*result)); };
    });
  }
}

Status Daemon::run(std::stop_token stop) {
  auto info = queue_.describe();
  monitor_.queueCall("GetQueueAttributes", info ? nullptr : &info.error());
  if (!info) return std::unexpected(info.error().withContext("reading the queue's attributes"));
  const auto settings = settingsFor(options_, *info);
  monitor_.setQueue(info->fifo);
  spdlog::info(
      "event=serving fifo={} visibility_s={} batch_window_ms={} batch_max_messages={} "
      "reconcile_period_s={} poll_wait_s={}",
      info->fifo, settings.visibility.count(), settings.batch_window.count(),
      settings.batch_max_messages, duration_cast<seconds>(settings.reconcile_period).count(),
      settings.max_poll_wait.count());
  if (info->redrive_policy.empty()) {
    spdlog::warn(
        "event=no_redrive_policy note=\"the queue has no dead-letter queue: a message that can "
        "never be handled comes back forever; set a redrive policy\"");
  }

  Scheduler scheduler(settings, clock_.steadyNow());
  const std::stop_callback wake_on_stop(stop, [this] { executor_.wake(); });
  std::optional<SteadyTime> give_up_at;
  while (true) {
    const auto now = clock_.steadyNow();
    if (stop.stop_requested() && !scheduler.stopping()) {
      spdlog::info("event=stopping held={} running={} timeout_ms={}", scheduler.held(),
                   scheduler.running(), options_.shutdown_timeout.count());
      scheduler.stop();
      monitor_.stopping();
      give_up_at = now + options_.shutdown_timeout;
    }
    auto step = scheduler.next(now);
    perform(scheduler, step, stop);  // the runner sees the stop at once
    const auto next_full = scheduler.nextReconcile();
    monitor_.scheduler(scheduler, next_full ? std::optional(wallTime(*next_full)) : std::nullopt);
    if (step.exit) {
      poll_abandoned_ = scheduler.receiving();
      spdlog::info("event=stopped poll_abandoned={}", poll_abandoned_);
      return {};
    }
    if (give_up_at && now >= *give_up_at) {
      return fail(
          ErrorCode::Timeout,
          fmt::format("the {} in flight did not finish within the shutdown timeout of {} "
                      "ms; its messages stay undeleted",
                      scheduler.running() ? "run" : "receive", options_.shutdown_timeout.count()));
    }
    auto wake = step.wake_at;
    if (give_up_at) wake = wake ? std::min(*wake, *give_up_at) : *give_up_at;
    for (auto& completion : executor_.waitUntil(wake)) completion();
  }
}

}  // namespace trailwall::serve
