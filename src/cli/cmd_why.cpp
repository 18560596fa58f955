// `trailwall why ADDRESS[:PORT[/PROTO]]`: which instance and ENI hold the address, which security
// groups and permissions expose which ports to which sources, which rule decides each flow on the
// firewall now and which CloudTrail change last touched it (why.h). Read-only: AWS Describe calls,
// one rulebase read and `test security-policy-match` requests; nothing is written or locked.
#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <CLI/CLI.hpp>

#include "cli/command.h"
#include "cli/output.h"
#include "cli/runtime.h"
#include "cli/why.h"
#include "runner/fleet_split.h"

namespace trailwall::cli {
namespace {

struct WhyOptions {
  std::string target;
  std::string region;
  std::string firewall;  // --firewall NAME: the fleet's firewall to ask
};

// The firewall of the fleet to explain `address` with (issue 13): --firewall, else the one whose
// gateway routes the VPC of the network interface holding it, else the fleet's first.
std::string firewallFor(const config::Config& config, const WhyOptions& opts,
                        const inventory::Inventory& inventory, const WhyTarget& target) {
  if (!opts.firewall.empty()) return opts.firewall;
  const auto fleet = fleetMembers(config);
  if (fleet.size() > 1) {
    for (const auto& eni : inventory.network_interfaces) {
      const bool holds =
          (eni.primary_ipv4 && *eni.primary_ipv4 == target.address) ||
          std::ranges::find(eni.secondary_ipv4, target.address) != eni.secondary_ipv4.end() ||
          std::ranges::find(eni.ipv6_addresses, target.address) != eni.ipv6_addresses.end();
      if (!holds) continue;
      for (const auto& member : fleet) {
        if (runner::vpcsRoutedBy(inventory, member.policy).contains(eni.vpc_id)) {
          return member.name;
        }
      }
    }
  }
  return fleet.front().name;
}

int why(const CommandContext& ctx, const WhyOptions& opts) {
  auto target = parseWhyTarget(opts.target);
  if (!target) return reportFailure(target.error());
  auto rt = Runtime::create(ctx.global);
  if (!rt) return reportFailure(rt.error());
  if (!opts.region.empty()) (*rt)->setAwsRegion(opts.region);
  const auto& config = (*rt)->config();
  if (!opts.firewall.empty() && !config.member(opts.firewall)) {
    return reportFailure(
        Error{ErrorCode::InvalidInput,
              fmt::format("--firewall {}: no such firewall is configured", opts.firewall)});
  }
  // The firewall's settings are checked before AWS is read, so a missing key fails at once.
  if (auto first =
          (*rt)->firewall(opts.firewall.empty() ? config.fleet().front().name : opts.firewall);
      !first) {
    return reportFailure(first.error());
  }
  auto source = (*rt)->awsInventory();
  if (!source) return reportFailure(source.error());
  inventory::Scope everything;
  everything.everything = true;  // no event names the address: the region is looked at
  auto loaded = (*source)->load(engine::Target{"", opts.region}, everything);
  if (!loaded) return reportFailure(loaded.error().withContext("loading the AWS inventory"));
  const auto name = firewallFor(config, opts, loaded->inventory, *target);
  auto firewall = (*rt)->firewall(name);
  if (!firewall) return reportFailure(firewall.error());
  const auto member = config.member(name);
  const auto& options = member->policy;
  auto desired = policy::desiredRules(loaded->inventory, options);
  if (!desired) return reportFailure(desired.error());
  auto report = explainAws(*target, loaded->inventory, *desired, options);
  if (!report) return reportFailure(report.error());
  planFlows(*report);

  auto rulebase = (*firewall)->readRulebase();
  if (!rulebase) {
    return reportFailure(rulebase.error().withContext("reading the firewall's rulebase"));
  }
  std::vector<policy::Flow> flows;
  for (const auto& flow : report->flows) flows.push_back(flow.flow);
  auto answers = (*firewall)->matchFlows(flows);
  if (!answers) return reportFailure(answers.error());
  explainFirewall(*report, *rulebase, *answers, options);
  if (config.firewalls.empty()) {  // the single firewall: as it always printed
    printOut(ctx.global.output == OutputFormat::Json ? whyJson(*report) : whyText(*report));
    return kExitOk;
  }
  if (ctx.global.output == OutputFormat::Json) {
    auto fields = nlohmann::ordered_json::parse(whyJson(*report));
    nlohmann::ordered_json out = {{"firewall", name}};
    out.update(fields);
    printOut(out.dump(2) + "\n");
  } else {
    printOut(fmt::format("firewall: {}\n{}", name, whyText(*report)));
  }
  return kExitOk;
}

}  // namespace

void registerWhyCommand(CLI::App& app, CommandContext& ctx) {
  auto opts = std::make_shared<WhyOptions>();
  auto* sub = app.add_subcommand(
      "why",
      "Explain why an address is (or is not) reachable from the internet: which instance and "
      "interface hold it, which security-group permissions expose which ports to which sources, "
      "which firewall rule allows each flow now and which CloudTrail change last touched it");
  sub->add_option("target", opts->target,
                  "ADDRESS[:PORT[/PROTO]]: 10.0.1.10, 10.0.1.10:443, 10.0.1.10:53/udp, "
                  "10.0.1.10/icmp, [2001:db8::1]:443 (a port alone means tcp)")
      ->required();
  sub->add_option("--region", opts->region, "AWS region; default from AWS_REGION or the profile");
  sub->add_option("--firewall", opts->firewall,
                  "The firewall of the fleet to ask ([[firewall]] name); default: the one whose "
                  "gateway routes the address's VPC");
  sub->footer(
      "Read-only: reads the region's EC2 inventory (as reconcile does), the firewall's rulebase, "
      "and asks the firewall `test security-policy-match` about one sample flow per managed rule "
      "AWS calls for (or, with PORT or PROTO and no such rule, about that flow from anywhere); "
      "nothing is written or locked. Addresses are the private IPv4 and the IPv6 addresses of "
      "network interfaces, as the firewall's rules name them.\n"
      "Global options: --config FILE, --output text|json, --verbose, --log-level LEVEL.\n"
      "Exit codes: 0 = answered; 1 = error: a malformed argument, an address no network "
      "interface holds, AWS or the firewall unreachable or refusing (the message says which).");
  sub->callback([opts, &ctx] { ctx.exit_code = why(ctx, *opts); });
}

}  // namespace trailwall::cli
