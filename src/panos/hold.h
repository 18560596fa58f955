#pragma once
// One writer per firewall (DESIGN §4.7): a run holds the firewall from its first write to the
// end of its commit. Hold is what the engine sees; RunLock (run_lock.h) is the PAN-OS one.
//
// All trailwall runs use one API administrator, and PAN-OS's locks are per administrator, so a
// lock alone does not tell two runs apart. What makes a PAN-OS config lock a mutex between runs
// is the device refusing to add a config lock the administrator already owns ("You already own a
// config lock for scope shared"); its comment, "trailwall run <run-id> since <UTC time>", says
// which run holds it and since when (see RunLock for the whole design and why not a commit lock).

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace trailwall::panos {

// What holding the firewall took, for the run's report.
struct HoldReport {
  std::string run_id;
  std::chrono::milliseconds waited{0};  // before the hold was taken
  std::vector<std::string> waited_for;  // "run R since T", or another administrator's lock
  std::string took_over;  // a crashed run's hold removed after its lease: "run R since T"
  bool released = false;
};

// The firewall held by this run; released (and logged) when destroyed if release() was not
// called. Not copyable or movable: it is handed out as a unique_ptr.
class Hold {
 public:
  Hold() = default;
  Hold(const Hold&) = delete;
  Hold& operator=(const Hold&) = delete;
  virtual ~Hold() = default;

  // OK while this run still holds the firewall; Conflict naming what happened when the hold was
  // lost (taken over after the lease, or removed by an administrator). Called before committing.
  [[nodiscard]] virtual Status verify() = 0;
  // Ends the hold. Idempotent. An error means the hold could not be ended cleanly (it lapses
  // after the lease).
  [[nodiscard]] virtual Status release() = 0;
  // Gives the hold up without a request, for a device that no longer answers (an HA peer that
  // failed): what it holds there lapses after the lease. Later release() calls do nothing.
  virtual void abandon() {}
  [[nodiscard]] virtual const HoldReport& report() const = 0;
};

// The holder a lock comment names: "trailwall run <run-id> since <YYYY-MM-DDTHH:MM:SSZ>".
struct HoldComment {
  std::string run_id;
  std::chrono::system_clock::time_point since;

  friend bool operator==(const HoldComment&, const HoldComment&) = default;
};

// The comment for `run_id` holding since `since` (whole seconds, UTC).
[[nodiscard]] std::string holdComment(std::string_view run_id,
                                      std::chrono::system_clock::time_point since);
// Nothing when the comment is not one trailwall writes.
[[nodiscard]] std::optional<HoldComment> parseHoldComment(std::string_view comment);
// "2026-05-01T10:00:00Z".
[[nodiscard]] std::string utcText(std::chrono::system_clock::time_point t);
// "run R since T".
[[nodiscard]] std::string describeHolder(const HoldComment& holder);

// A run id: lower-case letters, digits and '-', 1-40 characters (it goes into a lock comment
// and a commit description). InvalidInput otherwise.
[[nodiscard]] Status validateRunId(std::string_view run_id);

}  // namespace trailwall::panos
