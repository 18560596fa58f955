#pragma once
// The simulated device's state, in one place: the configurations (ConfigStore: candidate,
// running, per-administrator journal), commit jobs, config and commit locks, faults, counters
// and the request log. Simulator owns one Device and holds its mutex around every request, so
// the API areas (api.h) work on it single-threaded and never lock themselves.

#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "common/clock.h"
#include "config_store.h"
#include "objects.h"
#include "replies.h"
#include "simulator.h"

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
  bool inject_fail = false;
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
  Device(SimulatorOptions opts, Clock& c) : options(std::move(opts)), clock(c) {}

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

  [[nodiscard]] std::string now() const { return dateTime(clock.now()); }
  // True with probability `rate` (fault randomness, seeded by the options).
  bool roll(double rate);
  // The injected API error for this request, if a fault of faults.api_errors matches.
  std::optional<ApiResponse> injectedApiError(const std::string& type, const std::string& action,
                                              const std::string& subject);
  // Writes the running configuration to options.state_file (atomically), if one is set.
  void writeState() const;
};

}  // namespace trailwall::panossim
