#pragma once
// The job (DESIGN §1, §4): a batch of scopes → the current AWS truth for them → the desired
// managed rules → the firewall's rulebase → the already-allowed check → a plan → (apply mode)
// hold the firewall, re-read it, plan again, one write and one partial commit. Every step's
// figures land in the RunReport, so each run can say what it did, also when it fails. I/O goes
// through InventorySource and panos::Firewall, so the engine is testable without a network.
//
// Overlapping runs (DESIGN §4.7, §4.8): everything up to the plan is read-only, so a dry run
// never changes the firewall and a real run plans without holding anyone up. Only a real run
// with something to write (or with this administrator's uncommitted changes to deal with) holds
// the firewall; holding it, it re-reads the rulebase (another run may have committed since),
// reverts leftovers of a stopped run, plans again against what it read (reusing the
// policy-match answers it has), writes, commits and releases the hold.

#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/error.h"
#include "engine/inventory_source.h"
#include "engine/tag_mode.h"
#include "inventory/scope.h"
#include "panos/firewall.h"
#include "policy/options.h"
#include "policy/plan.h"
#include "policy/proof.h"
#include "policy/provenance.h"

namespace trailwall::engine {

enum class Mode {
  Plan,    // read AWS and the firewall, compute the plan, write nothing
  Apply,   // and write it with one partial commit, then prove it (proof.h)
  Verify,  // Plan, and ask the firewall whether it enforces every desired rule; writes nothing
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

// What was and was not done to the firewall, for the report and honest exit codes.
struct Outcome {
  bool written = false;         // changes reached the candidate configuration
  bool committed = false;       // and were committed
  bool commit_unknown = false;  // whether they were committed could not be learned
  bool reverted = false;        // this run's uncommitted changes were reverted after a failure
  bool registered = false;      // User-ID registrations were sent and accepted (tag layout)
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
  std::vector<std::string> warnings;  // about the rulebase (a deny rule shadowing the managed ones)
  // This administrator's uncommitted changes the first read saw; a dry run leaves them.
  panos::PendingChanges pending;
  bool leftovers_reverted = false;            // reverted while holding the firewall
  std::optional<panos::HoldReport> hold;      // Apply mode when the firewall was held
  bool replanned = false;                     // planned again after taking the hold
  std::optional<panos::ApplyReport> applied;  // Apply mode with a non-empty plan (also on failure)
  Outcome outcome;
  panos::RequestCounts firewall_requests;
  // Tag layout (and leaving it): the User-ID registrations looked at and sent (tag_mode.h).
  std::optional<RegistrationsReport> registrations;
  // A migration into the tag layout, in two commits (tag_mode.h); `applied` is its second step.
  std::optional<MigrationReport> migration;
  // The proof of enforcement: after a commit (Apply) of the rules it added, changed and removed;
  // in Verify mode of every desired rule.
  std::optional<policy::Proof> proof;
  std::chrono::milliseconds proof_time{0};
  Timings timings;

  // Verify: the rulebase and AWS agree (no change pending) and every proven flow is enforced.
  // Registrations to add or remove (a refresh alone is not a difference).
  [[nodiscard]] bool registrationsPending() const {
    return registrations && registrations->changes.added + registrations->changes.removed > 0;
  }
  [[nodiscard]] bool agrees() const {
    return plan.empty() && !registrationsPending() &&
           (!proof || (proof->enforced() && proof->error.empty()));
  }
  // Apply: something written is not enforced, or the proof could not be made.
  [[nodiscard]] bool notEnforced() const {
    return proof && (!proof->enforced() || !proof->error.empty());
  }
};

// When a run must be over (the Lambda runtime's invocation deadline): it takes no hold and starts
// no write (and so no commit) with less than `write_budget` left before `at`. A run stopped there
// fails with ErrorCode::Timeout having written nothing, so the candidate is untouched.
struct Deadline {
  std::chrono::steady_clock::time_point at;
  std::chrono::milliseconds write_budget{0};  // what the hold, the write and the commit may take
};

struct EngineOptions {
  // A configured bottom rule missing from the rulebase is an error before anything is written.
  // false: the rulebase is not the firewall's (`plan --offline` without --rules).
  bool require_bottom_rule = true;
  // After a commit, ask the firewall whether it enforces what was written (proof.h).
  bool prove = true;
  // The batch's CloudTrail changes, for the provenance written into descriptions and the commit
  // description (provenance.h); empty for a full reconcile.
  std::vector<policy::EventRef> events;
  // A process that exits after this run (the command line): what a run loaded (inventory,
  // desired rules) is kept until the exit instead of freed piece by piece (common/exit_pool.h).
  // Never in a loop (Lambda, daemon).
  bool keep_until_exit = false;
};

class Engine {
 public:
  Engine(policy::Options options, InventorySource& inventory, panos::Firewall& firewall,
         Clock& clock, EngineOptions engine_options = {})
      : options_(std::move(options)),
        engine_options_(engine_options),
        inventory_(inventory),
        firewall_(firewall),
        clock_(clock) {}

  // Runs one batch. Errors carry the step that failed ("loading AWS inventory: …",
  // "applying the plan: …"); a failed commit has been reverted by the firewall. When the run
  // fails, `progress` (if given) receives what the run did up to the failure (left alone when it
  // succeeds): its outcome says what was written, committed and reverted.
  [[nodiscard]] Result<RunReport> run(const Batch& batch, Mode mode, RunReport* progress = nullptr);

  // Runs from now on must be over by `deadline` (see Deadline); nullopt: no deadline (default).
  void setDeadline(std::optional<Deadline> deadline) { deadline_ = deadline; }

 private:
  struct Loaded;
  [[nodiscard]] Status runInto(const Batch& batch, Mode mode, RunReport& report);
  [[nodiscard]] Status load(const Batch& batch, const policy::Rulebase& rulebase, Loaded& loaded,
                            RunReport& report);
  [[nodiscard]] Status checkRulebase(const policy::Rulebase& rulebase, RunReport& report) const;
  [[nodiscard]] Status applyHolding(const Batch& batch, Loaded& loaded, RunReport& report);
  // Holding: the registrations to send against what the firewall holds now (tag_mode.h).
  [[nodiscard]] Status planRegistrationsNow(const inventory::Inventory& inventory,
                                            const policy::Rulebase& rulebase, Mode mode,
                                            RunReport& report, policy::Mappings& registered);
  // Holding: the tag layout's write: registrations, then the plan (in two steps when migrating).
  [[nodiscard]] Status applyTagLayout(const policy::Rulebase& rulebase,
                                      const policy::Mappings& registered, panos::Hold& hold,
                                      RunReport& report);
  // Asks the firewall about `items` and judges the answers into report.proof. A failed request
  // is kept in proof.error (the commit stands).
  void prove(std::vector<policy::ProofFlow> items, std::vector<policy::ProofResult> unprovable,
             const policy::Rulebase& after, const std::vector<std::string>& deleted,
             RunReport& report);

  policy::Options options_;
  EngineOptions engine_options_;
  std::optional<Deadline> deadline_;
  InventorySource& inventory_;
  panos::Firewall& firewall_;
  Clock& clock_;
  std::chrono::system_clock::time_point run_time_{};  // when run() started, for provenance
};

// Rules above the bottom rule that deny or drop all traffic between the managed zones: the
// managed rules below them would never match. One warning per rule.
[[nodiscard]] std::vector<std::string> shadowingRules(const policy::Rulebase& rulebase,
                                                      const policy::Options& options);

// The union of two partial inventories (different accounts or regions): lists concatenated,
// coverage and gone ids united.
void mergeInventory(inventory::Inventory& into, inventory::Inventory&& from);

}  // namespace trailwall::engine
