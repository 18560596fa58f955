#pragma once
// The simulated device's state, in one place: the configurations (ConfigStore: candidate,
// running, per-administrator journal), commit jobs, config and commit locks, faults, counters
// and the request log. Simulator owns one Device and holds its mutex around every request, so
// the API areas (api.h) work on it single-threaded and never lock themselves. The one exception
// is the User-ID table (runtime registrations), which an HA pair's two Devices share: it has
// its own mutex, always taken after the Device's.

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "common/clock.h"
#include "config_store.h"
#include "ha.h"
#include "objects.h"
#include "panorama.h"
#include "replies.h"
#include "simulator.h"
#include "userid_table.h"

namespace trailwall::panossim {

// One job of `show jobs` (Commit or Validate).
struct Job {
  std::uint64_t id = 0;
  std::string type = "Commit";  // Commit | Validate
  std::string user;
  std::string description;
  SysTime tenq, tstart, tfin;
  bool started = false;  // the snapshot (up_to) is taken
  bool finalized = false;
  bool ok = false;
  std::vector<std::string> details;
  std::set<std::string> admins;  // partial commit scope; empty = everything
  // The snapshot: the highest journal dirtyId the job covers (see commit_jobs.cpp for when it
  // is taken).
  std::uint64_t up_to = 0;
  std::uint64_t audit_up_to = 0;  // the audit comments (Device::audit_seq) the snapshot covers
  bool inject_fail = false;
  // CommitAll (a Panorama push, panorama.cpp): what to push and each firewall's outcome.
  std::vector<PushTarget> push_targets;
  std::vector<PushDeviceResult> push_results;
};

// A config or commit lock as `show config-locks` / `show commit-locks` lists it.
struct Lock {
  std::string admin;
  std::string scope = "shared";  // shared | vsysN (the vsys parameter at add)
  SysTime created;
  SysTime last_activity;  // the holder's last request
  std::string comment = "(null)";
  bool from_fault = false;  // installed by config_lock_holder / commit_lock_holder
};

struct Device {
  Device(SimulatorOptions opts, Clock& c)
      : options(std::move(opts)),
        clock(c),
        managed(options.managed),
        ha(options.ha),
        ha_peer(options.ha_peer),
        userid(ha ? ha->userid() : std::make_shared<UserIdTable>()) {}

  SimulatorOptions options;
  Clock& clock;
  mutable std::mutex mutex;  // held by Simulator around everything below
  std::unique_ptr<ConfigStore> store;
  std::vector<Job> jobs;  // in id order; every job before first_open is finalized
  std::size_t first_open = 0;
  std::uint64_t next_job_id = 1;
  std::vector<Lock> config_locks;
  std::vector<Lock> commit_locks;
  Faults faults;
  std::uint64_t faults_generation = 0;  // counts setFaults calls
  std::mt19937_64 rng;
  Counters counters;
  std::deque<RequestLogEntry> log;
  std::uint64_t log_seq = 0;
  SysTime started;
  // The running rulebase compiled for security-policy-match, rebuilt at each commit.
  std::vector<CompiledRule> compiled;
  std::string compiled_vsys;
  bool compiled_valid = false;
  // Audit comments (audit.cpp): pending by rule xpath, and those commits recorded.
  std::map<std::string, AuditComment> audit_pending;
  std::vector<AuditRecord> audit_log;
  std::uint64_t audit_seq = 0;
  std::uint64_t config_version = 0;  // successful commits
  std::uint64_t log_seqno = 0;
  std::map<std::uint64_t, std::string> log_jobs;  // type=log query jobs: id -> finished reply
  // Panorama (panorama.cpp): its firewalls, and per device group / firewall what was pushed.
  std::shared_ptr<const ManagedDevices> managed;
  std::map<std::string, DeviceGroupPush> dg_push;
  std::map<std::string, DevicePushState> device_push;
  // The HA pair this device is a peer of (null: standalone) and which peer (0 or 1).
  std::shared_ptr<HaLink> ha;
  int ha_peer = 0;
  // IP-to-tag registrations (runtime state; shared with the HA peer, so it locks itself).
  std::shared_ptr<UserIdTable> userid;

  [[nodiscard]] std::string now() const { return dateTime(clock.now()); }
  // True with probability `rate` (fault randomness, seeded by the options).
  bool roll(double rate);
  // The injected API error for this request, if a fault of faults.api_errors matches.
  std::optional<ApiResponse> injectedApiError(const std::string& type, const std::string& action,
                                              const std::string& subject);
  [[nodiscard]] std::size_t maxRegisteredIps() const {
    return faults.max_registered_ips.value_or(options.max_registered_ips);
  }
  // Writes the running configuration to options.state_file (atomically), if one is set.
  void writeState() const;
};

}  // namespace trailwall::panossim
