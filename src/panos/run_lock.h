#pragma once
// RunLock: the firewall held by one trailwall run through a PAN-OS config lock (DESIGN §4.7).
//
// Design. Every trailwall run talks to the device as the same API administrator, so PAN-OS's
// per-administrator locks cannot by themselves keep two runs apart: a config lock never stops its
// own administrator from changing the candidate, and partial commits and reverts are scoped by
// administrator, not by run. Three device facts make a config lock work as a mutex between runs
// anyway (API-NOTES §6.5, Palo Alto KB "config lock vs commit lock"):
//  - adding a config lock the administrator already owns fails ("You already own a config lock
//    for scope shared"), and one held by another administrator fails too ("Config lock is
//    already held by X"): whoever adds it first holds it, atomically, on the device itself;
//  - a config lock survives a commit and is removed only by its owner (or a superuser), so it
//    lasts from the first write to the end of the commit, and its release is an explicit,
//    logged request;
//  - its comment is shown to everyone (`show config-locks`): "trailwall run <run-id> since <UTC
//    time>" tells a waiting run whom it waits for, a person why their edit is refused, and a
//    later run how old a hold is.
// A run takes the lock (scope shared) before its first write, re-reads the rulebase, writes,
// verifies right before committing that the lock still carries its own comment (loss is an error
// seen before the commit, never after), commits, waits for the job and removes the lock after
// checking once more that it is its own. Waiting for another run polls the lock fast while that
// run is young and slower later (poll_schedule.h, restarted whenever the holder changes), so N
// overlapping runs take about N × (commit time + a poll); after `wait` the run fails with
// "firewall X is busy with run R since T" (exit 1, so the event is delivered again).
// A crashed run leaves its lock behind. A hold older than the lease is taken over: the lock is
// read again, and removed only if it still carries the same comment, then taken as usual. The
// lease must exceed the longest hold a live run can have (the CLI derives it from the configured
// waits and commit timeout), so a live run is never taken over; if it were (clock skew, a too
// short lease), its verify() before committing fails and it commits nothing.
// Why not a commit lock: the device removes it by itself after the owner's commit (the hold
// would end when PAN-OS decides, not after this run's commit is known), it does not stop
// writes to the candidate (a second run could write while the first commits), and it blocks
// every administrator's commits instead of only edits. Another administrator's config lock is
// waited for (bounded) and never removed; so is their commit lock, at commit time.
// Limits: the hold assumes the API administrator is used by trailwall only, and clocks within a
// few seconds of each other (the lease is judged by the comment's UTC time, since the lock's
// `created` field is in the device's time zone).

#include <memory>

#include "common/clock.h"
#include "panos/client.h"
#include "panos/hold.h"
#include "panos/poll_schedule.h"

namespace trailwall::panos {

struct RunLockOptions {
  std::string firewall;  // how messages name the device (its host)
  std::string run_id;
  // How long to wait for another run (or another administrator's config lock) to end.
  std::chrono::milliseconds wait{std::chrono::minutes(5)};
  // A hold older than this is a crashed run's and is taken over.
  std::chrono::milliseconds lease{std::chrono::minutes(16)};
  PollSchedule poll;  // polling another run's lock, from when that run was first seen
  std::chrono::milliseconds others_poll{std::chrono::seconds(10)};  // another admin's lock
};

class RunLock final : public Hold {
 public:
  // Takes the firewall for this run, waiting as described above. Conflict "firewall X is busy
  // with run R since T …" when the wait runs out; other errors as the device answers them.
  [[nodiscard]] static Result<std::unique_ptr<RunLock>> take(PanOsClient& client, Clock& clock,
                                                             RunLockOptions options);
  ~RunLock() override;

  [[nodiscard]] Status verify() override;
  [[nodiscard]] Status release() override;
  void abandon() override;
  [[nodiscard]] const HoldReport& report() const override { return report_; }

 private:
  RunLock(PanOsClient& client, Clock& clock, RunLockOptions options, std::string comment,
          HoldReport report)
      : client_(client),
        clock_(clock),
        options_(std::move(options)),
        comment_(std::move(comment)),
        report_(std::move(report)),
        taken_(clock.steadyNow()) {}

  // This administrator's config lock comment now: nothing when it holds none.
  [[nodiscard]] Result<std::optional<std::string>> currentComment();

  PanOsClient& client_;
  Clock& clock_;
  RunLockOptions options_;
  std::string comment_;
  HoldReport report_;
  std::chrono::steady_clock::time_point taken_;
};

}  // namespace trailwall::panos
