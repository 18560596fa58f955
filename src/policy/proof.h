#pragma once
// Proof of enforcement (DESIGN §4.9, issue 12): which sample flows to ask the firewall about
// after a commit or in `trailwall verify`, and what its `test security-policy-match` answers
// mean. An intended flow (of a rule trailwall added or changed, or of any desired rule in
// verify) must be decided by an allowing rule; a removed flow (of a rule deleted, or a
// destination taken out of a rule) must not be decided by the rule it was removed from, nor by a
// managed rule the plan deleted. Pure: the firewall's answers come in as RuleHits.

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "policy/flows.h"
#include "policy/options.h"
#include "policy/plan.h"
#include "policy/rule.h"

namespace trailwall::policy {

// One flow to prove, and why it is asked.
struct ProofFlow {
  enum class Kind { Intended, Removed };
  Kind kind = Kind::Intended;
  std::string rule;  // the managed rule it was added to / removed from
  Flow flow;

  friend bool operator==(const ProofFlow&, const ProofFlow&) = default;
};

// A rule in the firewall's answer (the first one decides: the test is asked without show-all).
struct RuleHit {
  std::string name;
  std::string action;  // empty when the reply does not say
};

enum class Verdict {
  Enforced,     // intended: an allowing rule decides it; removed: no rule of trailwall's opens it
  NotEnforced,  // intended: denied (shadowed) or no rule matches; removed: still open
  Unproven,     // not asked: beyond the per-run bound, or no sample flow could be made
};

[[nodiscard]] std::string_view to_string(Verdict verdict);

struct ProofResult {
  ProofFlow item;
  Verdict verdict = Verdict::Unproven;
  std::string matched_rule;  // the deciding rule; empty when none matched or not asked
  std::string matched_action;
  bool matched_managed = false;
  std::string reason;  // one sentence for people

  friend bool operator==(const ProofResult&, const ProofResult&) = default;
};

struct Proof {
  std::vector<ProofResult> results;
  int tests = 0;      // security-policy-match requests sent
  int unproven = 0;   // flows not asked (bound reached, or no sample flow)
  std::string error;  // the firewall could not be asked (the results are incomplete)

  [[nodiscard]] std::size_t notEnforced() const;
  [[nodiscard]] bool enforced() const { return notEnforced() == 0; }
};

// A sample flow of `rule`: its first destination address, a source of that address' family
// ("any" → 0.0.0.0/0 or ::/0), its first application and, for the protocol and port, the
// service object it names (looked up in `rulebase`, shared ones too) or, for
// application-default, the App-ID table. `destination` picks another destination member than
// the first. nullopt when no flow can be made (no address destination, an application the table
// does not know with service application-default).
[[nodiscard]] std::optional<Flow> sampleFlow(const SecurityRule& rule, const Rulebase& rulebase,
                                             const Options& options,
                                             const std::string* destination = nullptr);

// The flows that prove `plan` once applied: one intended flow per rule added or edited (a newly
// added destination when the edit added one), one removed flow per rule deleted and per edit
// that took destinations out. `before` is the rulebase the plan was made against, `after` =
// applyPlan(before, plan). Rules without a sample flow give an Unproven result in `unprovable`.
[[nodiscard]] std::vector<ProofFlow> proofFlows(const Plan& plan, const Rulebase& before,
                                                const Rulebase& after, const Options& options,
                                                std::vector<ProofResult>* unprovable = nullptr);

// The verdict on one flow from the rules the firewall matched (first decides). `after` is the
// rulebase the firewall holds now (for actions the reply omits and for which rules are managed);
// `deleted` the managed rules the plan removed.
[[nodiscard]] ProofResult judge(const ProofFlow& item, const std::vector<RuleHit>& matches,
                                const Rulebase& after, const std::vector<std::string>& deleted,
                                const Options& options);

}  // namespace trailwall::policy
