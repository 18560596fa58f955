#include "serve/serve_runner.h"

#include <fmt/format.h>

#include "policy/naming.h"
#include "serve/monitor.h"

namespace trailwall::serve {
namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;

// The id of the delivery that makes a run a full reconcile (runner::reconcileDelivery).
constexpr std::string_view kReconcileId = "trailwall-serve-reconcile";

}  // namespace

// Not in the anonymous namespace: ServeRunner::Watched (a member type) holds them.
// Why a run failed, as the metrics name it.
struct RunFailure {
  std::string step;  // read, check, hold, apply, aws, stopping
  std::string code;  // errorLabel()
};

// The engine's firewall, watched: keeps the rulebase it read and the plan it was asked to
// apply, notes the step that failed, and writes nothing once the daemon is stopping.
class WatchedFirewall final : public panos::Firewall {
 public:
  WatchedFirewall(panos::Firewall& inner, std::stop_token stop, std::optional<RunFailure>& failure)
      : inner_(inner), stop_(std::move(stop)), failure_(failure) {}

  [[nodiscard]] Result<policy::Rulebase> readRulebase() override {
    auto rulebase = inner_.readRulebase();
    if (rulebase) {
      read = *rulebase;
    } else {
      note("read", rulebase.error());
    }
    return rulebase;
  }
  [[nodiscard]] const panos::PendingChanges& pendingChanges() const override {
    return inner_.pendingChanges();
  }
  [[nodiscard]] Result<bool> unmarkedChangesPending() override {
    auto pending = inner_.unmarkedChangesPending();
    if (!pending) note("read", pending.error());
    return pending;
  }
  [[nodiscard]] Result<panos::AllowedReport> alreadyAllowed(
      const std::vector<policy::Flow>& flows) override {
    auto allowed = inner_.alreadyAllowed(flows);
    if (!allowed) note("check", allowed.error());
    return allowed;
  }
  [[nodiscard]] Result<panos::MatchAnswers> matchFlows(
      const std::vector<policy::Flow>& flows) override {
    auto answers = inner_.matchFlows(flows);
    if (!answers) note("check", answers.error());
    return answers;
  }
  [[nodiscard]] Result<panos::MatchAnswers> matchFlowsAll(
      const std::vector<policy::Flow>& flows) override {
    auto answers = inner_.matchFlowsAll(flows);
    if (!answers) note("check", answers.error());
    return answers;
  }
  [[nodiscard]] Result<policy::Mappings> readRegistrations() override {
    auto registrations = inner_.readRegistrations();
    if (!registrations) note("read", registrations.error());
    return registrations;
  }
  [[nodiscard]] Status sendRegistrations(const policy::RegistrationChanges& changes,
                                         std::int64_t timeout_seconds, panos::Hold& hold,
                                         panos::RegistrationReport& report) override {
    if (stop_.stop_requested() && !changes.empty()) {
      failure_ = RunFailure{"stopping", std::string(errorLabel(ErrorCode::Conflict))};
      return fail(ErrorCode::Conflict,
                  "trailwall is stopping: no registration was sent, the messages will be "
                  "delivered again");
    }
    auto sent = inner_.sendRegistrations(changes, timeout_seconds, hold, report);
    if (!sent) note("apply", sent.error());
    return sent;
  }
  [[nodiscard]] Result<std::unique_ptr<panos::Hold>> hold() override {
    auto held = inner_.hold();
    if (!held) note("hold", held.error());
    return held;
  }
  [[nodiscard]] Status revertLeftovers(panos::Hold& hold) override {
    auto reverted = inner_.revertLeftovers(hold);
    if (!reverted) note("apply", reverted.error());
    return reverted;
  }
  [[nodiscard]] Status apply(const policy::Plan& plan, panos::Hold& hold,
                             panos::ApplyReport& report) override {
    planned = plan;
    if (stop_.stop_requested() && !plan.empty()) {
      failure_ = RunFailure{"stopping", std::string(errorLabel(ErrorCode::Conflict))};
      return fail(ErrorCode::Conflict,
                  "trailwall is stopping: nothing was written, the messages will be delivered "
                  "again");
    }
    attempted = !plan.empty();
    auto applied = inner_.apply(plan, hold, report);
    if (!applied) note("apply", applied.error());
    return applied;
  }
  [[nodiscard]] panos::RequestCounts requestCounts() const override {
    return inner_.requestCounts();
  }

  std::optional<policy::Rulebase> read;
  std::optional<policy::Plan> planned;
  bool attempted = false;

 private:
  void note(std::string_view step, const Error& error) {
    if (!failure_) failure_ = RunFailure{std::string(step), std::string(errorLabel(error.code))};
  }

  panos::Firewall& inner_;
  std::stop_token stop_;
  std::optional<RunFailure>& failure_;
};

class WatchedInventory final : public engine::InventorySource {
 public:
  WatchedInventory(engine::InventorySource& inner, std::optional<RunFailure>& failure)
      : inner_(inner), failure_(failure) {}
  [[nodiscard]] Result<engine::LoadedInventory> load(const engine::Target& target,
                                                     const inventory::Scope& scope) override {
    auto loaded = inner_.load(target, scope);
    if (!loaded && !failure_)
      failure_ = RunFailure{"aws", std::string(errorLabel(loaded.error().code))};
    return loaded;
  }

 private:
  engine::InventorySource& inner_;
  std::optional<RunFailure>& failure_;
};

namespace {

std::map<std::string, int> countsSince(const panos::RequestCounts& before,
                                       const panos::RequestCounts& after) {
  std::map<std::string, int> delta;
  for (const auto& [kind, n] : after.by_kind) {
    const int d = n - before.of(kind);
    if (d > 0) delta[kind] = d;
  }
  return delta;
}

Outcome outcomeOf(runner::Status status) {
  switch (status) {
    case runner::Status::Done: return Outcome::Done;
    case runner::Status::Retry: return Outcome::Retry;
    case runner::Status::Unreadable: return Outcome::Unreadable;
  }
  return Outcome::Retry;
}

}  // namespace

std::vector<std::string> planLines(const policy::Plan& plan) {
  std::vector<std::string> lines;
  for (const auto& g : plan.set_address_groups) lines.push_back("+ address group " + g.name);
  for (const auto& s : plan.add_services) lines.push_back("+ service " + s.name);
  for (const auto& r : plan.add_rules) lines.push_back("+ " + r.name);
  for (const auto& e : plan.edit_rules) {
    lines.push_back(fmt::format("~ {} ({})", e.after.name, fmt::join(e.changed, ", ")));
  }
  for (const auto& name : plan.move_rules) lines.push_back("> " + name + " (moved)");
  for (const auto& r : plan.delete_rules) lines.push_back("- " + r.name);
  for (const auto& s : plan.delete_services) lines.push_back("- service " + s.name);
  for (const auto& g : plan.delete_address_groups) lines.push_back("- address group " + g.name);
  return lines;
}

std::vector<ManagedRule> managedRules(const policy::Rulebase& rulebase,
                                      std::string_view managed_tag) {
  std::vector<ManagedRule> rules;
  for (const auto& r : rulebase.rules) {
    if (!policy::isManagedRule(r, managed_tag)) continue;
    rules.push_back({r.name, r.description, r.source, r.destination, r.application, r.service});
  }
  return rules;
}

struct ServeRunner::Watched {
  Watched(panos::Firewall& inner, std::stop_token stop)
      : firewall(inner, std::move(stop), failure) {}
  std::optional<RunFailure> failure;
  WatchedFirewall firewall;
};

ServeRunner::ServeRunner(runner::RunnerOptions options, std::vector<runner::FleetMember> fleet,
                         engine::InventorySource& inventory,
                         std::map<std::string, panos::Firewall*, std::less<>> firewalls,
                         runner::LogReader& logs, Clock& clock)
    : inventory_(inventory),
      firewalls_(std::move(firewalls)),
      clock_(clock),
      runner_(
          std::move(options), fleet,
          [this]() -> Result<engine::InventorySource*> { return current_inventory_; },
          [this](std::string_view name) -> Result<panos::Firewall*> {
            const auto it = current_.find(name);
            if (it == current_.end()) {
              return fail(ErrorCode::Internal, fmt::format("no firewall named '{}'", name));
            }
            return &it->second->firewall;
          },
          logs, clock) {
  for (const auto& member : fleet) managed_tags_[member.name] = member.policy.managed_tag;
}

ServeRunner::ServeRunner(runner::RunnerOptions options, policy::Options policy,
                         engine::InventorySource& inventory, panos::Firewall& firewall,
                         runner::LogReader& logs, Clock& clock)
    : ServeRunner(std::move(options),
                  {runner::FleetMember{std::string(runner::kDefaultFirewall), std::move(policy)}},
                  inventory, {{std::string(runner::kDefaultFirewall), &firewall}}, logs, clock) {}

ServeRunner::~ServeRunner() = default;

RunResult ServeRunner::run(const std::vector<Delivery>& deliveries, RunKind kind,
                           std::stop_token stop) {
  RunResult result;
  RunSummary& summary = result.summary;
  summary.kind = kind;
  summary.started = clock_.now();
  summary.deliveries = deliveries.size();
  const auto started = clock_.steadyNow();

  if (stop.stop_requested()) {  // not started: nothing read, nothing written
    summary.error = "trailwall is stopping: the run was not started";
    summary.error_step = "stopping";
    summary.error_code = errorLabel(ErrorCode::Conflict);
    result.outcomes.assign(deliveries.size(), Outcome::Retry);
    return result;
  }

  std::vector<runner::Delivery> batch;
  batch.reserve(deliveries.size() + 1);
  for (const auto& d : deliveries) {
    batch.push_back({d.id, cloudtrail::PaddedBytes(d.body), fmt::format("sqs message {}", d.id)});
  }
  if (kind == RunKind::Full) batch.push_back(runner::reconcileDelivery(std::string(kReconcileId)));

  std::optional<RunFailure> failure;  // the inventory's (read before any firewall's run)
  WatchedInventory inventory(inventory_, failure);
  std::map<std::string, panos::RequestCounts, std::less<>> counts_before;
  for (const auto& [name, firewall] : firewalls_) {
    current_.emplace(name, std::make_unique<Watched>(*firewall, stop));
    counts_before.emplace(name, firewall->requestCounts());
  }
  current_inventory_ = &inventory;
  auto batch_result = runner_.run(batch);
  current_inventory_ = nullptr;

  for (std::size_t i = 0; i < deliveries.size(); ++i) {
    result.outcomes.push_back(i < batch_result.outcomes.size()
                                  ? outcomeOf(batch_result.outcomes[i].status)
                                  : Outcome::Retry);
  }
  for (const auto& change : batch_result.decoded.changes) {
    if (change.source == kReconcileId) continue;  // the daemon's own schedule is not an event
    ++summary.events[change.event_name];
  }
  for (std::size_t r = 0; r < cloudtrail::kIgnoreReasonCount; ++r) {
    if (const auto n = batch_result.decoded.ignored_count[r]; n > 0) {
      summary.ignored[std::string(to_string(static_cast<cloudtrail::IgnoreReason>(r)))] +=
          static_cast<int>(n);
    }
  }

  const bool fleet = firewalls_.size() > 1;
  summary.ok = true;
  summary.nothing_to_do = batch_result.runs.empty();
  for (const auto& run : batch_result.runs) {
    summary.firewalls[run.firewall] = run.succeeded();
    const auto& watched = *current_.at(run.firewall);
    if (run.report) {
      summary.aws_calls += run.report->aws_calls;
      summary.nothing_to_do = run.report->nothing_in_scope || run.report->plan.empty();
      // The job that committed (a failed commit has a job too: it counts as a failed commit).
      if (run.report->applied && run.report->applied->committed && !summary.commit_job) {
        summary.commit_job = run.report->applied->commit_job;
        summary.commit_duration = run.report->applied->commit_duration;
      }
    }
    for (const auto& [request, n] : countsSince(counts_before.at(run.firewall),
                                                firewalls_.at(run.firewall)->requestCounts())) {
      summary.firewall_requests[request] += n;
    }
    summary.commit_attempted = summary.commit_attempted || watched.firewall.attempted;
    const std::string prefix = fleet ? run.firewall + ": " : std::string();
    if (watched.firewall.planned) {
      for (auto& line : planLines(*watched.firewall.planned)) {
        summary.changes.push_back(prefix + line);
      }
    }
    if (watched.firewall.read) {
      const bool committed = run.succeeded() && run.report && run.report->applied &&
                             run.report->applied->committed && watched.firewall.planned;
      auto rules = managedRules(
          committed ? policy::applyPlan(*watched.firewall.read, *watched.firewall.planned)
                    : *watched.firewall.read,
          managed_tags_.at(run.firewall));
      if (!summary.managed_rules) summary.managed_rules.emplace();
      for (auto& rule : rules) {
        if (fleet) rule.name = prefix + rule.name;
        summary.managed_rules->push_back(std::move(rule));
      }
    }
    if (run.succeeded() || !summary.ok) continue;
    summary.ok = false;
    const Error error = run.error.value_or(Error{ErrorCode::Internal, "the run left no report"});
    const auto& why = watched.failure ? watched.failure : failure;
    summary.error =
        fleet ? fmt::format("firewall {}: {}", run.firewall, error.message) : error.message;
    summary.error_step = why ? why->step : std::string("plan");
    summary.error_code = why ? why->code : std::string(errorLabel(error.code));
  }
  current_.clear();
  summary.duration = duration_cast<milliseconds>(clock_.steadyNow() - started);
  return result;
}

}  // namespace trailwall::serve
