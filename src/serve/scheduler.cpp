#include "serve/scheduler.h"

#include <algorithm>
#include <set>

namespace trailwall::serve {
namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr auto kMaxReceiveBackoff = std::chrono::minutes(1);
constexpr int kMaxPerReceive = 10;  // SQS's MaxNumberOfMessages limit

std::optional<SteadyTime> earliest(std::optional<SteadyTime> a, std::optional<SteadyTime> b) {
  if (!a) return b;
  if (!b) return a;
  return std::min(*a, *b);
}

}  // namespace

const char* to_string(Fate fate) {
  switch (fate) {
    case Fate::Delete: return "deleted";
    case Fate::Retry: return "retry";
    case Fate::Unreadable: return "unreadable";
    case Fate::HeldForOrder: return "held_for_order";
  }
  return "retry";
}

Scheduler::Scheduler(SchedulerSettings settings, SteadyTime start)
    : settings_(std::move(settings)) {
  settings_.max_poll_wait = std::clamp(settings_.max_poll_wait, seconds(0), seconds(20));
  settings_.batch_max_messages = std::max<std::size_t>(settings_.batch_max_messages, 1);
  settings_.visibility = std::max(settings_.visibility, seconds(1));
  if (settings_.reconcile_period > milliseconds(0)) next_full_ = start;
}

std::size_t Scheduler::held() const {
  return gathering_.size() + (running_ ? running_->messages.size() : 0);
}

void Scheduler::received(std::vector<QueueMessage> messages, SteadyTime now) {
  receiving_ = false;
  receive_failures_ = 0;
  receive_blocked_until_.reset();
  for (auto& message : messages) {
    // A standard queue may deliver a message twice: keep one, with the newest receipt handle.
    const auto same = std::find_if(gathering_.begin(), gathering_.end(),
                                   [&](const Held& h) { return h.message.id == message.id; });
    if (same != gathering_.end()) {
      same->message.receipt_handle = std::move(message.receipt_handle);
      same->visible_until = now + settings_.visibility;
      continue;
    }
    if (gathering_.empty()) window_opened_ = now;
    gathering_.push_back({std::move(message), now + settings_.visibility});
  }
}

void Scheduler::receiveFailed(SteadyTime now) {
  receiving_ = false;
  ++receive_failures_;
  auto backoff = settings_.receive_backoff;
  for (int i = 1; i < receive_failures_ && backoff < kMaxReceiveBackoff; ++i) backoff *= 2;
  receive_blocked_until_ = now + std::min<milliseconds>(backoff, kMaxReceiveBackoff);
}

std::vector<Settled> Scheduler::runFinished(const std::vector<Outcome>& outcomes, SteadyTime now) {
  std::vector<Settled> settled;
  if (!running_) return settled;
  std::set<std::string> blocked_groups;  // FIFO groups with a failed message so far
  for (std::size_t i = 0; i < running_->messages.size(); ++i) {
    const auto& m = running_->messages[i].message;
    const Outcome outcome = i < outcomes.size() ? outcomes[i] : Outcome::Retry;
    Fate fate = outcome == Outcome::Done         ? Fate::Delete
                : outcome == Outcome::Unreadable ? Fate::Unreadable
                                                 : Fate::Retry;
    if (settings_.fifo) {
      if (fate == Fate::Delete && blocked_groups.contains(m.group)) fate = Fate::HeldForOrder;
      if (fate != Fate::Delete) blocked_groups.insert(m.group);
    }
    if (fate == Fate::Delete) to_delete_.push_back(m.receipt_handle);
    settled.push_back({m.id, m.group, fate, m.receive_count});
  }
  if (running_->kind == RunKind::Full && settings_.reconcile_period > milliseconds(0)) {
    next_full_ = now + settings_.reconcile_period;
  }
  running_.reset();
  return settled;
}

void Scheduler::stop() {
  stopping_ = true;
}

milliseconds Scheduler::margin() const {
  return duration_cast<milliseconds>(settings_.visibility) / 2;
}

std::optional<SteadyTime> Scheduler::nextExtension() const {
  std::optional<SteadyTime> first;
  const auto consider = [&](const Held& h) { first = earliest(first, h.visible_until - margin()); };
  std::for_each(gathering_.begin(), gathering_.end(), consider);
  if (running_) std::for_each(running_->messages.begin(), running_->messages.end(), consider);
  return first;
}

void Scheduler::extendDue(SteadyTime now, Step& step) {
  const auto due = nextExtension();
  if (!due || *due > now) return;
  // One is due: extend every held message, so they stay aligned and share the next call.
  VisibilityAction extend{{}, settings_.visibility};
  const auto renew = [&](Held& h) {
    extend.receipt_handles.push_back(h.message.receipt_handle);
    h.visible_until = now + settings_.visibility;
  };
  std::for_each(gathering_.begin(), gathering_.end(), renew);
  if (running_) std::for_each(running_->messages.begin(), running_->messages.end(), renew);
  step.visibility.push_back(std::move(extend));
}

RunAction Scheduler::startRun(RunKind kind) {
  RunAction action{kind, {}};
  InFlight flight{kind, std::move(gathering_)};
  gathering_.clear();
  window_opened_.reset();
  action.deliveries.reserve(flight.messages.size());
  for (const auto& h : flight.messages) action.deliveries.push_back({h.message.id, h.message.body});
  running_ = std::move(flight);
  return action;
}

Step Scheduler::next(SteadyTime now) {
  Step step;
  step.remove = std::move(to_delete_);
  to_delete_.clear();

  if (stopping_) {
    if (!gathering_.empty()) {  // not started: let another consumer have them now
      VisibilityAction give_back{{}, seconds(0)};
      for (const auto& h : gathering_)
        give_back.receipt_handles.push_back(h.message.receipt_handle);
      step.visibility.push_back(std::move(give_back));
      gathering_.clear();
      window_opened_.reset();
    }
    if (running_) {
      extendDue(now, step);
      step.wake_at = nextExtension();
      return step;
    }
    // A long poll in flight is not waited for (it may last 20 s): the driver abandons it, and
    // what it returns stays invisible for one visibility timeout, then comes again.
    step.exit = true;
    return step;
  }

  extendDue(now, step);
  if (running_ || receiving_) {
    step.wake_at = nextExtension();
    return step;
  }

  if (next_full_ && now >= *next_full_) {
    step.run = startRun(RunKind::Full);
    step.wake_at = nextExtension();
    return step;
  }
  std::optional<SteadyTime> window_closes;
  if (window_opened_) {
    window_closes = *window_opened_ + settings_.batch_window;
    if (gathering_.size() >= settings_.batch_max_messages || now >= *window_closes) {
      step.run = startRun(RunKind::Scoped);
      step.wake_at = nextExtension();
      return step;
    }
  }

  // Receive, but wake in time for whatever comes first: the window closing, an extension, the
  // reconcile.
  const auto wake = earliest(earliest(window_closes, nextExtension()), next_full_);
  if (receive_blocked_until_ && now < *receive_blocked_until_) {
    step.wake_at = earliest(wake, receive_blocked_until_);
    return step;
  }
  auto wait = settings_.max_poll_wait;
  if (wake) {
    const auto until = duration_cast<seconds>(*wake - now);  // whole seconds, rounded down
    if (until < seconds(1)) {
      step.wake_at = wake;  // too close for a long poll
      return step;
    }
    wait = std::min(wait, until);
  }
  const auto room = settings_.batch_max_messages - gathering_.size();
  step.receive = ReceiveAction{static_cast<int>(std::min<std::size_t>(kMaxPerReceive, room)), wait,
                               settings_.visibility};
  receiving_ = true;
  return step;
}

}  // namespace trailwall::serve
