// `trailwall inventory [--scope ID,…] [--config FILE] [--region R]`: what trailwall sees.
// Loads the AWS inventory for a scope (no --scope: everything) and prints it as JSON in the
// sample-inventory format that `trailwall plan --inventory` reads; the EC2 calls it made go to
// stderr. Credentials, region and endpoints come from the environment and the shared AWS files
// like the AWS CLI (AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL, AWS_CA_BUNDLE, proxies, …).
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "aws/ec2_client.h"
#include "aws/environment.h"
#include "aws/inventory_loader.h"
#include "aws/retry.h"
#include "aws/session.h"
#include "cli/command.h"
#include "cli/output.h"
#include "config/config.h"
#include "http/curl_transport.h"
#include "inventory/inventory_json.h"

namespace trailwall::cli {
namespace {

struct InventoryOptions {
  std::vector<std::string> scope;
  std::string config;
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

Result<config::Config> loadConfig(const std::string& path,
                                  const std::map<std::string, std::string, std::less<>>& env) {
  std::string text;
  if (!path.empty()) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return fail(ErrorCode::Io, fmt::format("cannot open {}", path));
    std::ostringstream ss;
    ss << in.rdbuf();
    text = ss.str();
  }
  return config::parseConfig(text, path.empty() ? "(defaults)" : path, env);
}

Result<aws::LoadResult> run(const InventoryOptions& opts) {
  auto scope = scopeFromIds(opts.scope);
  if (!scope) return std::unexpected(scope.error());
  const auto variables = aws::ProcessEnvironment::snapshot();
  auto cfg = loadConfig(opts.config, variables);
  if (!cfg) return std::unexpected(cfg.error());
  const aws::MapEnvironment env(variables);

  http::CurlOptions curl;
  curl.proxy = http::ProxySettings::fromEnvironment(env.lookup());
  curl.ca_bundle = env.get("AWS_CA_BUNDLE");
  http::CurlTransport transport(curl);
  SystemClock clock;
  aws::SystemRandom random;
  auto session = aws::AwsSession::create(
      env, transport, clock, random,
      opts.region.empty() ? std::nullopt : std::optional<std::string>(opts.region));
  if (!session) return std::unexpected(session.error());
  aws::Ec2Client ec2((*session)->context(), (*session)->endpoint(aws::kEc2));
  aws::InventoryLoader loader(
      ec2, (*session)->region(),
      aws::LoaderOptions{cfg->policy.gateway_instance_id, cfg->policy.gateway_eni_ids});
  return loader.load(*scope);
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
  sub->add_option("--config", opts->config,
                  "trailwall TOML configuration (for the gateway ids); none = defaults");
  sub->add_option("--region", opts->region, "AWS region; default from AWS_REGION or the profile");
  sub->callback([opts, &ctx] {
    const auto result = run(*opts);
    if (!result) {
      ctx.exit_code = reportError(result.error());
      return;
    }
    printOut(inventory::toJson(result->inventory) + "\n");
    printErr(fmt::format("trailwall: loaded {} instances, {} ENIs, {} groups, {} VPCs with {}\n",
                         result->inventory.instances.size(),
                         result->inventory.network_interfaces.size(),
                         result->inventory.security_groups.size(), result->inventory.vpcs.size(),
                         result->report.summary()));
    ctx.exit_code = kExitOk;
  });
}

}  // namespace trailwall::cli
