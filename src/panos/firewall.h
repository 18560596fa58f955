#pragma once
// The firewall as the engine sees it (DESIGN §4): read the rulebase once, ask which flows it
// already allows, apply a plan with one partial commit. PanOsFirewall does this over the XML API
// with as few requests as the device allows; FakeFirewall (fake_firewall.h) keeps a rulebase in
// memory so the engine can be tested without a network.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/error.h"
#include "panos/client.h"
#include "panos/commands.h"
#include "panos/xpath.h"
#include "policy/flows.h"
#include "policy/plan.h"
#include "policy/rule.h"

namespace trailwall::panos {

// The outcome of the already-allowed check.
struct AllowedReport {
  policy::FlowSet allowed;  // flows a rule trailwall does not manage already allows
  int tests = 0;            // security-policy-match requests sent
  int untested = 0;         // distinct queries beyond the per-batch bound (treated as not allowed)
};

// What applying a plan did. `commit_job` is empty when nothing was committed.
struct ApplyReport {
  int rules_added = 0;
  int rules_edited = 0;
  int rules_moved = 0;
  int rules_deleted = 0;
  int services_added = 0;
  int services_deleted = 0;
  bool tag_added = false;
  bool tag_deleted = false;
  bool multi_config = false;  // written in one multi-config request
  int write_requests = 0;
  std::optional<std::int64_t> commit_job;
  std::chrono::milliseconds commit_duration{0};  // enqueue to FIN, as polled
  std::vector<std::string> commit_details;       // the job's detail lines
  std::vector<std::string> commit_warnings;
  std::chrono::milliseconds lock_wait{0};  // time spent waiting for other administrators
};

class Firewall {
 public:
  virtual ~Firewall() = default;
  // The vsys' security rules in rulebase order, its service objects and tags.
  [[nodiscard]] virtual Result<policy::Rulebase> readRulebase() = 0;
  // Which of `flows` a rule trailwall does not manage already allows (the first matching rule
  // that is not managed has action allow).
  [[nodiscard]] virtual Result<AllowedReport> alreadyAllowed(
      const std::vector<policy::Flow>& flows) = 0;
  // Writes `plan` and commits this administrator's changes; an empty plan writes nothing.
  // On a failed commit the administrator's candidate changes are reverted and the error holds
  // the job's messages.
  [[nodiscard]] virtual Result<ApplyReport> apply(const policy::Plan& plan) = 0;
  // Requests sent so far, by kind (see RequestCounts), for the run's report.
  [[nodiscard]] virtual RequestCounts requestCounts() const = 0;
};

struct FirewallOptions {
  Location location;
  std::string from_zone = "untrust";  // security-policy-match source zone
  std::string to_zone = "trust";
  std::string managed_tag = "trailwall";
  int max_policy_match_tests = 200;  // distinct tests per batch
  // Tests in flight at once. The vendor advises at most five concurrent API calls; the CLI
  // sends 4. 1 (sequential) keeps scripted transports in tests deterministic.
  int policy_match_concurrency = 1;
  // Another administrator's lock (or a running commit) is waited out this long, polling.
  std::chrono::milliseconds lock_wait_timeout{std::chrono::minutes(5)};
  std::chrono::milliseconds lock_poll_interval{std::chrono::seconds(10)};
  // Before reading, revert this administrator's leftover uncommitted changes (a run that died
  // between write and commit), so the plan is made against what the commit will contain.
  bool revert_leftovers = true;
  std::string commit_description = "trailwall";
};

// An ApplyReport with the plan's change counts filled in (nothing written yet).
[[nodiscard]] ApplyReport plannedCounts(const policy::Plan& plan);

// The configuration changes that carry out `plan`, in its order (plan.h): tag, services, rules
// added (each set on its own xpath, then moved above the bottom rule), edits, moves, deletes.
// InvalidInput when a name or text cannot be sent safely.
[[nodiscard]] Result<std::vector<ConfigOp>> planOps(const policy::Plan& plan,
                                                    const ConfigPaths& paths);

// The security-policy-match query for a flow: a sample address for the source block, the first
// port of the range, and the application unless it is "any".
[[nodiscard]] PolicyMatchQuery policyMatchQuery(const policy::Flow& flow,
                                                const FirewallOptions& options);

// Whether a flow is already allowed, from the rules a policy-match returned: managed rules are
// skipped; the first other rule decides (its action, or the rulebase's when the reply omits it).
[[nodiscard]] bool allowedByUnmanagedRule(const std::vector<MatchedRule>& matches,
                                          const policy::Rulebase& rulebase,
                                          std::string_view managed_tag);

class PanOsFirewall final : public Firewall {
 public:
  // Config error when the location cannot be addressed.
  [[nodiscard]] static Result<PanOsFirewall> create(PanOsClient& client, Clock& clock,
                                                    FirewallOptions options);

  [[nodiscard]] Result<policy::Rulebase> readRulebase() override;
  [[nodiscard]] Result<AllowedReport> alreadyAllowed(
      const std::vector<policy::Flow>& flows) override;
  [[nodiscard]] Result<ApplyReport> apply(const policy::Plan& plan) override;

  [[nodiscard]] RequestCounts requestCounts() const override { return client_->counts(); }
  // True when the last read found and reverted this administrator's leftover changes.
  [[nodiscard]] bool revertedLeftovers() const { return reverted_leftovers_; }

 private:
  PanOsFirewall(PanOsClient& client, Clock& clock, FirewallOptions options, ConfigPaths paths)
      : client_(&client), clock_(&clock), options_(std::move(options)), paths_(std::move(paths)) {}

  template <class Attempt>
  auto waitOutConflicts(Attempt&& attempt, std::string_view what, std::chrono::milliseconds& waited)
      -> decltype(attempt());
  [[nodiscard]] std::string othersLocks();
  [[nodiscard]] Error revertAfter(Error error);

  PanOsClient* client_;
  Clock* clock_;
  FirewallOptions options_;
  ConfigPaths paths_;
  std::optional<policy::Rulebase> snapshot_;
  bool reverted_leftovers_ = false;
};

}  // namespace trailwall::panos
