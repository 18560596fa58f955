#pragma once
// Design: the one code path from deliveries to the firewall, shared by `trailwall handle`, the
// Lambda runtime loop and the SQS daemon. A delivery is one unit its caller can acknowledge or
// give back (an SQS message, an S3 notification, an EventBridge event, a file). The runner
// decodes each delivery on its own, fetches the CloudTrail log files they name, unites every
// change's scope into one engine run per firewall (one write, one commit), and then says per
// delivery whether it is done, must be retried, or can never be read. Outcomes are computed from
// per-firewall results ("a delivery is done when every firewall its changes touch committed"),
// so several firewalls (issue 13) add runs, not rules. The runner never sleeps and reads no
// clock but the injected one; it holds no state between batches but its decoder's buffers.

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cloudtrail/change.h"
#include "cloudtrail/decoder.h"
#include "cloudtrail/padded_bytes.h"
#include "common/clock.h"
#include "common/error.h"
#include "engine/engine.h"
#include "engine/inventory_source.h"
#include "panos/firewall.h"
#include "policy/options.h"
#include "runner/fleet_split.h"

namespace trailwall::runner {

// One unit of input. `id` is how the caller names it back (an SQS message id, a path); `source`
// is how logs and errors name it (defaults to the id).
struct Delivery {
  std::string id;
  cloudtrail::PaddedBytes bytes;
  std::string source;
};

enum class Status {
  Done,        // its changes are committed, or it needed nothing: acknowledge (delete) it
  Retry,       // its changes did not reach a committed firewall: give it back
  Unreadable,  // it holds input that can never be read: give it back, so the queue's redrive
               // policy moves it to the dead-letter queue after its receive count
};
[[nodiscard]] std::string_view to_string(Status status);

// What became of one delivery.
struct Outcome {
  std::string id;
  std::string source;
  Status status = Status::Done;
  std::string reason;                  // one line for logs: why (not) done
  std::size_t changes = 0;             // changes it carried (log files it names included)
  std::vector<std::string> firewalls;  // the firewalls its changes touch
  std::vector<Error> errors;           // what in it could not be read (Unreadable)
};

// One firewall's part of the batch: its engine run, or why it did not run or failed.
struct FirewallRun {
  std::string firewall;
  bool attempted = false;  // the engine was started
  // What the run did: all of it, or (with `error`) up to the failure; its `outcome` says what
  // was written, committed and reverted. Empty when the run was not attempted.
  std::optional<engine::RunReport> report;
  std::optional<Error> error;  // it failed, or was not attempted (deadline, configuration)

  // The changes reached a committed firewall (or nothing needed writing; a dry run planned). A
  // run that failed after its commit went through counts: its changes are committed.
  [[nodiscard]] bool succeeded() const {
    return report.has_value() && (!error || report->outcome.committed);
  }
};

struct BatchResult {
  std::vector<Outcome> outcomes;  // one per delivery, in the order given
  std::vector<FirewallRun> runs;  // one per firewall the batch touched (none: nothing to do)
  cloudtrail::Decoded decoded;    // every delivery's changes, ignored records and errors

  [[nodiscard]] bool allDone() const;
  [[nodiscard]] std::size_t count(Status status) const;
};

// Reads a CloudTrail log file that a notification names (S3 GetObject in production,
// S3LogReader). NotFound means the object is gone for good (the delivery is unreadable); any
// other error is worth retrying (network, throttling, permissions being fixed).
class LogReader {
 public:
  virtual ~LogReader() = default;
  [[nodiscard]] virtual Result<cloudtrail::PaddedBytes> read(
      const cloudtrail::LogObject& object) = 0;
};

// The firewall of the fleet named `name` a batch is written to, asked for only when a batch has
// something in scope for it (`handle` without changes needs no firewall). Called from the
// firewall's own thread when several run at once: each name's firewall is used by one run only.
using FirewallProvider = std::function<Result<panos::Firewall*>(std::string_view name)>;
// The single firewall of a fleet of one.
using SingleFirewallProvider = std::function<Result<panos::Firewall*>()>;
// The AWS truth, asked for only when a batch has something in scope.
using InventoryProvider = std::function<Result<engine::InventorySource*>()>;

// The name of the one firewall of today's configuration, in outcomes and reports.
inline constexpr std::string_view kDefaultFirewall = "default";

struct RunnerOptions {
  cloudtrail::DecodeOptions decode;
  engine::Mode mode = engine::Mode::Apply;
  // No write (and so no commit) starts with less than this left before a batch's deadline.
  std::chrono::milliseconds write_budget{std::chrono::seconds(60)};
  // Firewalls of a fleet planned, written and committed at once (each on its own thread).
  std::size_t max_parallel_firewalls = 4;
};

// The AWS truth of one batch, read once per account and region and handed to every firewall's
// run (issue 13): a run's scope is part of the batch's, so the batch's inventory holds all it
// needs (the first load of a target, or prime, decides what is read). AWS calls are counted in
// the first run's report only. Thread-safe: calls to `source` are serialized.
class BatchInventory final : public engine::InventorySource {
 public:
  explicit BatchInventory(engine::InventorySource& source);

  // Loads `target` for `scope` now (the batch's whole scope).
  [[nodiscard]] trailwall::Status prime(const engine::Target& target,
                                        const inventory::Scope& scope);
  // What was loaded for `target` (an empty inventory when nothing was).
  [[nodiscard]] const inventory::Inventory* inventory(const engine::Target& target);

  [[nodiscard]] Result<engine::LoadedInventory> load(const engine::Target& target,
                                                     const inventory::Scope& scope) override;

 private:
  struct Entry {
    engine::LoadedInventory loaded;
    bool handed_out = false;
  };
  engine::InventorySource& source_;
  std::mutex mutex_;
  std::map<engine::Target, Entry> loaded_;
  inventory::Inventory empty_;
};

// Not thread-safe (its decoder keeps buffers between batches): one Runner per thread. With a
// fleet of several firewalls (issue 13) each batch is split by gateway (fleet_split.h): the
// inventory is read once per account and region and shared, and each touched firewall gets its
// own engine run (plan, write, commit) on its own thread, at most max_parallel_firewalls at once;
// one failing does not stop the others. `inventory` and `clock` must then be safe to use from
// several threads (the runner serializes its calls to the inventory source).
class Runner {
 public:
  Runner(RunnerOptions options, std::vector<FleetMember> fleet, InventoryProvider inventory,
         FirewallProvider firewall, LogReader& logs, Clock& clock);
  // A fleet of one named kDefaultFirewall.
  Runner(RunnerOptions options, policy::Options policy, InventoryProvider inventory,
         SingleFirewallProvider firewall, LogReader& logs, Clock& clock);

  // Handles a batch. With a deadline, no log file is fetched and no run started once it has
  // passed, and no write starts with less than options.write_budget left; what did not run comes
  // back as Retry with the candidate configuration untouched.
  [[nodiscard]] BatchResult run(
      std::span<const Delivery> deliveries,
      std::optional<std::chrono::steady_clock::time_point> deadline = std::nullopt);

  [[nodiscard]] const RunnerOptions& options() const { return options_; }

 private:
  // Splits `batch` by firewall, fills `touched` (per delivery, the firewalls its scope touches)
  // and runs each touched firewall; the runs in fleet order.
  [[nodiscard]] std::vector<FirewallRun> runFleet(
      const engine::Batch& batch, const std::vector<engine::Batch>& scopes,
      const engine::EngineOptions& engine_options,
      std::optional<std::chrono::steady_clock::time_point> deadline,
      std::vector<std::set<std::string>>& touched);
  [[nodiscard]] FirewallRun runFirewall(
      const FleetMember& member, const engine::Batch& batch, engine::InventorySource& inventory,
      const engine::EngineOptions& engine_options,
      std::optional<std::chrono::steady_clock::time_point> deadline);

  RunnerOptions options_;
  std::vector<FleetMember> fleet_;
  InventoryProvider inventory_;
  FirewallProvider firewall_;
  LogReader& logs_;
  Clock& clock_;
  cloudtrail::Decoder decoder_;
};

// A delivery that asks for a full reconcile of the configuration's default account and region
// (what `trailwall reconcile` does): an EventBridge Scheduled Event without account or region.
// For callers with their own schedule (the daemon); `id` names it in outcomes and logs.
[[nodiscard]] Delivery reconcileDelivery(std::string id);

// Appends `from` (one delivery's decoding) to `into` (the batch's).
void mergeDecoded(cloudtrail::Decoded& into, cloudtrail::Decoded&& from);

}  // namespace trailwall::runner
