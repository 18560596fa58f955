#pragma once
// The job (DESIGN §1, §4): a batch of scopes → the current AWS truth for them → the desired
// managed rules → the firewall's rulebase → the already-allowed check → a plan → (apply mode)
// one write and one partial commit. Every step's figures land in the RunReport, so each run can
// say what it did. I/O goes through InventorySource and panos::Firewall, so the engine is
// testable without a network.

#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/error.h"
#include "engine/inventory_source.h"
#include "inventory/scope.h"
#include "panos/firewall.h"
#include "policy/options.h"
#include "policy/plan.h"

namespace trailwall::engine {

enum class Mode {
  Plan,   // read AWS and the firewall, compute the plan, write nothing
  Apply,  // and write it with one partial commit
};

// What to look at: per account and region, the union of the scopes of a batch's events.
using Batch = std::map<Target, inventory::Scope>;

struct Timings {
  std::chrono::milliseconds load{0};
  std::chrono::milliseconds read_firewall{0};
  std::chrono::milliseconds check{0};
  std::chrono::milliseconds apply{0};
  std::chrono::milliseconds total{0};
};

struct RunReport {
  Mode mode = Mode::Plan;
  bool nothing_in_scope = false;  // the batch named nothing: no AWS call, no firewall request
  std::size_t targets = 0;
  std::size_t aws_calls = 0;
  std::vector<std::string> aws_call_summaries;  // one per target
  std::vector<std::string> widened;             // why a scoped load had to load everything
  std::size_t instances = 0;                    // in the loaded inventory
  std::size_t security_groups = 0;
  std::size_t gone = 0;  // ids asked for that AWS no longer knows
  std::size_t desired_rules = 0;
  std::size_t flows_checked = 0;  // flows asked about with security-policy-match
  std::size_t flows_allowed = 0;  // of those, already allowed by an administrator's rule
  int policy_match_tests = 0;
  int untested_flows = 0;  // beyond the per-batch bound: treated as not allowed
  policy::Plan plan;
  std::optional<panos::ApplyReport> applied;  // Apply mode with a non-empty plan
  panos::RequestCounts firewall_requests;
  Timings timings;
};

// When a run must be over: it starts no write (and so no commit) with less than `write_budget`
// left before `at`. A run stopped there fails with ErrorCode::Timeout having written nothing, so
// the candidate configuration is untouched (the Lambda runtime's invocation deadline).
struct Deadline {
  std::chrono::steady_clock::time_point at;
  std::chrono::milliseconds write_budget{0};  // what a write, lock waits and the commit may take
};

class Engine {
 public:
  Engine(policy::Options options, InventorySource& inventory, panos::Firewall& firewall,
         Clock& clock)
      : options_(std::move(options)), inventory_(inventory), firewall_(firewall), clock_(clock) {}

  // Runs one batch. Errors carry the step that failed ("loading AWS inventory: …",
  // "committing: …"); a failed commit has been reverted by the firewall.
  [[nodiscard]] Result<RunReport> run(const Batch& batch, Mode mode);
  // The same with a deadline (checked before the write: see Deadline).
  [[nodiscard]] Result<RunReport> run(const Batch& batch, Mode mode,
                                      const std::optional<Deadline>& deadline);

 private:
  policy::Options options_;
  InventorySource& inventory_;
  panos::Firewall& firewall_;
  Clock& clock_;
};

// The union of two partial inventories (different accounts or regions): lists concatenated,
// coverage and gone ids united.
void mergeInventory(inventory::Inventory& into, inventory::Inventory&& from);

}  // namespace trailwall::engine
