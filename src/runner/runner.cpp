#include "runner/runner.h"

#include <algorithm>
#include <atomic>
#include <iterator>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <utility>
#include <variant>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "engine/failover.h"
#include "runner/log_text.h"

namespace trailwall::runner {
namespace {

using std::chrono::steady_clock;

template <class T>
void append(std::vector<T>& into, std::vector<T>&& from) {
  into.insert(into.end(), std::make_move_iterator(from.begin()),
              std::make_move_iterator(from.end()));
}

std::string objectName(const cloudtrail::LogObject& object) {
  return fmt::format("s3://{}/{}", object.bucket, object.key);
}

// One delivery while the batch is handled.
struct Work {
  cloudtrail::Decoded decoded;
  std::optional<Error> fetch_error;  // a log file it names could not be fetched (worth a retry)
  std::vector<Error> unreadable;     // log files it names that are gone (NotFound)
};

// A log file fetched for the batch: its decoding, or why it could not be fetched.
using Fetched = std::variant<cloudtrail::Decoded, Error>;

bool pastDeadline(const std::optional<steady_clock::time_point>& deadline, const Clock& clock) {
  return deadline && clock.steadyNow() >= *deadline;
}

std::string doneReason(const Outcome& outcome, const cloudtrail::Decoded& decoded,
                       const FirewallRun* run) {
  if (outcome.changes == 0) {
    const auto ignored = decoded.ignoredTotal();
    if (ignored == 0) return "nothing to do: no records";
    return fmt::format("nothing to do: {} record{} ignored", ignored, ignored == 1 ? "" : "s");
  }
  if (run == nullptr || !run->report) return "nothing in scope";
  const auto& report = *run->report;
  if (report.nothing_in_scope) return "nothing in scope";
  if (report.plan.empty() && report.outcome.registered) {
    return fmt::format("registered through User-ID ({} request(s), no commit)",
                       report.registrations->sent ? report.registrations->sent->requests : 0);
  }
  if (report.plan.empty() && !report.registrationsPending()) return "nothing to change";
  if (report.plan.empty() && report.mode == engine::Mode::Plan) {
    return "registrations pending (dry run)";
  }
  if (report.mode == engine::Mode::Plan) {
    return fmt::format("planned {} changes (dry run)", report.plan.changeCount());
  }
  if (report.applied && report.applied->commit_job) {
    return fmt::format("committed (job {})", *report.applied->commit_job);
  }
  return "written; the firewall had nothing to commit";
}

}  // namespace

BatchInventory::BatchInventory(engine::InventorySource& source) : source_(source) {}

trailwall::Status BatchInventory::prime(const engine::Target& target,
                                        const inventory::Scope& scope) {
  const std::lock_guard lock(mutex_);
  auto loaded = source_.load(target, scope);
  if (!loaded) return std::unexpected(loaded.error());
  loaded_.insert_or_assign(target, Entry{std::move(*loaded), false});
  return {};
}

const inventory::Inventory* BatchInventory::inventory(const engine::Target& target) {
  const std::lock_guard lock(mutex_);
  const auto it = loaded_.find(target);
  return it == loaded_.end() ? &empty_ : &it->second.loaded.inventory;
}

Result<engine::LoadedInventory> BatchInventory::load(const engine::Target& target,
                                                     const inventory::Scope& scope) {
  const std::lock_guard lock(mutex_);
  auto it = loaded_.find(target);
  if (it == loaded_.end()) {  // not primed: load it now, once
    auto loaded = source_.load(target, scope);
    if (!loaded) return std::unexpected(loaded.error());
    it = loaded_.insert_or_assign(target, Entry{std::move(*loaded), false}).first;
  }
  engine::LoadedInventory copy = it->second.loaded;
  if (it->second.handed_out) {
    copy.aws_calls = 0;
    copy.calls_summary = "read once for the batch (another firewall's run counts the calls)";
  }
  it->second.handed_out = true;
  return copy;
}

std::string_view to_string(Status status) {
  switch (status) {
    case Status::Done: return "done";
    case Status::Retry: return "retry";
    case Status::Unreadable: return "unreadable";
  }
  return "unknown";
}

bool BatchResult::allDone() const {
  return std::ranges::all_of(outcomes, [](const Outcome& o) { return o.status == Status::Done; });
}

std::size_t BatchResult::count(Status status) const {
  return static_cast<std::size_t>(
      std::ranges::count_if(outcomes, [status](const Outcome& o) { return o.status == status; }));
}

Delivery reconcileDelivery(std::string id) {
  constexpr std::string_view kScheduledEvent =
      R"({"version":"0","detail-type":"Scheduled Event","source":"aws.events","detail":{}})";
  return Delivery{std::move(id), cloudtrail::PaddedBytes(kScheduledEvent), {}};
}

void mergeDecoded(cloudtrail::Decoded& into, cloudtrail::Decoded&& from) {
  append(into.changes, std::move(from.changes));
  append(into.objects, std::move(from.objects));
  append(into.ignored, std::move(from.ignored));
  append(into.errors, std::move(from.errors));
  for (std::size_t i = 0; i < into.ignored_count.size(); ++i) {
    into.ignored_count[i] += from.ignored_count[i];
  }
  into.records += from.records;
}

Runner::Runner(RunnerOptions options, std::vector<FleetMember> fleet, InventoryProvider inventory,
               FirewallProvider firewall, LogReader& logs, Clock& clock)
    : options_(std::move(options)),
      fleet_(std::move(fleet)),
      inventory_(std::move(inventory)),
      firewall_(std::move(firewall)),
      logs_(logs),
      clock_(clock),
      decoder_(options_.decode) {}

Runner::Runner(RunnerOptions options, policy::Options policy, InventoryProvider inventory,
               SingleFirewallProvider firewall, LogReader& logs, Clock& clock)
    : Runner(
          std::move(options), {FleetMember{std::string(kDefaultFirewall), std::move(policy)}},
          std::move(inventory),
          [single = std::move(firewall)](std::string_view) { return single(); }, logs, clock) {}

std::vector<FirewallRun> Runner::runFleet(const engine::Batch& batch,
                                          const std::vector<engine::Batch>& scopes,
                                          const engine::EngineOptions& engine_options,
                                          std::optional<steady_clock::time_point> deadline,
                                          std::vector<std::set<std::string>>& touched) {
  const auto in_scope = [](const engine::Batch& b) {
    return std::ranges::any_of(b, [](const auto& t) { return !t.second.empty(); });
  };
  // Every firewall fails alike (nothing could be read): each delivery touches them all.
  const auto all_failed = [&](const Error& error) {
    std::vector<FirewallRun> runs;
    for (const auto& member : fleet_) {
      FirewallRun run;
      run.firewall = member.name;
      run.error = error;
      spdlog::error("event=run_failed firewall={} attempted=false error={}", run.firewall,
                    quoteValue(to_string(error)));
      runs.push_back(std::move(run));
    }
    for (std::size_t i = 0; i < scopes.size(); ++i) {
      if (!in_scope(scopes[i])) continue;
      for (const auto& member : fleet_) touched[i].insert(member.name);
    }
    return runs;
  };
  if (pastDeadline(deadline, clock_)) {
    return all_failed(Error{ErrorCode::Timeout, "not started: the deadline has passed"});
  }
  auto source = inventory_();
  if (!source) return all_failed(source.error());

  if (fleet_.size() == 1) {  // nothing to split: the engine loads what it needs
    for (std::size_t i = 0; i < scopes.size(); ++i) {
      if (in_scope(scopes[i])) touched[i].insert(fleet_.front().name);
    }
    return {runFirewall(fleet_.front(), batch, **source, engine_options, deadline)};
  }

  // AWS read once per account and region for the whole batch, shared by every firewall's run.
  BatchInventory shared(**source);
  for (const auto& [target, scope] : batch) {
    if (scope.empty()) continue;
    if (auto loaded = shared.prime(target, scope); !loaded) {
      return all_failed(loaded.error().withContext("loading AWS inventory"));
    }
  }
  std::map<std::string, engine::Batch, std::less<>> split;  // firewall → its scopes
  for (std::size_t i = 0; i < scopes.size(); ++i) {
    for (const auto& [target, scope] : scopes[i]) {
      if (scope.empty()) continue;
      for (const auto& name : firewallsTouched(scope, *shared.inventory(target), fleet_)) {
        touched[i].insert(name);
        split[name][target].merge(scope);
      }
    }
  }
  std::vector<const FleetMember*> members;
  for (const auto& member : fleet_) {
    if (split.contains(member.name)) members.push_back(&member);
  }
  std::vector<FirewallRun> runs(members.size());
  std::atomic<std::size_t> next{0};
  const auto work = [&] {
    for (std::size_t k = next++; k < members.size(); k = next++) {
      const auto& member = *members[k];
      spdlog::info("event=firewall_run firewall={}", member.name);
      runs[k] =
          runFirewall(member, split.find(member.name)->second, shared, engine_options, deadline);
    }
  };
  const std::size_t threads =
      std::min(std::max<std::size_t>(1, options_.max_parallel_firewalls), members.size());
  {
    std::vector<std::jthread> pool;
    for (std::size_t t = 1; t < threads; ++t) pool.emplace_back(work);
    work();
  }  // joined
  return runs;
}

FirewallRun Runner::runFirewall(const FleetMember& member, const engine::Batch& batch,
                                engine::InventorySource& inventory,
                                const engine::EngineOptions& engine_options,
                                std::optional<steady_clock::time_point> deadline) {
  FirewallRun run;
  run.firewall = member.name;
  if (pastDeadline(deadline, clock_)) {
    run.error = Error{ErrorCode::Timeout, "not started: the deadline has passed"};
  } else if (auto firewall = firewall_(member.name); !firewall) {
    run.error = firewall.error();
  } else {
    engine::Engine engine(member.policy, inventory, **firewall, clock_, engine_options);
    if (deadline) engine.setDeadline(engine::Deadline{*deadline, options_.write_budget});
    run.attempted = true;
    engine::RunReport progress;
    auto report = engine::runRetryingFailover(engine, batch, options_.mode, &progress);
    if (report) {
      run.report = std::move(*report);
    } else {
      run.report = std::move(progress);  // what the run did up to the failure
      run.error = report.error();
    }
  }
  if (run.error) {
    spdlog::error("event=run_failed firewall={} attempted={} error={}", run.firewall, run.attempted,
                  quoteValue(to_string(*run.error)));
  }
  return run;
}

BatchResult Runner::run(std::span<const Delivery> deliveries,
                        std::optional<steady_clock::time_point> deadline) {
  BatchResult result;
  std::vector<Work> work(deliveries.size());

  // 1. Each delivery on its own, so each can be answered for on its own.
  for (std::size_t i = 0; i < deliveries.size(); ++i) {
    const auto& delivery = deliveries[i];
    const std::string& source = delivery.source.empty() ? delivery.id : delivery.source;
    decoder_.decode(delivery.bytes, source, work[i].decoded);
  }

  // 2. The log files they name, each fetched and decoded once per batch.
  std::map<std::pair<std::string, std::string>, Fetched> fetched;
  for (auto& item : work) {
    for (std::size_t next = 0; next < item.decoded.objects.size(); ++next) {
      const auto object = item.decoded.objects[next];
      const auto key = std::make_pair(object.bucket, object.key);
      auto it = fetched.find(key);
      if (it == fetched.end()) {
        if (pastDeadline(deadline, clock_)) {
          item.fetch_error = Error{ErrorCode::Timeout,
                                   objectName(object) + ": not fetched, the deadline has passed"};
          continue;  // not cached: another delivery's turn sees the same deadline
        }
        auto bytes = logs_.read(object);
        if (!bytes) {
          it = fetched.emplace(key, bytes.error()).first;
        } else {
          cloudtrail::Decoded decoded;
          decoder_.decode(*bytes, objectName(object), decoded);
          it = fetched.emplace(key, std::move(decoded)).first;
        }
      }
      if (const auto* error = std::get_if<Error>(&it->second)) {
        spdlog::warn("event=log_file_unavailable object={} error={}",
                     quoteValue(objectName(object)), quoteValue(error->message));
        if (error->code == ErrorCode::NotFound) {
          item.unreadable.push_back(*error);
        } else if (!item.fetch_error) {
          item.fetch_error = *error;
        }
        continue;
      }
      mergeDecoded(item.decoded, cloudtrail::Decoded(std::get<cloudtrail::Decoded>(it->second)));
    }
  }

  // 3. One scope per account and region for the whole batch, and for each delivery (to split it
  // by firewall).
  engine::Batch batch;
  std::vector<engine::Batch> scopes(work.size());
  engine::EngineOptions engine_options;  // the changes, for provenance in what is written
  std::vector<std::set<std::string>> touched(work.size());
  for (std::size_t i = 0; i < work.size(); ++i) {
    for (const auto& change : work[i].decoded.changes) {
      const engine::Target target{change.account, change.region};
      batch[target].merge(change.scope);
      scopes[i][target].merge(change.scope);
      engine_options.events.push_back(policy::EventRef{
          change.event_name, change.event_id, change.event_time, change.principal, change.scope});
      spdlog::info("event=change name={} time={} account={} region={} id={} source={}",
                   change.event_name, change.event_time, change.account, change.region,
                   change.event_id, quoteValue(change.source));
    }
  }
  const bool in_scope = std::ranges::any_of(batch, [](const auto& t) { return !t.second.empty(); });

  // 4. The runs: each firewall the batch touches, with the scopes of the deliveries touching it.
  if (in_scope) result.runs = runFleet(batch, scopes, engine_options, deadline, touched);

  // 5. An outcome per delivery, from the results of the firewalls its changes touch.
  for (std::size_t i = 0; i < work.size(); ++i) {
    auto& item = work[i];
    Outcome outcome;
    outcome.id = deliveries[i].id;
    outcome.source = deliveries[i].source.empty() ? deliveries[i].id : deliveries[i].source;
    outcome.changes = item.decoded.changes.size();
    outcome.firewalls.assign(touched[i].begin(), touched[i].end());
    outcome.errors = item.decoded.errors;  // its own and those of the log files it names
    append(outcome.errors, std::move(item.unreadable));

    const FirewallRun* failed = nullptr;
    const FirewallRun* run = nullptr;
    for (const auto& r : result.runs) {
      if (!touched[i].contains(r.firewall)) continue;
      run = &r;
      if (!r.succeeded() && failed == nullptr) failed = &r;
    }
    if (item.fetch_error) {
      outcome.status = Status::Retry;
      outcome.reason = "a log file it names could not be fetched: " + item.fetch_error->message;
      outcome.errors.push_back(*item.fetch_error);
    } else if (failed != nullptr) {
      outcome.status = Status::Retry;
      outcome.reason = fmt::format("firewall {} {}: {}", failed->firewall,
                                   failed->attempted ? "run failed" : "run not started",
                                   failed->error ? failed->error->message : "no report");
    } else if (!outcome.errors.empty()) {
      outcome.status = Status::Unreadable;
      outcome.reason = outcome.errors.size() == 1
                           ? outcome.errors.front().message
                           : fmt::format("{} (and {} more)", outcome.errors.front().message,
                                         outcome.errors.size() - 1);
    } else {
      outcome.status = Status::Done;
      outcome.reason = doneReason(outcome, item.decoded, run);
    }
    const auto level = outcome.status == Status::Done ? spdlog::level::info : spdlog::level::warn;
    spdlog::log(level, "event=delivery id={} status={} changes={} reason={}",
                quoteValue(outcome.id), to_string(outcome.status), outcome.changes,
                quoteValue(outcome.reason));
    for (const auto& error : outcome.errors) {
      spdlog::log(level, "event=delivery_error id={} error={}", quoteValue(outcome.id),
                  quoteValue(error.message));
    }
    result.outcomes.push_back(std::move(outcome));
    mergeDecoded(result.decoded, std::move(item.decoded));
  }
  return result;
}

}  // namespace trailwall::runner
