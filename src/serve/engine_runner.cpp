#include "serve/engine_runner.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "policy/naming.h"
#include "policy/plan.h"
#include "serve/monitor.h"

namespace trailwall::serve {
namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;

// Why a run failed, as the metrics name it.
struct Failure {
  std::string step;  // read, check, apply, aws, stopping
  std::string code;  // ErrorCode name
};

// The engine's firewall, watched: keeps the rulebase it read and the plan it was asked to
// apply, notes which step failed, and writes nothing once the daemon is stopping.
class WatchedFirewall final : public panos::Firewall {
 public:
  WatchedFirewall(panos::Firewall& inner, std::stop_token stop, std::optional<Failure>& failure)
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
  [[nodiscard]] Result<panos::AllowedReport> alreadyAllowed(
      const std::vector<policy::Flow>& flows) override {
    auto allowed = inner_.alreadyAllowed(flows);
    if (!allowed) note("check", allowed.error());
    return allowed;
  }
  [[nodiscard]] Result<panos::ApplyReport> apply(const policy::Plan& plan) override {
    planned = plan;
    if (stop_.stop_requested() && !plan.empty()) {
      failure_ = Failure{"stopping", std::string(errorLabel(ErrorCode::Conflict))};
      return fail(ErrorCode::Conflict,
                  "trailwall is stopping: nothing was written, the messages will be delivered "
                  "again");
    }
    attempted = !plan.empty();
    auto applied = inner_.apply(plan);
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
    if (!failure_) failure_ = Failure{std::string(step), std::string(errorLabel(error.code))};
  }

  panos::Firewall& inner_;
  std::stop_token stop_;
  std::optional<Failure>& failure_;
};

class WatchedInventory final : public engine::InventorySource {
 public:
  WatchedInventory(engine::InventorySource& inner, std::optional<Failure>& failure)
      : inner_(inner), failure_(failure) {}
  [[nodiscard]] Result<engine::LoadedInventory> load(const engine::Target& target,
                                                     const inventory::Scope& scope) override {
    auto loaded = inner_.load(target, scope);
    if (!loaded && !failure_) {
      failure_ = Failure{"aws", std::string(errorLabel(loaded.error().code))};
    }
    return loaded;
  }

 private:
  engine::InventorySource& inner_;
  std::optional<Failure>& failure_;
};

std::map<std::string, int> countsSince(const panos::RequestCounts& before,
                                       const panos::RequestCounts& after) {
  std::map<std::string, int> delta;
  for (const auto& [kind, n] : after.by_kind) {
    const int d = n - before.of(kind);
    if (d > 0) delta[kind] = d;
  }
  return delta;
}

// One delivery, decoded on its own.
struct Decoding {
  cloudtrail::Decoded decoded;
  bool fetch_failed = false;

  [[nodiscard]] bool unreadable() const {
    return !decoded.errors.empty() && decoded.changes.empty() && decoded.objects.empty() &&
           decoded.ignoredTotal() == 0;
  }
};

}  // namespace

std::vector<std::string> planLines(const policy::Plan& plan) {
  std::vector<std::string> lines;
  for (const auto& s : plan.add_services) lines.push_back("+ service " + s.name);
  for (const auto& r : plan.add_rules) lines.push_back("+ " + r.name);
  for (const auto& e : plan.edit_rules) {
    lines.push_back(fmt::format("~ {} ({})", e.after.name, fmt::join(e.changed, ", ")));
  }
  for (const auto& name : plan.move_rules) lines.push_back("> " + name + " (moved)");
  for (const auto& r : plan.delete_rules) lines.push_back("- " + r.name);
  for (const auto& s : plan.delete_services) lines.push_back("- service " + s.name);
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

RunResult EngineRunner::run(const std::vector<Delivery>& deliveries, RunKind kind,
                            std::stop_token stop) {
  RunResult result;
  RunSummary& summary = result.summary;
  summary.kind = kind;
  summary.started = clock_.now();
  summary.deliveries = deliveries.size();
  const auto started = clock_.steadyNow();

  // Each delivery on its own, so each gets its own outcome.
  std::vector<Decoding> decodings(deliveries.size());
  engine::Batch batch;
  for (std::size_t i = 0; i < deliveries.size(); ++i) {
    auto& d = decodings[i];
    decoder_.decode(std::string_view(deliveries[i].body), deliveries[i].id, d.decoded);
    for (std::size_t next = 0; next < d.decoded.objects.size(); ++next) {
      const auto object = d.decoded.objects[next];
      auto bytes = read_object_(object);
      if (!bytes) {
        d.fetch_failed = true;
        spdlog::error("event=log_file_unreadable message={} bucket={} key=\"{}\" error=\"{}\"",
                      deliveries[i].id, object.bucket, object.key, to_string(bytes.error()));
        continue;
      }
      decoder_.decode(*bytes, fmt::format("s3://{}/{}", object.bucket, object.key), d.decoded);
    }
    for (const auto& error : d.decoded.errors) {
      spdlog::error("event=bad_input message={} error=\"{}\"", deliveries[i].id, to_string(error));
    }
    for (const auto& change : d.decoded.changes) {
      ++summary.events[change.event_name];
      batch[engine::Target{change.account, change.region}].merge(change.scope);
      spdlog::info("event=change message={} name={} time={} account={} region={} id={}",
                   deliveries[i].id, change.event_name, change.event_time, change.account,
                   change.region, change.event_id);
    }
    for (std::size_t r = 0; r < cloudtrail::kIgnoreReasonCount; ++r) {
      if (const auto n = d.decoded.ignored_count[r]; n > 0) {
        summary.ignored[std::string(to_string(static_cast<cloudtrail::IgnoreReason>(r)))] +=
            static_cast<int>(n);
      }
    }
  }
  if (kind == RunKind::Full) batch[engine::Target{}].everything = true;

  std::optional<Failure> failure;
  WatchedFirewall firewall(firewall_, stop, failure);
  WatchedInventory inventory(inventory_, failure);
  const auto counts_before = firewall_.requestCounts();
  Result<engine::RunReport> report = fail(ErrorCode::Conflict, "");
  if (stop.stop_requested()) {
    failure = Failure{"stopping", std::string(errorLabel(ErrorCode::Conflict))};
    report = fail(ErrorCode::Conflict,
                  "trailwall is stopping: the run was not started, the messages will be "
                  "delivered again");
  } else {
    engine::Engine engine(options_, inventory, firewall, clock_);
    report = engine.run(batch, engine::Mode::Apply);
  }

  summary.ok = report.has_value();
  summary.firewall_requests = countsSince(counts_before, firewall_.requestCounts());
  summary.commit_attempted = firewall.attempted;
  if (firewall.planned) summary.changes = planLines(*firewall.planned);
  if (report) {
    summary.nothing_to_do = report->nothing_in_scope || report->plan.empty();
    summary.aws_calls = report->aws_calls;
    if (report->applied) {
      summary.commit_job = report->applied->commit_job;
      summary.commit_duration = report->applied->commit_duration;
    }
  } else {
    summary.error = report.error().message;
    summary.error_code = failure ? failure->code : std::string(errorLabel(report.error().code));
    summary.error_step = failure ? failure->step : std::string("plan");
  }
  if (firewall.read) {
    const bool committed = report && report->applied && firewall.planned;
    summary.managed_rules = managedRules(
        committed ? policy::applyPlan(*firewall.read, *firewall.planned) : *firewall.read,
        options_.managed_tag);
  }

  result.outcomes.reserve(deliveries.size());
  for (const auto& d : decodings) {
    if (d.unreadable()) {
      result.outcomes.push_back(Outcome::Unreadable);
    } else if (d.fetch_failed || !summary.ok) {
      result.outcomes.push_back(Outcome::Retry);
    } else {
      result.outcomes.push_back(Outcome::Done);
    }
  }
  summary.duration = duration_cast<milliseconds>(clock_.steadyNow() - started);
  return result;
}

}  // namespace trailwall::serve
