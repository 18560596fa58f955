// The commands that do the job (DESIGN §1, §5): `plan` (dry run), `apply` (everything,
// optionally from a JSON inventory), `handle` (events → scoped reconcile) and `reconcile`
// (everything). Each reads the current AWS truth (or a JSON inventory), plans against the
// firewall (or its configuration export) and, unless it is a dry run, writes the plan with one
// partial commit, then reports what it did.
#include <memory>
#include <optional>
#include <string>
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
#include "engine/offline_firewall.h"
#include "inventory/inventory_json.h"
#include "policy/rulebase_xml.h"

namespace trailwall::cli {
namespace {

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
  auto report = engine.run(batch, mode, &progress);
  if (!report) {
    const auto& error = report.error();
    printErr("trailwall: " + to_string(error) + "\n");
    printErr("trailwall: not done: " + outcomeText(progress) + "\n");
    if (json) printOut(runReportJson(progress, events, &error, input_errors));
    return kExitError;
  }
  print(*report);
  int exit_code = kExitOk;
  if (mode == engine::Mode::Plan && !report->plan.empty()) exit_code = kExitChangesPending;
  if (mode == engine::Mode::Verify && !report->agrees()) exit_code = kExitChangesPending;
  if (mode == engine::Mode::Apply && report->notEnforced()) exit_code = kExitNotEnforced;
  keepUntilExit(std::move(*report));  // the plan: not freed rule by rule at exit
  return exit_code;
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

  cloudtrail::DecodeOptions decode_options;
  decode_options.filter.accounts.insert(cfg.aws.accounts.begin(), cfg.aws.accounts.end());
  decode_options.filter.regions.insert(cfg.aws.regions.begin(), cfg.aws.regions.end());
  decode_options.keep_ignored = ctx.global.verbose;
  decode_options.max_input_size = inputLimits(cfg).max_size;
  cloudtrail::Decoder decoder(std::move(decode_options));
  cloudtrail::Decoded decoded;
  std::vector<Error> input_errors;  // inputs that could not be read, then bad records

  for (const auto& input : options.inputs) {
    auto bytes = readEventInput(**rt, input);
    if (!bytes) {
      reportError(bytes.error());
      input_errors.push_back(bytes.error());
      continue;
    }
    decoder.decode(bytes->bytes, bytes->source, decoded);
  }
  // Notifications name CloudTrail log files in S3: fetch and decode each once.
  for (std::size_t next = 0; next < decoded.objects.size(); ++next) {
    const auto object = decoded.objects[next];
    auto bytes = readS3Object(**rt, object.bucket, object.key);
    if (!bytes) {
      const auto error = bytes.error().withContext(object.source);
      reportError(error);
      input_errors.push_back(error);
      continue;
    }
    decoder.decode(bytes->bytes, bytes->source, decoded);
  }
  for (const auto& error : decoded.errors) {
    reportError(error);
    input_errors.push_back(error);
  }
  const bool input_failed = !input_errors.empty();

  engine::Batch batch;  // one scope per account and region: one commit for all of it
  for (const auto& change : decoded.changes) {
    batch[engine::Target{change.account, change.region}].merge(change.scope);
    spdlog::info("event=change name={} time={} account={} region={} id={} source=\"{}\"",
                 change.event_name, change.event_time, change.account, change.region,
                 change.event_id, change.source);
  }
  engine::InventorySource* source = nullptr;
  if (!batch.empty()) {
    auto aws = (*rt)->awsInventory();
    if (!aws) return reportFailure(aws.error());
    source = *aws;
  }
  engine::StaticInventorySource none{inventory::Inventory{}};
  const int code = execute(ctx, **rt, source != nullptr ? *source : none, batch,
                           options.dry_run ? engine::Mode::Plan : engine::Mode::Apply, &decoded,
                           std::nullopt, true, input_errors);
  if (code == kExitError) return code;
  return input_failed ? kExitError : code;
}

struct ReconcileOptions {
  bool dry_run = false;
  std::string inventory;  // --inventory FILE instead of AWS
  std::string rules;      // plan --rules FILE instead of the firewall
  bool offline = false;   // plan --offline: neither AWS nor the firewall
};

int reconcile(const CommandContext& ctx, const ReconcileOptions& options, engine::Mode mode) {
  auto rt = Runtime::create(ctx.global);
  if (!rt) return reportFailure(rt.error());
  if (options.offline && options.inventory.empty()) {
    return reportFailure(Error{ErrorCode::InvalidInput, "--offline needs --inventory FILE"});
  }
  // The rulebase: an export, or none when planning offline or without a configured firewall.
  std::optional<policy::Rulebase> offline;
  bool known_rulebase = true;
  if (!options.rules.empty()) {
    auto text = readFileOrStdin(options.rules);
    if (!text) return reportFailure(text.error());
    auto parsed = policy::parseRulebaseXml(*text, (*rt)->config().firewall.vsys);
    if (!parsed) return reportFailure(parsed.error().withContext(options.rules));
    offline = std::move(*parsed);
  } else if (mode == engine::Mode::Plan && (options.offline || !(*rt)->firewallConfigured())) {
    offline = policy::Rulebase{};
    known_rulebase = false;  // a stand-in: its missing bottom rule says nothing
  }
  if (!options.inventory.empty()) {
    auto source = InventoryFileSource::open(options.inventory);
    if (!source) return reportFailure(source.error());
    return execute(ctx, **rt, **source, everythingBatch(), mode, nullptr, std::move(offline),
                   known_rulebase);
  }
  auto source = (*rt)->awsInventory();
  if (!source) return reportFailure(source.error());
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
    "asked; 1 = error, with what was and was not done (for "
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
  apply_cmd->footer(kRunFooter);
  apply_cmd->callback([apply_options, &ctx] {
    ctx.exit_code = reconcile(ctx, *apply_options, engine::Mode::Apply);
  });
}

}  // namespace trailwall::cli
