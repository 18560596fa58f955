#pragma once
// The engine's part of the tag layout (policy/tag_layout.h): which registrations a run sends,
// the migration between layouts, and the sample flows that prove tag-layout rules.
//
// Migration into the tag layout (from group or instance rules) is two commits, not one: step 1
// adds the DAG rules and DAGs beside the old rules (registrations sent first), commits, and asks
// the firewall (security-policy-match, show-all) whether each new rule admits its flows; only
// then step 2 deletes the old rules and commits. A DAG's members come from runtime registrations
// that the device applies asynchronously ("within 60 seconds", API-NOTES §12.1), so replacing the
// rules in one commit could leave flows closed; the proof between the steps makes sure it does
// not. Leaving the tag layout is one commit (address rules need no runtime state); trailwall's
// registrations are removed after it, once no managed DAG is left.

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "inventory/inventory.h"
#include "panos/firewall.h"
#include "policy/desired.h"
#include "policy/options.h"
#include "policy/plan.h"
#include "policy/proof.h"
#include "policy/rule.h"
#include "policy/tag_layout.h"

namespace trailwall::engine {

// What a run did about User-ID registrations.
struct RegistrationsReport {
  std::size_t desired = 0;     // (address, tag) mappings the inventory calls for, in scope
  std::size_t registered = 0;  // trailwall's mappings on the firewall when read
  std::size_t others = 0;      // mappings with other tags (never touched)
  bool refresh = false;        // a full reconcile: every desired mapping is registered again
  bool leaving = false;        // the layout is no longer tag: every registration is removed
  policy::RegistrationChanges changes;
  std::optional<panos::RegistrationReport> sent;
};

// A migration into the tag layout (see above).
struct MigrationReport {
  std::vector<std::string> old_rules;  // the group / instance rules step 2 deletes
  std::optional<panos::ApplyReport> first_step;
  std::optional<policy::Proof> first_proof;  // the new rules admit their flows (show-all)
  bool completed = false;                    // every old rule is gone
};

// Whether the tag layout's registrations are looked at: in the tag layout, and when leaving it
// (a managed DAG is still in the rulebase).
[[nodiscard]] bool usesRegistrations(const policy::Rulebase& rulebase,
                                     const policy::Options& options);

// The registrations to send: in the tag layout the difference between the inventory's desired
// mappings and the firewall's (all of them again with `refresh`); leaving it, the removal of all
// of trailwall's, once `after` (the rulebase after this run's commit) has no managed DAG.
// InvalidInput when the firewall would hold more than `max_registered_ips` addresses (0 = no
// bound known).
// `may_refresh` false (verify) compares without refreshing.
[[nodiscard]] Result<RegistrationsReport> planRegistrations(const inventory::Inventory& inventory,
                                                            const policy::Mappings& registered,
                                                            const policy::Rulebase& after,
                                                            const policy::Options& options,
                                                            std::size_t max_registered_ips,
                                                            bool may_refresh = true);

// `registered` with `changes` applied.
[[nodiscard]] policy::Mappings withChanges(policy::Mappings registered,
                                           const policy::RegistrationChanges& changes);

// The managed rules of another layout that a tag-layout plan deletes: a migration, done in two
// steps (the second deletes, per group, only the old rules whose DAG rules were shown to admit
// their flows; the rest wait for the next run). Empty when the plan is not one.
[[nodiscard]] std::vector<std::string> migratedRules(const policy::Plan& plan,
                                                     const policy::Options& options);
// Step 1: `plan` without deleting those rules (nor the service objects and tag they may use).
[[nodiscard]] policy::Plan firstMigrationStep(const policy::Plan& plan,
                                              const std::vector<std::string>& old_rules);

// A sample flow of a tag-layout rule to one of the addresses that carry its group now, or nullopt
// when none does (or no flow can be made).
[[nodiscard]] std::optional<policy::Flow> tagSampleFlow(const policy::DesiredRule& rule,
                                                        const policy::Rulebase& rulebase,
                                                        const policy::Options& options);
// A few addresses registered with each of trailwall's tags (samples for the proof), so finding
// one for a rule does not walk every registration.
using TagSamples = std::map<std::string, std::vector<net::IpAddress>, std::less<>>;
[[nodiscard]] TagSamples tagSamples(const policy::Mappings& registered,
                                    const policy::Options& options, std::size_t per_tag = 8);

// The same for a rule on the firewall, whose addresses are those registered with its group's tag.
[[nodiscard]] std::optional<policy::Flow> tagSampleFlow(const policy::SecurityRule& rule,
                                                        const TagSamples& samples,
                                                        const policy::Rulebase& rulebase,
                                                        const policy::Options& options);

// Step 1's verdict on one flow from every rule matching it (show-all): enforced when the item's
// rule is among them and the first match allows (its action from the reply, else from `after`).
[[nodiscard]] policy::ProofResult judgeBeside(const policy::ProofFlow& item,
                                              const std::vector<panos::MatchedRule>& matches,
                                              const policy::Rulebase& after);

}  // namespace trailwall::engine
