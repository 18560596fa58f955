#pragma once
// Hand-written fakes for the daemon's tests: a queue with SQS's visibility rules on a FakeClock,
// a runner that answers as scripted, and an executor that simulates jobs taking time on the
// FakeClock, so the driver's loop runs without threads or sleeps.

#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "serve/daemon.h"

namespace trailwall::serve::testing {

using namespace std::chrono_literals;

// Jobs run when the fake time reaches their end: a job's own code says how long it took by
// calling took(); waitUntil advances the FakeClock to the first of the job's end and `until`.
class SimulatedExecutor final : public Executor {
 public:
  static constexpr int kMaxWaits = 100000;

  explicit SimulatedExecutor(FakeClock& clock) : clock_(clock) {}

  void submit(Job job) override {
    took_ = 0ms;
    auto completion = job();  // the fake it calls says how long it takes
    pending_.push_back({steady() + took_, std::move(completion)});
  }
  [[nodiscard]] std::vector<Completion> waitUntil(std::optional<SteadyTime> until) override {
    if (++waits_ > kMaxWaits && !stuck_) {
      stuck_ = true;  // a loop that never ends: stop it and let the test fail
      if (on_stuck) on_stuck();
    }
    if (woken_) {
      woken_ = false;
      return {};
    }
    if (pending_.empty()) {
      if (!until) {
        idle_ = true;  // nothing will ever happen: end the test's daemon
        if (on_stuck) on_stuck();
        return {};
      }
      advanceTo(*until);
      return {};
    }
    const auto done_at = pending_.front().first;
    if (until && *until < done_at) {
      advanceTo(*until);
      return {};
    }
    advanceTo(done_at);
    std::vector<Completion> done{std::move(pending_.front().second)};
    pending_.pop_front();
    return done;
  }
  void wake() override { woken_ = true; }

  // Called by the fakes' code inside a job.
  void took(std::chrono::milliseconds duration) { took_ += duration; }
  // True when the daemon looped far too often (a test that would never end).
  [[nodiscard]] bool stuck() const { return stuck_; }
  [[nodiscard]] int waits() const { return waits_; }
  std::function<void()> on_stuck;

 private:
  SteadyTime steady() const { return clock_.steadyNow(); }
  void advanceTo(SteadyTime t) {
    if (t > steady()) {
      clock_.advance(std::chrono::duration_cast<std::chrono::milliseconds>(t - steady()));
    }
  }

  FakeClock& clock_;
  std::deque<std::pair<SteadyTime, Completion>> pending_;
  std::chrono::milliseconds took_{0};
  bool woken_ = false;
  bool stuck_ = false;
  bool idle_ = false;
  int waits_ = 0;
};

// An SQS queue in memory: visibility timeouts on the FakeClock, receipt handles per receive,
// deletes and visibility changes recorded. A long poll on an empty queue takes its wait.
class FakeQueue final : public MessageQueue {
 public:
  FakeQueue(FakeClock& clock, SimulatedExecutor& executor) : clock_(clock), executor_(executor) {}

  QueueInfo info;
  std::optional<Error> receive_error;   // the next receive fails with it
  std::function<void()> after_receive;  // runs at the end of each receive (e.g. a SIGTERM)

  void send(std::string id, std::string body, std::string group = {}) {
    messages_.push_back({std::move(id), std::move(body), std::move(group), {}, 0, ""});
  }

  [[nodiscard]] Result<QueueInfo> describe() override { return info; }

  [[nodiscard]] Result<std::vector<QueueMessage>> receive(
      int max, std::chrono::seconds wait, std::chrono::seconds visibility) override {
    ++receives;
    if (receive_error) {
      executor_.took(1s);
      auto error = *receive_error;
      receive_error.reset();
      return std::unexpected(error);
    }
    std::vector<QueueMessage> out;
    std::map<std::string, bool> group_busy;  // FIFO: a group with a message in flight waits
    for (auto& m : messages_) {
      if (info.fifo && !m.group.empty() && m.invisible_until > clock_.now()) {
        group_busy[m.group] = true;
      }
    }
    for (auto& m : messages_) {
      if (static_cast<int>(out.size()) >= max) break;
      if (m.invisible_until > clock_.now()) continue;
      if (info.fifo && group_busy[m.group]) continue;
      ++m.receive_count;
      m.handle = m.id + "#" + std::to_string(m.receive_count);
      m.invisible_until = clock_.now() + visibility;
      out.push_back({m.id, m.handle, m.body, m.group, m.receive_count});
    }
    if (out.empty()) executor_.took(std::chrono::duration_cast<std::chrono::milliseconds>(wait));
    if (after_receive) after_receive();
    return out;
  }

  [[nodiscard]] Result<std::vector<QueueRefusal>> remove(
      const std::vector<std::string>& handles) override {
    std::vector<QueueRefusal> refused;
    for (const auto& h : handles) {
      deleted_handles.push_back(h);
      const auto before = messages_.size();
      std::erase_if(messages_, [&](const Stored& m) { return m.handle == h; });
      if (messages_.size() == before) refused.push_back({h, "ReceiptHandleIsInvalid"});
    }
    return refused;
  }

  [[nodiscard]] Result<std::vector<QueueRefusal>> setVisibility(
      const std::vector<std::string>& handles, std::chrono::seconds timeout) override {
    visibility_calls.push_back({clock_.now(), timeout, handles});
    std::vector<QueueRefusal> refused;
    for (const auto& h : handles) {
      auto it = std::find_if(messages_.begin(), messages_.end(),
                             [&](const Stored& m) { return m.handle == h; });
      if (it == messages_.end()) {
        refused.push_back({h, "ReceiptHandleIsInvalid"});
        continue;
      }
      it->invisible_until = clock_.now() + timeout;
    }
    return refused;
  }

  // Message ids still in the queue (deleted ones are gone).
  [[nodiscard]] std::vector<std::string> remaining() const {
    std::vector<std::string> ids;
    for (const auto& m : messages_) ids.push_back(m.id);
    return ids;
  }
  [[nodiscard]] int receiveCount(const std::string& id) const {
    for (const auto& m : messages_) {
      if (m.id == id) return m.receive_count;
    }
    return -1;
  }
  // True when another consumer would get `id` now (it is visible).
  [[nodiscard]] bool visible(const std::string& id) const {
    for (const auto& m : messages_) {
      if (m.id == id) return m.invisible_until <= clock_.now();
    }
    return false;
  }

  struct VisibilityCall {
    std::chrono::system_clock::time_point at;
    std::chrono::seconds timeout;
    std::vector<std::string> handles;
  };
  std::vector<VisibilityCall> visibility_calls;
  std::vector<std::string> deleted_handles;
  int receives = 0;

 private:
  struct Stored {
    std::string id;
    std::string body;
    std::string group;
    std::chrono::system_clock::time_point invisible_until;
    int receive_count = 0;
    std::string handle;
  };
  FakeClock& clock_;
  SimulatedExecutor& executor_;
  std::vector<Stored> messages_;
};

// Answers every run with `answer` (Done for all by default), taking `duration`; records the
// batches it was given. `during` runs inside each run (e.g. a SIGTERM arriving mid-batch).
class FakeRunner final : public BatchRunner {
 public:
  explicit FakeRunner(SimulatedExecutor& executor) : executor_(executor) {}

  struct Call {
    RunKind kind;
    std::vector<std::string> ids;
    bool stop_requested_at_write = false;
  };
  std::vector<Call> calls;
  std::chrono::milliseconds duration{2s};
  std::function<Outcome(const Delivery&)> answer = [](const Delivery&) { return Outcome::Done; };
  std::function<void()> during;
  bool fail = false;

  [[nodiscard]] RunResult run(const std::vector<Delivery>& deliveries, RunKind kind,
                              std::stop_token stop) override {
    if (during) during();
    executor_.took(duration);
    Call call{kind, {}, stop.stop_requested()};
    RunResult result;
    result.summary.kind = kind;
    result.summary.deliveries = deliveries.size();
    result.summary.duration = duration;
    result.summary.ok = !fail && !call.stop_requested_at_write;
    if (!result.summary.ok) result.summary.error = fail ? "commit failed" : "stopping";
    for (const auto& d : deliveries) {
      call.ids.push_back(d.id);
      result.outcomes.push_back(result.summary.ok ? answer(d) : Outcome::Retry);
    }
    calls.push_back(std::move(call));
    return result;
  }

 private:
  SimulatedExecutor& executor_;
};

}  // namespace trailwall::serve::testing
