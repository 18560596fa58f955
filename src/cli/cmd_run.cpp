// The commands that do the job (DESIGN §1, §5): `plan` (dry run), `apply` (everything,
// optionally from a JSON inventory), `handle` (events → scoped reconcile) and `reconcile`
// (everything). Each reads the current AWS truth (or a JSON inventory), plans against the
// firewall (or its configuration export) and, unless it is a dry run, writes the plan with one
// partial commit, then reports what it did.
#include <algorithm>
#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>

#include "cli/command.h"
#include "cli/input.h"
#include "cli/output.h"
#include "cli/run_report.h"
#include "cli/runtime.h"
#include "cloudtrail/decoder.h"
#include "common/exit_pool.h"
#include "engine/engine.h"
#include "engine/failover.h"
#include "engine/offline_firewall.h"
#include "inventory/inventory_json.h"
#include "policy/rulebase_xml.h"
#include "runner/runner.h"
#include "runner/s3_log_reader.h"

namespace trailwall::cli {
namespace {

// Panorama: committed, and the push deferred (another administrator's unpushed work).
bool pushDeferred(const engine::RunReport& report) {
  return report.applied && report.applied->push && report.applied->push->deferred;
}

// Runs one batch and prints the report. Exit code: 0 done (the changes are committed and
// enforced, or none were needed; dry run: nothing pending; verify: AWS and the firewall agree),
// 2 dry run with changes pending / verify with differences, 3 committed but not enforced, 1 error
// (what was and was not done is printed: stderr, and with --output json one object on stdout).
// `offline`: plan against this rulebase instead of the configured firewall (no flow checks);
// `known_rulebase`: false when that rulebase is a stand-in (no firewall, no --rules).
int execute(const CommandContext& ctx, Runtime& rt, engine::InventorySource& source,
            const engine::Batch& batch, engine::Mode mode, const cloudtrail::Decoded* events,
            std::optional<policy::Rulebase> offline = std::nullopt, bool known_rulebase = true,
            const std::vector<Error>& input_errors = {}) {
  const bool json = ctx.global.output == OutputFormat::Json;
  const auto print = [&](const engine::RunReport& report) {
    printOut(json ? runReportJson(report, events, nullptr, input_errors)
                  : runReportText(report, events, ctx.global.verbose));
  };
  bool in_scope = false;
  for (const auto& [target, scope] : batch) in_scope = in_scope || !scope.empty();
  if (!in_scope) {  // nothing named: neither AWS nor the firewall is contacted
    engine::RunReport report;
    report.mode = mode;
    report.nothing_in_scope = true;
    print(report);
    return kExitOk;
  }
  auto options = rt.config().policy;
  std::optional<engine::OfflineFirewall> offline_firewall;
  panos::Firewall* firewall = nullptr;
  if (offline) {
    options.check_already_allowed = false;  // only a live firewall can answer
    firewall = &offline_firewall.emplace(std::move(*offline));
  } else {
    auto live = rt.firewall();
    if (!live) return reportFailure(live.error());
    firewall = *live;
  }
  engine::EngineOptions engine_options;
  engine_options.require_bottom_rule = known_rulebase;
  engine_options.keep_until_exit = true;  // this process exits after the run
  if (events != nullptr) {
    for (const auto& change : events->changes) {
      engine_options.events.push_back(policy::EventRef{
          change.event_name, change.event_id, change.event_time, change.principal, change.scope});
    }
  }
  engine::Engine engine(std::move(options), source, *firewall, rt.clock(), engine_options);
  engine::RunReport progress;
  auto report = engine::runRetryingFailover(engine, batch, mode, &progress);
  if (!report) {
    const auto& error = report.error();
    printErr("trailwall: " + to_string(error) + "\n");
    printErr("trailwall: not done: " + outcomeText(progress) + "\n");
    if (json) printOut(runReportJson(progress, events, &error, input_errors));
    return kExitError;
  }
  print(*report);
  int exit_code = kExitOk;
  if (mode == engine::Mode::Plan && (!report->plan.empty() || report->registrationsPending())) {
    exit_code = kExitChangesPending;
  }
  if (mode == engine::Mode::Verify && !report->agrees()) exit_code = kExitChangesPending;
  if (mode == engine::Mode::Apply && report->notEnforced()) exit_code = kExitNotEnforced;
  if (mode == engine::Mode::Apply && pushDeferred(*report)) exit_code = kExitPushDeferred;
  keepUntilExit(std::move(*report));  // the plan: not freed rule by rule at exit
  return exit_code;
}

// A fleet's run (issue 13): each firewall's report under its name, and one exit code: 1 when any
// firewall failed (each named on stderr) or `all_done` is false, else 4 when any Panorama push
// was deferred, else 3 when any committed without enforcing, else 2 when any has changes pending
// (dry run, verify), else 0.
int fleetOutcome(const CommandContext& ctx, const std::vector<runner::FirewallRun>& runs,
                 const cloudtrail::Decoded* events, const std::vector<Error>& input_errors,
                 engine::Mode mode, bool all_done = true) {
  std::vector<FirewallReport> reports;
  bool failed = !all_done || !input_errors.empty();
  bool not_enforced = false;
  bool deferred = false;
  bool pending = false;
  for (const auto& run : runs) {
    reports.push_back(FirewallReport{run.firewall, run.report ? &*run.report : nullptr,
                                     run.error ? &*run.error : nullptr});
    if (run.error) {
      failed = true;
      printErr(fmt::format("trailwall: firewall {}: {}\n", run.firewall, to_string(*run.error)));
      continue;
    }
    if (!run.report) continue;
    not_enforced = not_enforced || (mode == engine::Mode::Apply && run.report->notEnforced());
    deferred = deferred || (mode == engine::Mode::Apply && pushDeferred(*run.report));
    pending = pending ||
              (mode == engine::Mode::Plan &&
               (!run.report->plan.empty() || run.report->registrationsPending())) ||
              (mode == engine::Mode::Verify && !run.report->agrees());
  }
  printOut(ctx.global.output == OutputFormat::Json
               ? fleetReportJson(reports, events, input_errors)
               : fleetReportText(reports, events, ctx.global.verbose));
  if (failed) return kExitError;
  if (deferred) return kExitPushDeferred;
  if (not_enforced) return kExitNotEnforced;
  return pending ? kExitChangesPending : kExitOk;
}

engine::Batch everythingBatch() {
  inventory::Scope scope;
  scope.everything = true;
  return engine::Batch{{engine::Target{}, scope}};
}

struct HandleOptions {
  std::vector<std::string> inputs;
  bool dry_run = false;
};

int handle(const CommandContext& ctx, const HandleOptions& options) {
  auto rt = Runtime::create(ctx.global);
  if (!rt) return reportFailure(rt.error());
  const auto& cfg = (*rt)->config();

  // Each input is one delivery of the runner (runner/runner.h): decoded on its own, the log
  // files it names fetched, one scoped run and one commit for all of them.
  runner::RunnerOptions run_options;
  run_options.decode.filter.accounts.insert(cfg.aws.accounts.begin(), cfg.aws.accounts.end());
  run_options.decode.filter.regions.insert(cfg.aws.regions.begin(), cfg.aws.regions.end());
  run_options.decode.keep_ignored = ctx.global.verbose;
  run_options.decode.max_input_size = inputLimits(cfg).max_size;
  run_options.mode = options.dry_run ? engine::Mode::Plan : engine::Mode::Apply;
  std::vector<runner::Delivery> deliveries;
  std::vector<Error> input_errors;  // inputs that could not be read, then bad records
  for (const auto& input : options.inputs) {
    auto bytes = readEventInput(**rt, input);
    if (!bytes) {
      reportError(bytes.error());
      input_errors.push_back(bytes.error());
      continue;
    }
    deliveries.push_back(runner::Delivery{input, std::move(bytes->bytes), bytes->source});
  }
  runner::S3LogReader logs([&rt] { return (*rt)->s3(); });
  runner::Runner runner(
      std::move(run_options), fleetMembers(cfg), [&rt] { return (*rt)->awsInventory(); },
      [&rt](std::string_view name) -> Result<panos::Firewall*> {
        auto firewall = (*rt)->firewall(name);
        if (!firewall) return std::unexpected(firewall.error());
        return *firewall;
      },
      logs, (*rt)->clock());
  const auto result = runner.run(deliveries);
  for (const auto& outcome : result.outcomes) {
    for (const auto& error : outcome.errors) {
      reportError(error);
      input_errors.push_back(error);  // a bad record or a log file that could not be fetched
    }
  }
  const bool json = ctx.global.output == OutputFormat::Json;
  if (!cfg.firewalls.empty()) {
    return fleetOutcome(ctx, result.runs, &result.decoded, input_errors,
                        options.dry_run ? engine::Mode::Plan : engine::Mode::Apply,
                        result.allDone());
  }
  if (!result.runs.empty() && result.runs.front().error) {
    const auto& run = result.runs.front();
    if (!run.attempted || !run.report) return reportFailure(*run.error);
    printErr("trailwall: " + to_string(*run.error) + "\n");
    printErr("trailwall: not done: " + outcomeText(*run.report) + "\n");
    if (json) printOut(runReportJson(*run.report, &result.decoded, &*run.error, input_errors));
    return kExitError;
  }
  engine::RunReport nothing;  // no run: nothing was in scope
  nothing.mode = options.dry_run ? engine::Mode::Plan : engine::Mode::Apply;
  nothing.nothing_in_scope = true;
  const auto& report = result.runs.empty() ? nothing : *result.runs.front().report;
  printOut(json ? runReportJson(report, &result.decoded, nullptr, input_errors)
                : runReportText(report, &result.decoded, ctx.global.verbose));
  if (!input_errors.empty() || !result.allDone()) return kExitError;
  if (!options.dry_run && pushDeferred(report)) return kExitPushDeferred;
  if (!options.dry_run && report.notEnforced()) return kExitNotEnforced;
  return options.dry_run && (!report.plan.empty() || report.registrationsPending())
             ? kExitChangesPending
             : kExitOk;
}

struct ReconcileOptions {
  std::string firewall;  // --firewall NAME: only this firewall of the fleet
  bool dry_run = false;
  std::string inventory;  // --inventory FILE instead of AWS
  std::string rules;      // plan --rules FILE instead of the firewall
  bool offline = false;   // plan --offline: neither AWS nor the firewall
};

// Each firewall of the fleet (or the one --firewall names) against one read of AWS (everything),
// each with its own policy, firewall, plan and commit, on its own thread (at most
// runner::RunnerOptions::max_parallel_firewalls at once); one failing does not stop the others.
// `offline`: the rulebase to plan against instead of each live firewall.
int executeFleet(const CommandContext& ctx, Runtime& rt, engine::InventorySource& source,
                 engine::Mode mode, const ReconcileOptions& options,
                 const std::optional<policy::Rulebase>& offline, bool known_rulebase) {
  runner::BatchInventory shared(source);
  engine::EngineOptions engine_options;
  engine_options.require_bottom_rule = known_rulebase;
  engine_options.keep_until_exit = true;
  std::vector<runner::FleetMember> members;
  for (auto& member : fleetMembers(rt.config())) {
    if (options.firewall.empty() || member.name == options.firewall) {
      members.push_back(std::move(member));
    }
  }
  // AWS once, before the firewalls' threads start (the engines then share what it read).
  if (auto loaded = shared.prime(engine::Target{}, everythingBatch().begin()->second); !loaded) {
    return reportFailure(loaded.error().withContext("loading AWS inventory"));
  }
  std::vector<runner::FirewallRun> runs(members.size());
  const auto run_one = [&](std::size_t k) {
    auto& run = runs[k];
    const auto& member = members[k];
    run.firewall = member.name;
    auto policy = member.policy;
    std::optional<engine::OfflineFirewall> offline_firewall;
    panos::Firewall* firewall = nullptr;
    if (offline) {
      policy.check_already_allowed = false;  // only a live firewall can answer
      firewall = &offline_firewall.emplace(*offline);
    } else if (auto live = rt.firewall(member.name); live) {
      firewall = *live;
    } else {
      run.error = live.error();
      return;
    }
    engine::Engine engine(std::move(policy), shared, *firewall, rt.clock(), engine_options);
    run.attempted = true;
    engine::RunReport progress;
    auto report = engine::runRetryingFailover(engine, everythingBatch(), mode, &progress);
    if (report) {
      run.report = std::move(*report);
    } else {
      run.report = std::move(progress);
      run.error = report.error();
    }
  };
  std::atomic<std::size_t> next{0};
  const auto work = [&] {
    for (std::size_t k = next++; k < members.size(); k = next++) run_one(k);
  };
  const std::size_t threads =
      std::min(runner::RunnerOptions{}.max_parallel_firewalls, members.size());
  {
    std::vector<std::jthread> pool;
    for (std::size_t t = 1; t < threads; ++t) pool.emplace_back(work);
    work();
  }  // joined
  return fleetOutcome(ctx, runs, nullptr, {}, mode);
}

int reconcile(const CommandContext& ctx, const ReconcileOptions& options, engine::Mode mode) {
  auto rt = Runtime::create(ctx.global);
  if (!rt) return reportFailure(rt.error());
  const auto& cfg = (*rt)->config();
  if (!options.firewall.empty() && !cfg.member(options.firewall)) {
    return reportFailure(
        Error{ErrorCode::InvalidInput,
              fmt::format("--firewall {}: no such firewall is configured", options.firewall)});
  }
  const bool fleet = !cfg.firewalls.empty();
  if (fleet && !options.rules.empty() && options.firewall.empty()) {
    return reportFailure(Error{ErrorCode::InvalidInput,
                               "--rules is one firewall's export: name it with --firewall NAME"});
  }
  if (options.offline && options.inventory.empty()) {
    return reportFailure(Error{ErrorCode::InvalidInput, "--offline needs --inventory FILE"});
  }
  // The rulebase: an export, or none when planning offline or without a configured firewall.
  std::optional<policy::Rulebase> offline;
  bool known_rulebase = true;
  if (!options.rules.empty()) {
    auto text = readFileOrStdin(options.rules);
    if (!text) return reportFailure(text.error());
    const auto vsys = fleet ? cfg.member(options.firewall)->firewall.vsys : cfg.firewall.vsys;
    auto parsed = policy::parseRulebaseXml(*text, vsys);
    if (!parsed) return reportFailure(parsed.error().withContext(options.rules));
    offline = std::move(*parsed);
  } else if (mode == engine::Mode::Plan && (options.offline || !(*rt)->firewallConfigured())) {
    offline = policy::Rulebase{};
    known_rulebase = false;  // a stand-in: its missing bottom rule says nothing
  }
  if (!options.inventory.empty()) {
    auto source = InventoryFileSource::open(options.inventory);
    if (!source) return reportFailure(source.error());
    if (fleet) return executeFleet(ctx, **rt, **source, mode, options, offline, known_rulebase);
    return execute(ctx, **rt, **source, everythingBatch(), mode, nullptr, std::move(offline),
                   known_rulebase);
  }
  auto source = (*rt)->awsInventory();
  if (!source) return reportFailure(source.error());
  if (fleet) return executeFleet(ctx, **rt, **source, mode, options, offline, known_rulebase);
  return execute(ctx, **rt, **source, everythingBatch(), mode, nullptr, std::move(offline),
                 known_rulebase);
}

constexpr const char* kRunFooter =
    "Global options (before or after the command): --config FILE, --output text|json, "
    "--verbose, --log-level LEVEL.\n"
    "Configuration: --config FILE, else $TRAILWALL_CONFIG, else defaults; environment variables "
    "override it (see examples/trailwall.toml). AWS credentials, region and endpoints come from "
    "the environment and shared files as with the AWS SDKs.\n"
    "Exit codes: 0 = done: the changes are committed and the firewall enforces them, or none "
    "were needed (dry run: nothing to do); 2 = dry run with changes pending; 3 = committed, but "
    "the proof of enforcement failed: a flow written is shadowed by a rule above the managed "
    "ones (the report names it), a removed flow is still open, or the firewall could not be "
    "asked; 4 = Panorama: committed on Panorama but the push was deferred, because the device "
    "group holds another administrator's committed, unpushed work and Panorama is older than "
    "10.2 (no admin-scoped push; firewall.push = \"always\" pushes anyway); 1 = error, with "
    "what was and was not done (for "
    "handle also: an input could not be read or held bad records; the good records were still "
    "handled). A dry run never changes the firewall. A real run holds the firewall from its "
    "write to its commit's end; another run waits for it (firewall.lock_wait_seconds) or fails "
    "with 'firewall X is busy with run R since T'.";

}  // namespace

void registerRunCommands(CLI::App& app, CommandContext& ctx) {
  auto handle_options = std::make_shared<HandleOptions>();
  auto* handle_cmd = app.add_subcommand(
      "handle",
      "Handle CloudTrail events: read the current AWS state of what they name, and bring the "
      "firewall's managed rules in step with it (one partial commit for all inputs)");
  handle_cmd
      ->add_option("inputs", handle_options->inputs,
                   "CloudTrail log files (.json or .json.gz), single records, EventBridge events, "
                   "S3/SNS notifications or SQS messages; - reads stdin; s3://bucket/key fetches "
                   "a log file")
      ->required();
  handle_cmd->add_flag("--dry-run", handle_options->dry_run,
                       "Show the plan without writing to the firewall");
  handle_cmd->footer(kRunFooter);
  handle_cmd->callback([handle_options, &ctx] { ctx.exit_code = handle(ctx, *handle_options); });

  auto reconcile_options = std::make_shared<ReconcileOptions>();
  auto* reconcile_cmd = app.add_subcommand(
      "reconcile",
      "Bring every managed rule in step with AWS (scope: everything); repairs lost events");
  reconcile_cmd->add_flag("--dry-run", reconcile_options->dry_run,
                          "Show the plan without writing to the firewall");
  reconcile_cmd->add_option("--firewall", reconcile_options->firewall,
                            "Only the firewall of the fleet with this name ([[firewall]] name)");
  reconcile_cmd->footer(kRunFooter);
  reconcile_cmd->callback([reconcile_options, &ctx] {
    ctx.exit_code =
        reconcile(ctx, *reconcile_options,
                  reconcile_options->dry_run ? engine::Mode::Plan : engine::Mode::Apply);
  });

  auto plan_options = std::make_shared<ReconcileOptions>();
  auto* plan_cmd = app.add_subcommand(
      "plan",
      "Show the firewall changes AWS (or a JSON inventory) calls for, without writing anything "
      "(exit code 2 = changes pending)");
  plan_cmd->add_option("--inventory", plan_options->inventory,
                       "Inventory JSON file instead of AWS (see examples/inventory.json)");
  plan_cmd->add_option("--rules", plan_options->rules,
                       "The firewall's configuration export (XML) instead of the live firewall");
  plan_cmd->add_flag("--offline", plan_options->offline,
                     "Contact neither AWS nor the firewall: needs --inventory; the rulebase is "
                     "--rules or empty");
  plan_cmd->add_option("--firewall", plan_options->firewall,
                       "Only the firewall of the fleet with this name ([[firewall]] name)");
  plan_cmd->footer(
      std::string("Rulebase: --rules FILE, else the configured firewall (read, and asked "
                  "which flows it already allows), else (no firewall.host, or --offline) an "
                  "empty rulebase.\n") +
      kRunFooter);
  plan_cmd->callback(
      [plan_options, &ctx] { ctx.exit_code = reconcile(ctx, *plan_options, engine::Mode::Plan); });

  auto verify_options = std::make_shared<ReconcileOptions>();
  auto* verify_cmd = app.add_subcommand(
      "verify",
      "Compare what AWS calls for with what the firewall has and enforces, without writing "
      "anything (no candidate change, no lock): exit 0 when they agree, 2 with the differences");
  verify_cmd->add_option("--firewall", verify_options->firewall,
                         "Only the firewall of the fleet with this name ([[firewall]] name)");
  verify_cmd->footer(
      "Reads AWS (everything) and the firewall's rulebase, lists managed rules that are missing, "
      "extra, different or out of place, and asks the firewall (test security-policy-match, at "
      "most firewall.max_policy_match_tests) whether a sample flow of every desired rule is "
      "allowed; a flow an administrator's deny rule above the managed ones shadows is listed as "
      "not enforced, naming that rule.\n"
      "Exit codes: 0 = AWS and the firewall agree; 2 = differences (listed); 1 = error.");
  verify_cmd->callback([verify_options, &ctx] {
    ctx.exit_code = reconcile(ctx, *verify_options, engine::Mode::Verify);
  });

  auto apply_options = std::make_shared<ReconcileOptions>();
  auto* apply_cmd = app.add_subcommand(
      "apply",
      "Write the plan to the firewall with one partial commit (scope: everything; AWS, or a JSON "
      "inventory with --inventory)");
  apply_cmd->add_option("--inventory", apply_options->inventory,
                        "Inventory JSON file instead of AWS (see examples/inventory.json)");
  apply_cmd->add_option("--firewall", apply_options->firewall,
                        "Only the firewall of the fleet with this name ([[firewall]] name)");
  apply_cmd->footer(kRunFooter);
  apply_cmd->callback([apply_options, &ctx] {
    ctx.exit_code = reconcile(ctx, *apply_options, engine::Mode::Apply);
  });
}

}  // namespace trailwall::cli
