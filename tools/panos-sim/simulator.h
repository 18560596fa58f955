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
//   simulator.cpp     this facade: transport faults, counters, request log
//   control.cpp       the /sim/… control endpoint (JSON)
// User-ID, HA and Panorama will each be one more area file beside these; server.cpp and
// http_server.cpp put it on the wire. Time comes from an injected Clock: commit jobs are
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

namespace trailwall::panossim {

// Answer this API error to matching requests (empty fields match everything).
struct Device;

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
