#include "panos/run_lock.h"

#include <algorithm>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "panos/locks.h"

namespace trailwall::panos {
namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;

long long wholeSeconds(milliseconds duration) {
  return duration.count() / 1000;
}

const Lock* ownLock(const std::vector<Lock>& locks, std::string_view admin) {
  const auto it =
      std::find_if(locks.begin(), locks.end(), [&](const Lock& l) { return l.admin == admin; });
  return it == locks.end() ? nullptr : &*it;
}

// Who blocks the hold, for messages and for noticing that the holder changed.
struct Blocker {
  std::string key;          // changes when the holder changes
  std::string description;  // "run R since T", "config lock held by bob (…)", …
  bool other_admin = false;
  std::optional<HoldComment> run;  // a trailwall run's hold
};

}  // namespace

Result<std::unique_ptr<RunLock>> RunLock::take(PanOsClient& client, Clock& clock,
                                               RunLockOptions options) {
  if (auto ok = validateRunId(options.run_id); !ok) return std::unexpected(ok.error());
  const std::string comment = holdComment(options.run_id, clock.now());
  const auto start = clock.steadyNow();
  HoldReport report;
  report.run_id = options.run_id;
  std::string last_key;
  auto holder_seen = start;
  int failed_adds = 0;
  const auto elapsed = [&] { return duration_cast<milliseconds>(clock.steadyNow() - start); };

  for (;;) {
    auto locks = client.configLocks();
    if (!locks) {
      return std::unexpected(locks.error().withContext(
          fmt::format("taking firewall {} for run {}: reading its config locks", options.firewall,
                      options.run_id)));
    }
    Blocker blocker;
    if (const Lock* own = ownLock(*locks, client.admin())) {
      auto holder = parseHoldComment(own->comment);
      if (holder && holder->run_id == options.run_id) {
        break;  // an add whose answer was lost took effect: this run holds it
      }
      if (holder && clock.now() - holder->since > options.lease) {
        // A crashed run's hold: remove it only if it is still that run's after a second look.
        auto again = client.configLocks();
        if (!again) return std::unexpected(again.error().withContext("re-reading the config lock"));
        const Lock* still = ownLock(*again, client.admin());
        if (still != nullptr && still->comment == own->comment) {
          if (auto removed = client.removeConfigLock(); !removed) {
            return std::unexpected(removed.error().withContext(
                fmt::format("taking over the hold of {} (older than the lease of {} s)",
                            describeHolder(*holder),
                            wholeSeconds(duration_cast<milliseconds>(options.lease)))));
          }
          report.took_over = describeHolder(*holder);
          spdlog::warn(
              "event=hold_taken_over firewall={} run={} previous=\"{}\" lease_s={} note=\"the "
              "previous run held the firewall longer than the lease: taken as crashed\"",
              options.firewall, options.run_id, report.took_over,
              wholeSeconds(duration_cast<milliseconds>(options.lease)));
        }
        continue;
      }
      blocker.key = own->comment;
      if (holder) {
        blocker.description = describeHolder(*holder);
        blocker.run = holder;
      } else {
        blocker.description = fmt::format(
            "a config lock of trailwall's administrator {} that no trailwall run took "
            "(since {}{}); remove it if nobody uses it",
            client.admin(), own->created.empty() ? "?" : own->created,
            own->comment.empty() ? "" : ", comment: " + own->comment);
      }
    } else if (const auto others = heldByOthers(*locks, client.admin()); !others.empty()) {
      blocker.description = describeLocks(others, "config");
      blocker.key = blocker.description;
      blocker.other_admin = true;
    } else {
      auto added = client.addConfigLock(comment);
      if (added) break;
      const auto code = added.error().code;
      if (code != ErrorCode::Conflict && code != ErrorCode::Network && code != ErrorCode::Timeout) {
        return std::unexpected(added.error().withContext(
            fmt::format("taking firewall {} for run {}", options.firewall, options.run_id)));
      }
      // Another run (or administrator) was quicker, or the answer was lost: look again. A
      // device that keeps refusing without showing a lock is not polled in a tight loop.
      if (++failed_adds >= 3) clock.sleepFor(options.poll.next(milliseconds(0)));
      if (elapsed() < options.wait) continue;
      blocker.description = "a config lock nobody shows: " + added.error().message;
      blocker.key = blocker.description;
    }

    if (blocker.key != last_key) {
      last_key = blocker.key;
      holder_seen = clock.steadyNow();
      report.waited_for.push_back(blocker.description);
      spdlog::info("event=hold_wait firewall={} run={} busy_with=\"{}\"", options.firewall,
                   options.run_id, blocker.description);
    }
    const auto waited = elapsed();
    if (waited >= options.wait) {
      if (blocker.other_admin) {
        return fail(ErrorCode::Conflict,
                    fmt::format("firewall {} is busy: {}; waited {} s; trailwall never removes "
                                "another administrator's lock",
                                options.firewall, blocker.description, wholeSeconds(waited)));
      }
      return fail(ErrorCode::Conflict,
                  fmt::format("firewall {} is busy with {}; waited {} s (a hold is taken over "
                              "as crashed only after {} s)",
                              options.firewall, blocker.description, wholeSeconds(waited),
                              wholeSeconds(duration_cast<milliseconds>(options.lease))));
    }
    const auto since_holder = duration_cast<milliseconds>(clock.steadyNow() - holder_seen);
    const auto delay = blocker.other_admin ? options.others_poll : options.poll.next(since_holder);
    clock.sleepFor(std::clamp(delay, milliseconds(1), options.wait - waited));
  }

  report.waited = elapsed();
  spdlog::info("event=hold_taken firewall={} run={} waited_ms={} comment=\"{}\"", options.firewall,
               options.run_id, report.waited.count(), comment);
  return std::unique_ptr<RunLock>(
      new RunLock(client, clock, std::move(options), comment, std::move(report)));
}

RunLock::~RunLock() {
  if (report_.released) return;
  if (auto released = release(); !released) {
    spdlog::warn("event=hold_release_failed firewall={} run={} error=\"{}\"", options_.firewall,
                 options_.run_id, to_string(released.error()));
  }
}

void RunLock::abandon() {
  if (report_.released) return;
  report_.released = true;
  spdlog::warn(
      "event=hold_abandoned firewall={} run={} note=\"the device does not answer: its "
      "lock lapses after the lease\"",
      options_.firewall, options_.run_id);
}

Result<std::optional<std::string>> RunLock::currentComment() {
  auto locks = client_.configLocks();
  if (!locks) return std::unexpected(locks.error());
  const Lock* own = ownLock(*locks, client_.admin());
  if (own == nullptr) return std::optional<std::string>();
  return std::optional<std::string>(own->comment);
}

Status RunLock::verify() {
  if (report_.released) {
    return fail(ErrorCode::Internal, "run " + options_.run_id + " released its hold already");
  }
  const auto held = duration_cast<milliseconds>(clock_.steadyNow() - taken_);
  if (held >= options_.lease) {
    return fail(ErrorCode::Timeout,
                fmt::format("run {} has held firewall {} for {} s, as long as the lease: another "
                            "run may take the hold over as crashed at any moment, so this run "
                            "does not commit",
                            options_.run_id, options_.firewall, wholeSeconds(held)));
  }
  auto current = currentComment();
  if (!current) {
    return std::unexpected(current.error().withContext(fmt::format(
        "checking that run {} still holds firewall {}", options_.run_id, options_.firewall)));
  }
  if (*current && **current == comment_) return {};
  std::string what = "its config lock is gone (removed by an administrator?)";
  if (*current) {
    const auto holder = parseHoldComment(**current);
    what = holder ? "the config lock now belongs to " + describeHolder(*holder) +
                        " (taken over after the lease)"
                  : "the config lock now says '" + **current + "'";
  }
  spdlog::error("event=hold_lost firewall={} run={} what=\"{}\"", options_.firewall,
                options_.run_id, what);
  return fail(ErrorCode::Conflict, fmt::format("run {} lost its hold on firewall {}: {}",
                                               options_.run_id, options_.firewall, what));
}

Status RunLock::release() {
  if (report_.released) return {};
  report_.released = true;
  const auto held = duration_cast<milliseconds>(clock_.steadyNow() - taken_);
  Error last{ErrorCode::Internal, "not tried"};
  // The lock outlives a lost answer, and a lock left behind stops every run until the lease:
  // a few tries, each after checking that the lock is still this run's.
  for (int attempt = 1; attempt <= 3; ++attempt) {
    if (attempt > 1) clock_.sleepFor(milliseconds(500) * (attempt - 1));
    auto current = currentComment();
    if (!current) {
      last = current.error();
      continue;
    }
    if (!*current || **current != comment_) {
      spdlog::warn(
          "event=hold_released firewall={} run={} held_ms={} note=\"the lock was no longer this "
          "run's: left as it is\"",
          options_.firewall, options_.run_id, held.count());
      return {};
    }
    auto removed = client_.removeConfigLock();
    if (removed) {
      spdlog::info("event=hold_released firewall={} run={} held_ms={}", options_.firewall,
                   options_.run_id, held.count());
      return {};
    }
    last = removed.error();
  }
  return std::unexpected(last.withContext(
      fmt::format("releasing firewall {} held by run {} (the lock lapses after the lease of {} s)",
                  options_.firewall, options_.run_id,
                  wholeSeconds(duration_cast<milliseconds>(options_.lease)))));
}

}  // namespace trailwall::panos
