#include "runner/runner.h"

#include <algorithm>
#include <iterator>
#include <map>
#include <set>
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

Runner::Runner(RunnerOptions options, policy::Options policy, InventoryProvider inventory,
               FirewallProvider firewall, LogReader& logs, Clock& clock)
    : options_(std::move(options)),
      policy_(std::move(policy)),
      inventory_(std::move(inventory)),
      firewall_(std::move(firewall)),
      logs_(logs),
      clock_(clock),
      decoder_(options_.decode) {}

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

  // 3. One scope per account and region for the whole batch; today every change goes to the
  // one configured firewall.
  engine::Batch batch;
  engine::EngineOptions engine_options;  // the changes, for provenance in what is written
  std::vector<std::set<std::string>> touched(work.size());
  for (std::size_t i = 0; i < work.size(); ++i) {
    for (const auto& change : work[i].decoded.changes) {
      batch[engine::Target{change.account, change.region}].merge(change.scope);
      engine_options.events.push_back(policy::EventRef{
          change.event_name, change.event_id, change.event_time, change.principal, change.scope});
      if (!change.scope.empty()) touched[i].insert(std::string(kDefaultFirewall));
      spdlog::info("event=change name={} time={} account={} region={} id={} source={}",
                   change.event_name, change.event_time, change.account, change.region,
                   change.event_id, quoteValue(change.source));
    }
  }
  const bool in_scope = std::ranges::any_of(batch, [](const auto& t) { return !t.second.empty(); });

  // 4. The run.
  if (in_scope) {
    FirewallRun run;
    run.firewall = std::string(kDefaultFirewall);
    if (pastDeadline(deadline, clock_)) {
      run.error = Error{ErrorCode::Timeout, "not started: the deadline has passed"};
    } else if (auto inventory = inventory_(); !inventory) {
      run.error = inventory.error();
    } else if (auto firewall = firewall_(); !firewall) {
      run.error = firewall.error();
    } else {
      engine::Engine engine(policy_, **inventory, **firewall, clock_, engine_options);
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
      spdlog::error("event=run_failed firewall={} attempted={} error={}", run.firewall,
                    run.attempted, quoteValue(to_string(*run.error)));
    }
    result.runs.push_back(std::move(run));
  }

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
