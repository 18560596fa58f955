#pragma once
// The PAN-OS XML API simulator's request handler, without sockets.
//
// Design: a Simulator owns one Device (device.h), the device's whole state in one place:
// ConfigStore with candidate, running and the per-administrator journal; commit jobs; config
// and commit locks; faults; counters; the request log. One mutex guards it, so any number of
// HTTP threads may call handle() at once; the API areas never lock. handle() takes the
// parameters of one /api/ request (query and form body merged, as the device treats them),
// authenticates it and dispatches on `type` to one file per API area (declared in api.h):
//   auth.cpp          type=keygen, keys, X-PAN-KEY / key= / HTTP Basic
//   config_api.cpp    type=config: get, show, set, edit, delete, move, rename, clone, multi-config
//   op_api.cpp        type=op: show system info/clock/config, security-policy-match, pending
//                     changes, revert, load, validate; jobs and locks are delegated to
//   commit_jobs.cpp   type=commit and the job queue (show jobs)
//   locks.cpp         config and commit locks (request … add/remove, show …-locks)
//   audit.cpp         audit comments, type=log (config-log queries), show config list changes
//   userid_api.cpp    type=user-id, show object registered-ip / dynamic-address-group (the
//                     registrations live in userid_table.h, runtime state with its own lock,
//                     shared by HA peers; DAG filters in dag_filter.h)
//   ha.cpp            HA pairs: show/request high-availability, the passive's refusals, config
//                     sync (the pair's shared state is HaLink, ha.h)
//   panorama.cpp      Panorama: commit-all pushes, show devicegroups, a firewall receiving a
//                     push (panorama.h)
//   simulator.cpp     this facade: transport faults, counters, request log
//   control.cpp       the /sim/… control endpoint (JSON)
// server.cpp and http_server.cpp put it on the wire; fleet.h runs several devices (firewalls,
// HA pairs, a Panorama) in one process. Time comes from an injected Clock (behind
// a Server always a SimClock, sim_clock.h, which /sim/clock/advance moves): commit jobs are
// computed from their enqueue time and the configured duration and take effect at the first
// request at or after their finish time. Transport faults (5xx, latency, slow, dropped and hung
// requests) are decided here and carried out by the Server. Reply
// shapes follow shared/reference/panos/ (files named in comments); where the reference is
// silent, the choice is marked "assumption" in a comment.

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/error.h"
#include "config_store.h"
#include "ha.h"
#include "panorama.h"
#include "userid_table.h"

namespace trailwall::panossim {

struct Device;

// Answer this API error to matching requests (empty fields match everything).

struct ApiErrorFault {
  std::string type;            // keygen, config, op, commit, …
  std::string action;          // config action, or an op command's words ("show jobs")
  std::string xpath_contains;  // substring of xpath or cmd
  int code = 0;                // 0 = the error response without a code attribute
  std::string message = "Injected error";
  int http_status = 200;
  double rate = 1.0;   // probability per matching request
  int remaining = -1;  // answers left; -1 = unlimited
};

// Which requests a transport fault applies to: every non-empty field must match.
struct RequestRule {
  std::string type{};            // keygen, config, op, commit, …
  std::string action{};          // config action, op words ("show jobs"), commit "full"/"partial"
  std::string xpath_contains{};  // substring of the xpath (config) or the cmd (op, commit)
  int remaining = -1;            // matching requests left; -1 = unlimited
  std::chrono::milliseconds latency{0};  // slow rules: how much later the answer comes
};

struct Faults {
  std::chrono::milliseconds latency{0};  // added before every /api/ answer
  double http_error_rate = 0.0;          // probability of an HTTP error instead of an answer
  int http_error_status = 503;
  double drop_rate = 0.0;  // probability of closing the connection mid-answer
  std::vector<ApiErrorFault> api_errors{};
  int fail_commits = 0;              // the next N commit jobs FAIL; -1 = all
  std::string config_lock_holder{};  // another administrator holding a config lock
  std::string commit_lock_holder{};  // another administrator holding a commit lock
  // Not a fault but a device difference: the reply shape of security-policy-match,
  // "structured" (default), "text" (older releases) or "msg-line" (8.1 CLI text).
  std::string policy_match_format = "structured";
  // Matching requests are carried out, then their connection closes without an answer (e.g.
  // a commit enqueued whose answer the client never sees).
  std::vector<RequestRule> drops{};
  // Matching requests are read and never answered, and the device does not act on them; the
  // connection stays open until the faults change or the server stops, then closes.
  std::vector<RequestRule> hangs{};
  // Matching requests are answered `latency` late (after the device acted).
  std::vector<RequestRule> slow{};
  // Replaces SimulatorOptions::commit_duration for jobs enqueued from now on.
  std::optional<std::chrono::milliseconds> commit_duration{};
  // HA peers only: a matching request to the active peer makes it fail: it stops answering
  // (non-functional, every later /api/ request's connection closes unanswered) and its peer
  // becomes active. The matching request itself is not acted on and gets no answer.
  std::vector<RequestRule> failover{};
  // Not a fault but a device difference: replaces SimulatorOptions::max_registered_ips.
  std::optional<std::size_t> max_registered_ips{};
};

struct SimulatorOptions {
  std::string initial_config_xml;  // empty: the built-in default configuration
  std::string state_file;          // running config written here atomically; loaded at start
  std::chrono::milliseconds commit_duration{2000};
  Faults faults;
  std::uint64_t seed = 0;                // fault randomness; 0 = from std::random_device
  std::string master_key = "panos-sim";  // keys are derived from it, as on the device
  std::string sw_version = "10.2.11";
  std::string model = "PA-VM";
  std::string serial = "007000016273";
  std::size_t request_log_size = 10000;
  // User-ID (userid_api.cpp): the model's maximum of registered addresses (the device logs
  // "max registered-ip for the platform reached"; per-model figures were not found, so the
  // default is an assumption), the request size the API takes ("Limit the query size to
  // 5MB", NGFW-UID) and the most entries one page of `show object registered-ip` holds (500,
  // terraform-provider-panos).
  std::size_t max_registered_ips = 100000;
  std::size_t userid_max_request_bytes = 5U << 20;
  std::size_t registered_ip_page_max = 500;
  // A Panorama (panorama.h) and the firewalls it manages (the same process's Simulators).
  bool panorama = false;
  std::shared_ptr<const ManagedDevices> managed;
  // An HA peer (ha.h): the pair's shared state and which peer this is (0 starts active).
  std::shared_ptr<HaLink> ha;
  int ha_peer = 0;
  // Receives one line per request (no keys, passwords or element bodies); may be empty.
  std::function<void(const std::string&)> log_sink;
};

// One /api/ request: all parameters (query string and form body, in order) and the headers the
// device reads.
struct ApiRequest {
  std::string method = "GET";
  std::vector<std::pair<std::string, std::string>> params;
  std::string api_key_header;  // X-PAN-KEY
  std::string authorization;   // Authorization (Basic)
  std::size_t bytes_in = 0;    // request size, for the counters

  [[nodiscard]] const std::string* param(std::string_view name) const;
};

enum class TransportFault { None, HttpError, Drop, Hang };

struct ApiResponse {
  int http_status = 200;
  std::string reason;  // empty: the standard phrase
  std::string content_type = "application/xml; charset=UTF-8";
  std::string body;
  std::chrono::milliseconds delay{0};  // the Server waits this long before answering
  TransportFault fault = TransportFault::None;
  std::uint64_t faults_generation = 0;  // Hang: released once faultsGeneration() differs
};

struct Counters {
  std::uint64_t requests = 0;
  std::map<std::string, std::uint64_t> by_type;    // "config"
  std::map<std::string, std::uint64_t> by_action;  // "config/set", "op/show system info"
  std::map<int, std::uint64_t> by_http_status;
  std::uint64_t auth_failures = 0;
  std::uint64_t commits_enqueued = 0;
  std::uint64_t commits_ok = 0;
  std::uint64_t commits_failed = 0;
  std::uint64_t commits_no_changes = 0;
  std::uint64_t pushes_enqueued = 0;  // Panorama commit-all jobs
  std::uint64_t pushes_ok = 0;
  std::uint64_t pushes_failed = 0;  // a push job with any device failed
  std::uint64_t bytes_in = 0;
  std::uint64_t bytes_out = 0;
  std::uint64_t faults_latency = 0;
  std::uint64_t faults_http_error = 0;
  std::uint64_t faults_dropped = 0;
  std::uint64_t faults_api_error = 0;
  std::uint64_t faults_hung = 0;
  std::uint64_t faults_slow = 0;
};

struct RequestLogEntry {
  std::uint64_t seq = 0;
  std::string time;  // YYYY/MM/DD HH:MM:SS (UTC)
  std::string method;
  std::string type;
  std::string action;
  std::string xpath;  // or the op/commit command's words; never element bodies
  std::string admin;  // who the key belongs to; empty when unauthenticated
  int http_status = 0;
  std::string status;  // success | error
  std::string code;    // the response code attribute, if any
  std::uint64_t duration_us = 0;
};

// An audit comment set on a rule and not yet committed (show config list audit-comments).
struct AuditComment {
  std::string xpath, comment, admin;
  std::uint64_t dirty_id = 0, prev_dirty_id = 0;
};

// An audit comment a commit recorded: one entry of the config log (cmd audit-commit).
struct AuditRecord {
  std::string xpath, comment, admin;
  std::chrono::system_clock::time_point time;
  std::uint64_t config_ver = 0;  // the commit's configuration version
  std::uint64_t seqno = 0;
};

class Simulator {
 public:
  // InvalidInput when the initial configuration or the state file is not a PAN-OS config.
  [[nodiscard]] static Result<std::unique_ptr<Simulator>> create(SimulatorOptions options,
                                                                 Clock& clock);
  ~Simulator();
  Simulator(const Simulator&) = delete;
  Simulator& operator=(const Simulator&) = delete;

  // The /api/ endpoint. Thread-safe; never throws.
  [[nodiscard]] ApiResponse handle(const ApiRequest& request);

  // The control endpoint (/sim/…): counters, faults, request log, configs. JSON in and out.
  [[nodiscard]] ApiResponse handleControl(std::string_view method, std::string_view path,
                                          std::string_view body);

  [[nodiscard]] Counters counters() const;
  void resetCounters();
  [[nodiscard]] Faults faults() const;
  void setFaults(Faults faults);
  [[nodiscard]] std::vector<RequestLogEntry> requestLog(std::uint64_t after_seq = 0) const;
  [[nodiscard]] std::string runningConfigXml() const;
  [[nodiscard]] std::string candidateConfigXml() const;
  // The key keygen would return for this administrator (for tests); NotFound if unknown.
  [[nodiscard]] Result<std::string> apiKeyFor(std::string_view admin) const;
  // Applies every commit job whose time has come (handle() does this on each request).
  void advanceJobs();
  // Waits (on the real clock, polling) until no commit job is pending or running, at most
  // `timeout`. True when idle.
  bool waitForJobs(std::chrono::milliseconds timeout);
  // Moves simulated time forward when the simulator runs on a SimClock (sim_clock.h; always so
  // behind a Server). Returns the clock's total offset; InvalidInput on another clock.
  Result<std::chrono::milliseconds> advanceClock(std::chrono::milliseconds by);
  [[nodiscard]] std::chrono::system_clock::time_point now() const;
  // Audit comments waiting for a commit (by rule xpath) and those commits recorded, oldest first.
  [[nodiscard]] std::vector<AuditComment> pendingAuditComments() const;
  [[nodiscard]] std::vector<AuditRecord> auditLog() const;
  // The User-ID registrations of a vsys, in address order (expired ones dropped first).
  [[nodiscard]] std::vector<Registration> registrations(const std::string& vsys) const;
  // A firewall managed by a Panorama of this process: installs a push (the device group's
  // content, the <panorama> element) as a commit would — the lines of its commit, or the
  // failure (fail_commits faults count pushes too).
  [[nodiscard]] Result<std::vector<std::string>> receivePush(const pugi::xml_node& panorama);
  // False for an HA peer that is down (it answers nothing); Panorama reports it not connected.
  [[nodiscard]] bool reachable() const;
  // A Panorama: pushes every device group to its firewalls at once (no job), so that they
  // start In Sync.
  void panoramaPushAll();
  // HA peers (ha.h): this peer's view; NotFound on a standalone device.
  [[nodiscard]] Result<HaPeerStatus> haStatus() const;
  // The active peer fails over to the passive one (with `down`, it stops answering).
  Status haFailover(bool down);
  // This peer, down, comes back as passive with the active's running configuration.
  Status haRecover();
  // Config sync after commits on or off (running-sync-enabled).
  Status haSetSync(bool enabled);
  // Counts setFaults calls: a request that hangs (TransportFault::Hang) is released when this
  // changes.
  [[nodiscard]] std::uint64_t faultsGeneration() const;

 private:
  explicit Simulator(std::unique_ptr<Device> device);
  std::unique_ptr<Device> device_;
};

// Faults as the control endpoint reads and writes them (JSON object; see README of the tool).
[[nodiscard]] Result<Faults> faultsFromJson(std::string_view text);

// The built-in default configuration (tools/panos-sim/default-config.xml).
[[nodiscard]] std::string_view defaultConfigXml();

}  // namespace trailwall::panossim
