// `trailwall plan --inventory FILE [--rules FILE] [--config FILE]`: the dry run. Computes the
// managed rules a JSON inventory calls for and prints what would change on a firewall whose
// configuration export is FILE (none = an empty rulebase). Exit code 0: nothing to do,
// 2: changes pending, 1: error. Offline: the already-allowed check needs a firewall, so no flow
// counts as allowed here.
#include <fstream>
#include <sstream>
#include <string>

#include <fmt/format.h>

#include "cli/command.h"
#include "cli/output.h"
#include "config/config.h"
#include "inventory/inventory_json.h"
#include "policy/desired.h"
#include "policy/plan.h"
#include "policy/plan_format.h"
#include "policy/rulebase_xml.h"

extern char** environ;  // NOLINT: POSIX; the front end is where the environment is read

namespace trailwall::cli {
namespace {

struct PlanOptions {
  std::string inventory;
  std::string rules;
  std::string config;
};

Result<std::string> readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(ErrorCode::Io, fmt::format("cannot open {}", path));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return fail(ErrorCode::Io, fmt::format("cannot read {}", path));
  return text.str();
}

config::Environment environment() {
  config::Environment env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string_view entry(*e);
    const auto eq = entry.find('=');
    if (eq != std::string_view::npos) env.emplace(entry.substr(0, eq), entry.substr(eq + 1));
  }
  return env;
}

Result<policy::Plan> run(const PlanOptions& opts) {
  std::string config_text;
  std::string config_name = "(defaults)";
  if (!opts.config.empty()) {
    auto text = readFile(opts.config);
    if (!text) return std::unexpected(text.error());
    config_text = std::move(*text);
    config_name = opts.config;
  }
  auto cfg = config::parseConfig(config_text, config_name, environment());
  if (!cfg) return std::unexpected(cfg.error());

  auto inventory_text = readFile(opts.inventory);
  if (!inventory_text) return std::unexpected(inventory_text.error());
  auto inv = inventory::parseInventoryJson(*inventory_text);
  if (!inv) return std::unexpected(inv.error().withContext(opts.inventory));

  policy::Rulebase rules;
  if (!opts.rules.empty()) {
    auto rules_text = readFile(opts.rules);
    if (!rules_text) return std::unexpected(rules_text.error());
    auto parsed = policy::parseRulebaseXml(*rules_text, cfg->firewall.vsys);
    if (!parsed) return std::unexpected(parsed.error().withContext(opts.rules));
    rules = std::move(*parsed);
  }

  auto desired = policy::desiredRules(*inv, cfg->policy);
  if (!desired) return std::unexpected(desired.error());
  return policy::plan(*desired, rules, {}, cfg->policy);
}

}  // namespace

void registerPlanCommand(CLI::App& app, CommandContext& ctx) {
  auto opts = std::make_shared<PlanOptions>();
  auto* sub = app.add_subcommand(
      "plan", "Show the firewall changes an inventory calls for (dry run; exit code 2 = changes)");
  sub->add_option("--inventory", opts->inventory, "Inventory JSON file (see examples/)")
      ->required();
  sub->add_option("--rules", opts->rules,
                  "The firewall's configuration export (XML); none = an empty rulebase");
  sub->add_option("--config", opts->config, "trailwall TOML configuration; none = defaults");
  sub->callback([opts, &ctx] {
    const auto result = run(*opts);
    if (!result) {
      ctx.exit_code = reportError(result.error());
      return;
    }
    printOut(ctx.global.output == OutputFormat::Json ? policy::planToJson(*result)
                                                     : policy::planToText(*result));
    ctx.exit_code = result->empty() ? kExitOk : kExitChangesPending;
  });
}

}  // namespace trailwall::cli
