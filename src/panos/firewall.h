#pragma once
// The firewall as the engine sees it (DESIGN §4): read the rulebase (read-only, always), ask
// which flows it already allows, hold it for this run (hold.h), and apply a plan with one write
// and one partial commit while holding it. PanOsFirewall does this over the XML API with as few
// requests as the device allows; FakeFirewall (fake_firewall.h) keeps a rulebase in memory so
// the engine can be tested without a network.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <pugixml.hpp>

#include "common/clock.h"
#include "common/error.h"
#include "panos/client.h"
#include "panos/commands.h"
#include "panos/hold.h"
#include "panos/panorama.h"
#include "panos/poll_schedule.h"
#include "panos/run_lock.h"
#include "panos/xpath.h"
#include "policy/flows.h"
#include "policy/plan.h"
#include "policy/rule.h"
#include "policy/tag_layout.h"

namespace trailwall::panos {

// The outcome of the already-allowed check.
struct AllowedReport {
  policy::FlowSet allowed;  // flows a rule trailwall does not manage already allows
  int tests = 0;            // security-policy-match requests sent
  int untested = 0;         // distinct queries beyond the per-batch bound (treated as not allowed)
};

// The answers of the proof of enforcement: per flow, the rules `test security-policy-match`
// (without show-all: the deciding rule first) matched, or nullopt when the flow was not asked
// (beyond the per-call bound, or a flow no single test can show).
struct MatchAnswers {
  std::vector<std::optional<std::vector<MatchedRule>>> matches;  // one per flow, in order
  int tests = 0;     // security-policy-match requests sent
  int untested = 0;  // distinct queries beyond the bound
};

// This administrator's uncommitted changes in the candidate, as the last read saw them (nodes
// marked admin="…" dirtyId="…", API-NOTES §3.1): left by a run that stopped between write and
// commit, or being written by a run that holds the firewall now. Deletions carry no mark.
struct PendingChanges {
  std::vector<std::string> nodes;  // "security rule 'x'", "service 'y'", "tag 'z'", …
  bool others = false;             // another administrator has uncommitted changes too

  [[nodiscard]] bool empty() const { return nodes.empty(); }
};

// What sending User-ID registrations did (tag layout, userid.h), filled in as it goes.
struct RegistrationReport {
  int requests = 0;              // type=user-id requests sent
  std::size_t registered = 0;    // (address, tag) mappings sent in <register>
  std::size_t unregistered = 0;  // … in <unregister>
  std::size_t ignored = 0;       // entries the device answered "already exists" / "does not exist"
  bool sent = false;             // every message was accepted
};

// What applying a plan did, filled in as it goes, so a failure still says what was and was not
// done. `commit_job` is empty when no commit job was started (or found).
struct ApplyReport {
  std::string origin;  // the plan's origin (what caused it), for the commit description
  int changes = 0;     // configuration changes the plan makes
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
  std::chrono::milliseconds lock_wait{0};  // waiting for the hold and other administrators' locks
  bool written = false;                    // the changes reached the candidate configuration
  bool committed = false;                  // a commit job finished OK with them
  bool commit_unknown = false;  // the commit's outcome could not be learned (answer lost)
  bool reverted = false;        // this run's uncommitted changes were reverted
  std::string commit_lookup;    // how a lost commit answer was resolved, for the report
  // Audit comments (API-NOTES §15) on the rules added and changed, set after the write and
  // before the commit. Not setting them fails nothing (the descriptions carry the provenance):
  // `audit_comments_unsupported` says the device does not know the command (PAN-OS before 9.0),
  // `audit_comment_error` what else went wrong.
  int audit_comments = 0;  // set
  bool audit_comments_unsupported = false;
  std::string audit_comment_error;
  // Panorama (a device group): the push after the commit, also when it failed or was deferred.
  std::optional<PushReport> push;
};

class Firewall {
 public:
  virtual ~Firewall() = default;
  // The vsys' security rules in rulebase order, its service objects and tags, and the shared
  // ones. Read-only: never changes the candidate, the running configuration or a lock.
  [[nodiscard]] virtual Result<policy::Rulebase> readRulebase() = 0;
  // This administrator's uncommitted changes the last readRulebase() saw.
  [[nodiscard]] virtual const PendingChanges& pendingChanges() const = 0;
  // Whether uncommitted changes nobody's mark accounts for may be this administrator's (a
  // deletion leaves no mark): asks the device when the last read saw no marks at all. Read-only.
  [[nodiscard]] virtual Result<bool> unmarkedChangesPending() = 0;
  // Which of `flows` a rule trailwall does not manage already allows (the first matching rule
  // that is not managed has action allow). Read-only.
  [[nodiscard]] virtual Result<AllowedReport> alreadyAllowed(
      const std::vector<policy::Flow>& flows) = 0;
  // Which rules decide each of `flows` on the running configuration (the proof of enforcement),
  // at most max_policy_match_tests distinct tests per call. Read-only.
  [[nodiscard]] virtual Result<MatchAnswers> matchFlows(const std::vector<policy::Flow>& flows) = 0;
  // The same with show-all: every rule that matches each flow, in rulebase order (the proof of a
  // migration step, where an older rule above decides the flow too). Read-only.
  [[nodiscard]] virtual Result<MatchAnswers> matchFlowsAll(
      const std::vector<policy::Flow>& flows) = 0;
  // Tag layout: every IP-to-tag registration on the firewall, anybody's (`show object
  // registered-ip`, paged). Read-only.
  [[nodiscard]] virtual Result<policy::Mappings> readRegistrations() = 0;
  // While holding: registers and unregisters `changes` (registrations with `timeout_seconds`) in
  // as few User-ID requests as the body limit allows; no commit. An error names the entries the
  // device refused; `report` says what was sent.
  [[nodiscard]] virtual Status sendRegistrations(const policy::RegistrationChanges& changes,
                                                 std::int64_t timeout_seconds, Hold& hold,
                                                 RegistrationReport& report) = 0;
  // Holds the firewall for this run (one writer per firewall, hold.h), waiting a bounded time
  // for another run. Conflict "firewall X is busy with run R since T" when it cannot.
  [[nodiscard]] virtual Result<std::unique_ptr<Hold>> hold() = 0;
  // While holding: waits for this administrator's unfinished commits, then reverts its
  // uncommitted changes (a stopped run's leftovers).
  [[nodiscard]] virtual Status revertLeftovers(Hold& hold) = 0;
  // While holding: writes `plan` and commits this administrator's changes; an empty plan writes
  // nothing. `report` says what was done, also when an error comes back. On a failed commit the
  // run's candidate changes are reverted and the error holds the job's messages; a commit that
  // finds nothing to commit after the write is an error.
  [[nodiscard]] virtual Status apply(const policy::Plan& plan, Hold& hold, ApplyReport& report) = 0;
  // Requests sent so far, by kind (see RequestCounts), for the run's report.
  [[nodiscard]] virtual RequestCounts requestCounts() const = 0;
};

struct FirewallOptions {
  Location location;
  std::string from_zone = "untrust";  // security-policy-match source zone
  std::string to_zone = "trust";
  std::string managed_tag = "trailwall";
  int max_policy_match_tests = 200;  // distinct tests per batch
  // Tests (and audit comments) in flight at once. The vendor advises at most five concurrent API
  // calls; the CLI sends 4. 1 (sequential) keeps scripted transports in tests deterministic.
  int policy_match_concurrency = 1;
  // Another administrator's lock (or a running commit), and another trailwall run's hold, are
  // waited out this long; other administrators' locks are polled every lock_poll_interval,
  // another run's hold on hold_poll.
  std::chrono::milliseconds lock_wait_timeout{std::chrono::minutes(5)};
  std::chrono::milliseconds lock_poll_interval{std::chrono::seconds(10)};
  PollSchedule hold_poll;
  // A hold older than this is a crashed run's and is taken over (run_lock.h).
  std::chrono::milliseconds hold_lease{std::chrono::minutes(16)};
  std::string name;            // how messages name the firewall (its host)
  std::string run_id = "run";  // this run, in the hold's lock comment and the commit's
  std::string commit_description = "trailwall";  // "trailwall run <run-id>: +a ~e -d rules"
  // Panorama (location.device_group set): whether to push after the commit (panorama.h).
  PushPolicy push = PushPolicy::Auto;
};

// An ApplyReport with the plan's change counts filled in (nothing written yet).
[[nodiscard]] ApplyReport plannedCounts(const policy::Plan& plan);

// The audit comment of a rule with `description` (origin | last change: …, provenance.h) within
// kMaxAuditCommentLength bytes: the origin is shortened before the change is.
[[nodiscard]] std::string auditCommentText(std::string_view description);

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
// skipped (a rule `rulebase` lacks is taken as managed when its name has the managed pattern:
// another run committed it after the read); the first other rule decides (its action, or the
// rulebase's when the reply omits it).
[[nodiscard]] bool allowedByUnmanagedRule(const std::vector<MatchedRule>& matches,
                                          const policy::Rulebase& rulebase,
                                          std::string_view managed_tag);

// The description of this run's commit, and how a lost commit answer is recognised among the
// device's jobs: "<prefix> run <run-id>: <origin>, +a ~e -d rules" (origin: "3 events
// (StartInstances by arn:…)", see policy/provenance.h), at most 512 characters (API-NOTES §15).
[[nodiscard]] std::string commitDescription(const FirewallOptions& options,
                                            const ApplyReport& counts);
// Whether `job` is this run's commit: a Commit by `admin` whose description names the run.
[[nodiscard]] bool isRunsCommit(const Job& job, std::string_view admin, std::string_view run_id);

// This administrator's marked nodes in a get result, described for people (at most `limit`,
// then "and N more").
[[nodiscard]] PendingChanges pendingChangesIn(const pugi::xml_node& result, std::string_view admin,
                                              std::size_t limit = 20);

class PanOsFirewall final : public Firewall {
 public:
  // Config error when the location cannot be addressed; InvalidInput for a bad run id.
  [[nodiscard]] static Result<PanOsFirewall> create(PanOsClient& client, Clock& clock,
                                                    FirewallOptions options);

  [[nodiscard]] Result<policy::Rulebase> readRulebase() override;
  [[nodiscard]] const PendingChanges& pendingChanges() const override { return pending_; }
  [[nodiscard]] Result<bool> unmarkedChangesPending() override;
  [[nodiscard]] Result<AllowedReport> alreadyAllowed(
      const std::vector<policy::Flow>& flows) override;
  [[nodiscard]] Result<MatchAnswers> matchFlows(const std::vector<policy::Flow>& flows) override;
  [[nodiscard]] Result<MatchAnswers> matchFlowsAll(const std::vector<policy::Flow>& flows) override;
  [[nodiscard]] Result<policy::Mappings> readRegistrations() override;
  [[nodiscard]] Status sendRegistrations(const policy::RegistrationChanges& changes,
                                         std::int64_t timeout_seconds, Hold& hold,
                                         RegistrationReport& report) override;
  [[nodiscard]] Result<std::unique_ptr<Hold>> hold() override;
  [[nodiscard]] Status revertLeftovers(Hold& hold) override;
  [[nodiscard]] Status apply(const policy::Plan& plan, Hold& hold, ApplyReport& report) override;

  [[nodiscard]] RequestCounts requestCounts() const override { return client_->counts(); }

  // Panorama: the managed firewalls of the device group, asked directly what Panorama cannot
  // answer — security-policy-match (already-allowed check, proof) and User-ID registrations
  // (tag layout; sent to every one of them, never needing a push). Without them a Panorama run
  // checks and proves nothing (flows untested) and cannot use the tag layout.
  void setDeviceClients(std::vector<PanOsClient*> devices) { devices_ = std::move(devices); }
  [[nodiscard]] bool panorama() const { return !options_.location.device_group.empty(); }

 private:
  PanOsFirewall(PanOsClient& client, Clock& clock, FirewallOptions options, ConfigPaths paths)
      : client_(&client), clock_(&clock), options_(std::move(options)), paths_(std::move(paths)) {}

  template <class Attempt>
  auto waitOutConflicts(Attempt&& attempt, std::string_view what, std::chrono::milliseconds& waited)
      -> decltype(attempt());
  [[nodiscard]] std::string othersLocks();
  [[nodiscard]] Error revertAfter(Error error, ApplyReport& report);
  [[nodiscard]] Status readShared();
  // Commits after the write; fills the commit fields of `report`.
  [[nodiscard]] Status commit(ApplyReport& report);
  // The commit request whose answer was lost: this run's job among the device's jobs.
  [[nodiscard]] Result<std::optional<Job>> findRunsCommit();
  [[nodiscard]] Status waitForOwnCommits();
  // Sets the audit comment of every rule `plan` adds or edits; fills the audit fields of `report`.
  void writeAuditComments(const policy::Plan& plan, ApplyReport& report);
  // The distinct queries of `flows` (show_all as given), at most max_policy_match_tests; which
  // query each flow maps to; how many distinct ones were left out.
  struct Queries {
    std::vector<PolicyMatchQuery> queries;
    std::vector<std::optional<std::size_t>> of_flow;
    int untested = 0;
  };
  [[nodiscard]] Result<Queries> distinctQueries(const std::vector<policy::Flow>& flows,
                                                bool show_all) const;
  // Runs task(0) … task(count - 1): the first alone, the rest a few at a time
  // (policy_match_concurrency) when the first took long enough to be worth more connections.
  void concurrently(std::size_t count, const std::function<void(std::size_t)>& task);
  // Sends the tests, a few in flight at once (policy_match_concurrency).
  [[nodiscard]] std::vector<Result<std::vector<MatchedRule>>> runTests(
      const std::vector<PolicyMatchQuery>& queries);
  [[nodiscard]] Result<MatchAnswers> match(const std::vector<policy::Flow>& flows, bool show_all);
  // Panorama: the version and the device group's sync state, read before this run's commit.
  struct PanoramaState {
    std::optional<SoftwareVersion> version;
    std::string version_text;
    std::vector<GroupDevice> devices;
  };
  [[nodiscard]] Result<PanoramaState> readPanoramaState();
  // Panorama: after the commit, pushes (or not, panorama.h decidePush); fills report.push.
  [[nodiscard]] Status push(const PanoramaState& before, ApplyReport& report);
  // Where policy-match tests and User-ID messages go: the firewall itself, or on Panorama the
  // first managed firewall given (nullptr: none).
  [[nodiscard]] PanOsClient* deviceClient() const;

  PanOsClient* client_;
  Clock* clock_;
  FirewallOptions options_;
  ConfigPaths paths_;
  std::optional<policy::Rulebase> snapshot_;
  std::optional<policy::Rulebase> shared_;  // shared services and tags, read once per run
  PendingChanges pending_;
  std::string audit_comments_refused_;  // the device's refusal of set audit-comment, once seen
  std::vector<PanOsClient*> devices_;   // Panorama: the managed firewalls (setDeviceClients)
  // Panorama: this run committed changes the firewalls do not run (push never, deferred or
  // failed), so asking them what they enforce proves nothing: such flows are not asked.
  bool unpushed_ = false;
};

}  // namespace trailwall::panos
