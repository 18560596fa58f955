#include "generate.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstdlib>

#include "policy/desired.h"
#include "policy/plan.h"
#include "policy/rulebase_xml.h"

namespace trailwall::bench {
namespace {

constexpr const char* kFirewall = "i-0f0000000000000f1";
constexpr const char* kFirewallTrustEni = "eni-0f0000000000000f2";

// A small fast PRNG so the inventory is the same on every machine.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed * 0x9E3779B97F4A7C15ULL + 1) {}
  std::uint64_t next() {
    state_ ^= state_ >> 12;
    state_ ^= state_ << 25;
    state_ ^= state_ >> 27;
    return state_ * 0x2545F4914F6CDD1DULL;
  }
  int below(int n) { return static_cast<int>(next() % static_cast<std::uint64_t>(n)); }
  bool chance(int percent) { return below(100) < percent; }

 private:
  std::uint64_t state_;
};

std::string id(const char* prefix, int kind, int n) {
  return fmt::format("{}-{:01x}{:016x}", prefix, kind, static_cast<unsigned>(n));
}

net::Cidr cidr(const std::string& text) {
  return *net::Cidr::parse(text);
}

inventory::Permission permission(Rng& rng, int index, int vpc, int groups_in_vpc, int first_group) {
  inventory::Permission p;
  const int kind = index % 10;
  auto internet = [&] {
    return cidr(fmt::format("{}.{}.{}.0/24", 20 + rng.below(180), rng.below(256), rng.below(256)));
  };
  switch (kind) {
    case 0:
      p.protocol = net::Protocol::tcp();
      p.from_port = p.to_port = 443;
      break;
    case 1:
      p.protocol = net::Protocol::tcp();
      p.from_port = p.to_port = 22;
      break;
    case 2:
      p.protocol = net::Protocol::tcp();
      p.from_port = p.to_port = 80;
      break;
    case 3:
      p.protocol = net::Protocol::tcp();
      p.from_port = 8000 + 10 * rng.below(50);
      p.to_port = p.from_port + 9;
      break;
    case 4:
      p.protocol = net::Protocol::udp();
      p.from_port = p.to_port = 10000 + rng.below(100);
      break;
    case 5:
      p.protocol = net::Protocol::icmp();
      p.from_port = 8;
      p.to_port = -1;
      break;
    case 6: p.protocol = net::Protocol::all(); break;
    case 7:
      p.protocol = net::Protocol::tcp();
      p.from_port = p.to_port = 3306;
      break;
    case 8:
      p.protocol = net::Protocol::tcp();
      p.from_port = p.to_port = 5432;
      break;
    default: p.protocol = net::Protocol::icmpV6(); break;
  }
  if (kind == 9) {
    p.ipv6_ranges.push_back({cidr("::/0"), ""});
    return p;
  }
  if (kind == 0 || kind == 2 || kind == 5) p.ipv4_ranges.push_back({cidr("0.0.0.0/0"), "anyone"});
  const int extra = rng.below(3);
  for (int i = 0; i < extra; ++i) p.ipv4_ranges.push_back({internet(), "partner"});
  if (rng.chance(30)) {
    p.ipv4_ranges.push_back({cidr(fmt::format("10.{}.{}.0/24", vpc, rng.below(256))), "internal"});
  }
  if (rng.chance(15)) p.prefix_lists.push_back({id("pl", 0, rng.below(20)), ""});
  if (rng.chance(25) || p.ipv4_ranges.empty()) {
    p.group_pairs.push_back({id("sg", 0xa, first_group + rng.below(groups_in_vpc)), "", "", ""});
  }
  return p;
}

}  // namespace

policy::Options generatedOptions() {
  policy::Options o;
  o.gateway_instance_id = kFirewall;
  o.bottom_rule = "deny-all";
  o.profile_group = "default-protect";
  return o;
}

inventory::Inventory generateInventory(const Scale& scale) {
  Rng rng(scale.seed);
  inventory::Inventory inv;
  const int subnets_per_vpc = 40;
  const int groups_per_vpc = std::max(1, scale.groups / scale.vpcs);

  for (int v = 0; v < scale.vpcs; ++v) {
    inventory::Vpc vpc;
    vpc.id = id("vpc", 0, v);
    vpc.ipv4_cidrs = {cidr(fmt::format("10.{}.0.0/16", v)),
                      cidr(fmt::format("10.{}.0.0/16", 100 + v))};
    vpc.ipv6_cidrs = {cidr(fmt::format("2600:1f18:{:x}::/56", v * 256))};
    inv.vpcs.push_back(vpc);
    inventory::RouteTable main_table{id("rtb", 0xa, v), vpc.id, {}, {}};
    main_table.associations.push_back({id("rtbassoc", 0xa, v), true, "", ""});
    main_table.routes.push_back({vpc.ipv4_cidrs[0], "", "", "", "local", "", "active"});
    main_table.routes.push_back(
        {cidr("0.0.0.0/0"), "", kFirewall, kFirewallTrustEni, "", "", "active"});
    main_table.routes.push_back({cidr("::/0"), "", "", kFirewallTrustEni, "", "", "active"});
    inventory::RouteTable public_table{id("rtb", 0xb, v), vpc.id, {}, {}};
    public_table.routes.push_back({cidr("0.0.0.0/0"), "", "", "", id("igw", 0, v), "", "active"});
    for (int s = 0; s < subnets_per_vpc; ++s) {
      const int n = v * subnets_per_vpc + s;
      inventory::Subnet subnet;
      subnet.id = id("subnet", 0, n);
      subnet.vpc_id = vpc.id;
      // Half of the subnets sit in the secondary block.
      subnet.ipv4_cidr = cidr(fmt::format("10.{}.{}.0/22", s % 2 == 0 ? v : 100 + v, 4 * (s / 2)));
      subnet.ipv6_cidrs = {cidr(fmt::format("2600:1f18:{:x}:{:x}::/64", v * 256, s))};
      inv.subnets.push_back(subnet);
      // One subnet in ten routes to an Internet Gateway: nothing there is exposed.
      if (s % 10 == 9)
        public_table.associations.push_back({id("rtbassoc", 0xb, n), false, subnet.id, ""});
    }
    inv.route_tables.push_back(std::move(main_table));
    inv.route_tables.push_back(std::move(public_table));
  }
  for (int l = 0; l < 20; ++l) {
    inventory::PrefixList list{id("pl", 0, l), fmt::format("partners-{}", l), net::Family::V4, {}};
    for (int e = 0; e < 10; ++e) {
      list.entries.push_back({cidr(fmt::format("198.{}.{}.0/24", 18 + l % 2, e + 10 * l)), ""});
    }
    inv.prefix_lists.push_back(std::move(list));
  }
  for (int g = 0; g < scale.groups; ++g) {
    const int v = std::min(g / groups_per_vpc, scale.vpcs - 1);
    inventory::SecurityGroup group{id("sg", 0xa, g),
                                   fmt::format("group-{}", g),
                                   inv.vpcs[static_cast<std::size_t>(v)].id,
                                   "",
                                   {}};
    for (int p = 0; p < scale.permissions_per_group; ++p) {
      group.ingress.push_back(permission(rng, p, v, groups_per_vpc, v * groups_per_vpc));
    }
    inv.security_groups.push_back(std::move(group));
  }
  // The firewall: one ENI in each VPC's first subnet is not modelled; its trust ENI suffices.
  inv.instances.push_back({kFirewall,
                           inventory::InstanceState::Running,
                           inv.vpcs[0].id,
                           inv.subnets[0].id,
                           {kFirewallTrustEni},
                           "pa-vm"});
  inventory::NetworkInterface fw_eni;
  fw_eni.id = kFirewallTrustEni;
  fw_eni.subnet_id = inv.subnets[0].id;
  fw_eni.vpc_id = inv.vpcs[0].id;
  fw_eni.primary_ipv4 = *net::IpAddress::parse("10.0.0.4");
  fw_eni.attachment = inventory::Attachment{kFirewall, 1, ""};
  inv.network_interfaces.push_back(fw_eni);

  std::vector<int> next_host(inv.subnets.size(), 10);
  for (int i = 0; i < scale.instances; ++i) {
    const int v = i % scale.vpcs;
    inventory::Instance instance;
    instance.id = id("i", 0xa, i);
    instance.state =
        rng.chance(10) ? inventory::InstanceState::Stopped : inventory::InstanceState::Running;
    instance.vpc_id = inv.vpcs[static_cast<std::size_t>(v)].id;
    const int enis = rng.chance(10) ? 2 : 1;
    for (int e = 0; e < enis; ++e) {
      const int s = v * subnets_per_vpc + rng.below(subnets_per_vpc);
      const auto& subnet = inv.subnets[static_cast<std::size_t>(s)];
      const int host = next_host[static_cast<std::size_t>(s)]++;
      const auto base = subnet.ipv4_cidr->network().v4Value();
      inventory::NetworkInterface eni;
      eni.id = id("eni", 0xa + e, i);
      eni.subnet_id = subnet.id;
      eni.vpc_id = instance.vpc_id;
      eni.primary_ipv4 = net::IpAddress::v4(base + static_cast<std::uint32_t>(host));
      if (rng.chance(10)) {
        eni.secondary_ipv4.push_back(
            net::IpAddress::v4(base + 512 + static_cast<std::uint32_t>(host)));
      }
      if (rng.chance(20)) {
        const auto net6 = subnet.ipv6_cidrs[0].network();
        eni.ipv6_addresses.push_back(
            net::IpAddress::v6(net6.high(), static_cast<std::uint64_t>(host)));
      }
      const int groups = 1 + rng.below(3);
      for (int k = 0; k < groups; ++k) {
        eni.group_ids.push_back(id("sg", 0xa, v * groups_per_vpc + rng.below(groups_per_vpc)));
      }
      std::sort(eni.group_ids.begin(), eni.group_ids.end());
      eni.group_ids.erase(std::unique(eni.group_ids.begin(), eni.group_ids.end()),
                          eni.group_ids.end());
      eni.attachment = inventory::Attachment{instance.id, e, ""};
      if (e == 0) instance.subnet_id = subnet.id;
      instance.network_interface_ids.push_back(eni.id);
      inv.network_interfaces.push_back(std::move(eni));
    }
    inv.instances.push_back(std::move(instance));
  }
  return inv;
}

std::string generateRulebaseXml(const inventory::Inventory& inventory, int admin_rules,
                                std::uint64_t seed) {
  Rng rng(seed);
  const auto options = generatedOptions();
  constexpr std::array kApps = {"ssl", "web-browsing", "ssh", "dns", "smtp", "ldap", "mysql"};
  constexpr std::array kZones = {"untrust", "trust", "dmz", "mgmt"};
  policy::Rulebase rulebase;
  rulebase.tags.push_back({"trailwall", "", "managed by trailwall"});
  rulebase.tags.push_back({"prod", "color3", ""});
  rulebase.tags.push_back({"audit", "color5", ""});
  for (int i = 0; i < admin_rules; ++i) {
    policy::SecurityRule rule;
    rule.name = fmt::format("admin-{:05d}", i);
    rule.from = {kZones[static_cast<std::size_t>(rng.below(2))]};
    rule.to = {kZones[static_cast<std::size_t>(1 + rng.below(3))]};
    const int sources = 1 + rng.below(4);
    for (int k = 0; k < sources; ++k) {
      rule.source.push_back(
          fmt::format("{}.{}.{}.0/24", 20 + rng.below(180), rng.below(256), rng.below(256)));
    }
    const int destinations = 1 + rng.below(6);
    for (int k = 0; k < destinations; ++k) {
      rule.destination.push_back(
          fmt::format("10.{}.{}.{}", rng.below(4), rng.below(256), 1 + rng.below(254)));
    }
    rule.source_user = {"any"};
    rule.category = {"any"};
    rule.application = {kApps[static_cast<std::size_t>(rng.below(kApps.size()))]};
    rule.service = {rng.chance(70) ? "application-default" : "service-https"};
    rule.source_hip = {"any"};
    rule.destination_hip = {"any"};
    if (rng.chance(50)) rule.tag = {rng.chance(50) ? "prod" : "audit"};
    rule.action = rng.chance(90) ? "allow" : "deny";
    rule.description = fmt::format("ticket CHG-{} written by hand", 10000 + i);
    rule.disabled = rng.chance(5);
    if (rng.chance(40)) rule.profile_setting = policy::ProfileSetting{{"default-protect"}, {}};
    rule.log_setting = "default";
    rule.log_end = true;
    rulebase.rules.push_back(std::move(rule));
  }
  policy::SecurityRule bottom;
  bottom.name = "deny-all";
  bottom.from = {"any"};
  bottom.to = {"any"};
  bottom.source = bottom.destination = bottom.application = bottom.service = {"any"};
  bottom.action = "deny";
  rulebase.rules.push_back(bottom);

  auto desired = policy::desiredRules(inventory, options);
  if (!desired) {
    fmt::print(stderr, "generateRulebaseXml: {}\n", desired.error().message);
    std::abort();
  }
  auto plan = policy::plan(std::move(*desired), rulebase, {}, options);
  if (!plan) {
    fmt::print(stderr, "generateRulebaseXml: {}\n", plan.error().message);
    std::abort();
  }
  rulebase = policy::applyPlan(rulebase, *plan);
  // Drift since the last run: a rule deleted by hand, an address added by hand.
  std::size_t managed = 0;
  std::erase_if(rulebase.rules, [&](const policy::SecurityRule& rule) {
    return rule.hasTag(options.managed_tag) && managed++ % 100 == 99;
  });
  managed = 0;
  for (auto& rule : rulebase.rules) {
    if (rule.hasTag(options.managed_tag) && managed++ % 100 == 50) {
      rule.destination.push_back("10.255.255.254");
    }
  }
  auto xml = policy::renderRulebaseConfig(rulebase);
  if (!xml) {
    fmt::print(stderr, "generateRulebaseXml: {}\n", xml.error().message);
    std::abort();
  }
  return std::move(*xml);
}

}  // namespace trailwall::bench
