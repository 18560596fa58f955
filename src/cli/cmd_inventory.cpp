// `trailwall inventory [--scope ID,…] [--region R]`: what trailwall sees (--config is global).
// Loads the AWS inventory for a scope (no --scope: everything) and prints it as JSON in the
// sample-inventory format that `trailwall plan --inventory` reads; the EC2 calls it made go to
// stderr. Credentials, region and endpoints come from the environment and the shared AWS files
// like the AWS CLI (AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL, AWS_CA_BUNDLE, proxies, …).
#include <string>
#include <vector>

#include <fmt/format.h>

#include <CLI/CLI.hpp>

#include "cli/command.h"
#include "cli/output.h"
#include "cli/runtime.h"
#include "inventory/inventory_json.h"

namespace trailwall::cli {
namespace {

struct InventoryOptions {
  std::vector<std::string> scope;
  std::string region;
};

// Sorts ids into a scope by their prefix (longest prefix first: eni-attach- before eni-).
Result<inventory::Scope> scopeFromIds(const std::vector<std::string>& ids) {
  inventory::Scope scope;
  const std::vector<std::pair<std::string_view, std::set<std::string>*>> kinds = {
      {"eni-attach-", &scope.network_interface_attachment_ids},
      {"rtbassoc-", &scope.route_table_association_ids},
      {"i-", &scope.instance_ids},
      {"sg-", &scope.group_ids},
      {"eni-", &scope.network_interface_ids},
      {"subnet-", &scope.subnet_ids},
      {"rtb-", &scope.route_table_ids},
      {"vpc-", &scope.vpc_ids},
      {"pl-", &scope.prefix_list_ids},
  };
  for (const auto& id : ids) {
    const auto kind = std::ranges::find_if(kinds, [&](const auto& k) {
      return id.starts_with(k.first) && id.size() > k.first.size();
    });
    if (kind == kinds.end()) {
      return fail(ErrorCode::InvalidInput,
                  fmt::format("--scope: '{}' is not an instance, group, ENI, attachment, subnet, "
                              "route table, association, VPC or prefix list id",
                              id));
    }
    kind->second->insert(id);
  }
  if (ids.empty()) {
    scope.everything = true;
  }
  return scope;
}

Result<engine::LoadedInventory> run(const CommandContext& ctx, const InventoryOptions& opts) {
  auto scope = scopeFromIds(opts.scope);
  if (!scope) return std::unexpected(scope.error());
  auto rt = Runtime::create(ctx.global);
  if (!rt) return std::unexpected(rt.error());
  if (!opts.region.empty()) (*rt)->setAwsRegion(opts.region);
  auto source = (*rt)->awsInventory();
  if (!source) return std::unexpected(source.error());
  return (*source)->load(engine::Target{"", opts.region}, *scope);
}

}  // namespace

void registerInventoryCommand(CLI::App& app, CommandContext& ctx) {
  auto opts = std::make_shared<InventoryOptions>();
  auto* sub = app.add_subcommand(
      "inventory", "Load the AWS inventory trailwall decides from and print it as JSON");
  sub->add_option("--scope", opts->scope,
                  "Ids to look at (i-, sg-, eni-, eni-attach-, subnet-, rtb-, rtbassoc-, vpc-, "
                  "pl-), comma-separated or repeated; none = everything")
      ->delimiter(',');
  sub->add_option("--region", opts->region, "AWS region; default from AWS_REGION or the profile");
  sub->callback([opts, &ctx] {
    const auto result = run(ctx, *opts);
    if (!result) {
      ctx.exit_code = reportError(result.error());
      return;
    }
    printOut(inventory::toJson(result->inventory) + "\n");
    printErr(fmt::format("trailwall: loaded {} instances, {} ENIs, {} groups, {} VPCs with {}\n",
                         result->inventory.instances.size(),
                         result->inventory.network_interfaces.size(),
                         result->inventory.security_groups.size(), result->inventory.vpcs.size(),
                         result->calls_summary));
    if (result->widened) printErr("trailwall: " + result->widened_because + "\n");
    ctx.exit_code = kExitOk;
  });
}

}  // namespace trailwall::cli
