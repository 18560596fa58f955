#include "aws/ec2_parse.h"

#include <fmt/format.h>

#include <charconv>
#include <optional>

#include "aws/xml_util.h"

namespace trailwall::aws {

namespace {

using inventory::Permission;

// The first error met while reading one response, with where it happened. Readers keep going
// with defaults after an error so the code below stays straight-line; the caller checks once.
class Context {
 public:
  explicit Context(std::string_view operation) : operation_(operation) {}

  void fail(std::string_view where, std::string_view message) {
    if (!error_) {
      error_ =
          Error{ErrorCode::InvalidInput, fmt::format("EC2 {}: {}: {}", operation_, where, message)};
    }
  }
  [[nodiscard]] bool failed() const { return error_.has_value(); }
  [[nodiscard]] Error error() const { return *error_; }

  std::string required(const pugi::xml_node& node, const char* name, std::string_view where) {
    std::string value = xml::text(node, name);
    if (value.empty()) {
      fail(where, fmt::format("missing <{}>", name));
    }
    return value;
  }

  std::optional<net::Cidr> cidr(const std::string& text, std::string_view where,
                                std::string_view field) {
    if (text.empty()) {
      return std::nullopt;
    }
    auto c = net::Cidr::parse(text);
    if (!c) {
      fail(where, fmt::format("{} '{}': {}", field, text, c.error().message));
      return std::nullopt;
    }
    return *c;
  }

  std::optional<net::IpAddress> address(const std::string& text, std::string_view where,
                                        std::string_view field) {
    if (text.empty()) {
      return std::nullopt;
    }
    auto a = net::IpAddress::parse(text);
    if (!a) {
      fail(where, fmt::format("{} '{}': {}", field, text, a.error().message));
      return std::nullopt;
    }
    return *a;
  }

  int integer(const pugi::xml_node& node, const char* name, int fallback, std::string_view where) {
    const std::string text = xml::text(node, name);
    if (text.empty()) {
      return fallback;
    }
    int value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) {
      fail(where, fmt::format("<{}> '{}' is not an integer", name, text));
      return fallback;
    }
    return value;
  }

 private:
  std::string_view operation_;
  std::optional<Error> error_;
};

// Every <item> of the list element `name` under `node` (EC2 wraps lists as <xSet><item>).
pugi::xml_object_range<pugi::xml_named_node_iterator> items(const pugi::xml_node& node,
                                                            const char* name) {
  return node.child(name).children("item");
}

// Association states that count: a block or association being removed no longer applies.
bool associated(const pugi::xml_node& state_node) {
  const std::string state = xml::text(state_node, "state");
  return state.empty() || state == "associated" || state == "associating";
}

std::string nameTag(const pugi::xml_node& node) {
  for (const auto& tag : items(node, "tagSet")) {
    if (xml::text(tag, "key") == "Name") {
      return xml::text(tag, "value");
    }
  }
  return {};
}

Result<pugi::xml_node> open(std::string_view body, const char* root_name,
                            std::unique_ptr<pugi::xml_document>& doc, std::string_view operation) {
  auto parsed = xml::parse(body, fmt::format("EC2 {} response", operation));
  if (!parsed) {
    return std::unexpected(parsed.error());
  }
  doc = std::move(*parsed);
  return xml::root(*doc, root_name, fmt::format("EC2 {} response", operation));
}

// One ENI as DescribeNetworkInterfaces or an instance's networkInterfaceSet writes it.
inventory::NetworkInterface readInterface(const pugi::xml_node& node, Context& ctx,
                                          const std::string& instance_id) {
  inventory::NetworkInterface eni;
  eni.id = ctx.required(node, "networkInterfaceId",
                        instance_id.empty() ? "networkInterfaceSet" : "instance " + instance_id);
  const std::string where = "network interface " + eni.id;
  eni.subnet_id = xml::text(node, "subnetId");
  eni.vpc_id = xml::text(node, "vpcId");
  eni.primary_ipv4 = ctx.address(xml::text(node, "privateIpAddress"), where, "privateIpAddress");
  for (const auto& item : items(node, "privateIpAddressesSet")) {
    auto address = ctx.address(xml::text(item, "privateIpAddress"), where, "privateIpAddress");
    if (!address) {
      continue;
    }
    if (xml::text(item, "primary") == "true") {
      eni.primary_ipv4 = address;
    } else if (address != eni.primary_ipv4) {
      eni.secondary_ipv4.push_back(*address);
    }
  }
  for (const auto& item : items(node, "ipv6AddressesSet")) {
    if (auto address = ctx.address(xml::text(item, "ipv6Address"), where, "ipv6Address")) {
      eni.ipv6_addresses.push_back(*address);
    }
  }
  for (const auto& item : items(node, "groupSet")) {
    eni.group_ids.push_back(ctx.required(item, "groupId", where + " groupSet"));
  }
  const auto attachment = node.child("attachment");
  const std::string status = xml::text(attachment, "status");
  // A detached (or detaching-done) interface carries no traffic for an instance.
  if (attachment && status != "detached") {
    inventory::Attachment a;
    a.instance_id = instance_id.empty() ? xml::text(attachment, "instanceId") : instance_id;
    a.device_index = ctx.integer(attachment, "deviceIndex", 0, where + " attachment");
    a.attachment_id = xml::text(attachment, "attachmentId");
    if (!a.instance_id.empty()) {
      eni.attachment = std::move(a);
    }
  }
  return eni;
}

// One ingress or egress IpPermission of DescribeSecurityGroups.
Permission readPermission(const pugi::xml_node& node, Context& ctx, const std::string& where) {
  Permission p;
  const std::string protocol = xml::text(node, "ipProtocol");
  auto parsed = net::Protocol::parse(protocol);
  if (!parsed) {
    ctx.fail(where, fmt::format("ipProtocol '{}': {}", protocol, parsed.error().message));
  } else {
    p.protocol = *parsed;
  }
  p.from_port = ctx.integer(node, "fromPort", -1, where);
  p.to_port = ctx.integer(node, "toPort", -1, where);
  if (p.protocol.hasPorts() && p.from_port == -1 && p.to_port == -1) {
    p.from_port = 0;  // tcp/udp without ports means every port
    p.to_port = 65535;
  }
  for (const auto& item : items(node, "ipRanges")) {
    if (auto c = ctx.cidr(xml::text(item, "cidrIp"), where, "cidrIp")) {
      p.ipv4_ranges.push_back({*c, xml::text(item, "description")});
    }
  }
  for (const auto& item : items(node, "ipv6Ranges")) {
    if (auto c = ctx.cidr(xml::text(item, "cidrIpv6"), where, "cidrIpv6")) {
      p.ipv6_ranges.push_back({*c, xml::text(item, "description")});
    }
  }
  for (const auto& item : items(node, "prefixListIds")) {
    p.prefix_lists.push_back(
        {ctx.required(item, "prefixListId", where), xml::text(item, "description")});
  }
  for (const auto& item : items(node, "groups")) {
    p.group_pairs.push_back({xml::text(item, "groupId"), xml::text(item, "userId"),
                             xml::text(item, "vpcId"), xml::text(item, "description")});
  }
  if (!ctx.failed()) {
    if (auto valid = inventory::validatePermission(p); !valid) {
      ctx.fail(where, valid.error().message);
    }
  }
  return p;
}

template <class T>
Result<Ec2Page<T>> finish(Context& ctx, Ec2Page<T> page, const pugi::xml_node& root) {
  if (ctx.failed()) {
    return std::unexpected(ctx.error());
  }
  page.next_token = xml::text(root, "nextToken");
  return page;
}

}  // namespace

Result<InstancesPage> parseDescribeInstances(std::string_view body) {
  std::unique_ptr<pugi::xml_document> doc;
  auto root = open(body, "DescribeInstancesResponse", doc, "DescribeInstances");
  if (!root) {
    return std::unexpected(root.error());
  }
  Context ctx("DescribeInstances");
  InstancesPage page;
  for (const auto& reservation : items(*root, "reservationSet")) {
    for (const auto& node : items(reservation, "instancesSet")) {
      inventory::Instance instance;
      instance.id = ctx.required(node, "instanceId", "instancesSet");
      const std::string where = "instance " + instance.id;
      const std::string state = xml::text(node.child("instanceState"), "name");
      auto parsed_state = inventory::parseInstanceState(state);
      if (!parsed_state) {
        ctx.fail(where, parsed_state.error().message);
      } else {
        instance.state = *parsed_state;
      }
      instance.vpc_id = xml::text(node, "vpcId");
      instance.subnet_id = xml::text(node, "subnetId");
      instance.name = nameTag(node);
      for (const auto& eni_node : items(node, "networkInterfaceSet")) {
        auto eni = readInterface(eni_node, ctx, instance.id);
        instance.network_interface_ids.push_back(eni.id);
        page.network_interfaces.push_back(std::move(eni));
      }
      page.instances.push_back(std::move(instance));
    }
  }
  if (ctx.failed()) {
    return std::unexpected(ctx.error());
  }
  page.next_token = xml::text(*root, "nextToken");
  return page;
}

Result<Ec2Page<inventory::NetworkInterface>> parseDescribeNetworkInterfaces(std::string_view body) {
  std::unique_ptr<pugi::xml_document> doc;
  auto root = open(body, "DescribeNetworkInterfacesResponse", doc, "DescribeNetworkInterfaces");
  if (!root) {
    return std::unexpected(root.error());
  }
  Context ctx("DescribeNetworkInterfaces");
  Ec2Page<inventory::NetworkInterface> page;
  for (const auto& node : items(*root, "networkInterfaceSet")) {
    page.items.push_back(readInterface(node, ctx, ""));
  }
  return finish(ctx, std::move(page), *root);
}

Result<Ec2Page<inventory::SecurityGroup>> parseDescribeSecurityGroups(std::string_view body) {
  std::unique_ptr<pugi::xml_document> doc;
  auto root = open(body, "DescribeSecurityGroupsResponse", doc, "DescribeSecurityGroups");
  if (!root) {
    return std::unexpected(root.error());
  }
  Context ctx("DescribeSecurityGroups");
  Ec2Page<inventory::SecurityGroup> page;
  for (const auto& node : items(*root, "securityGroupInfo")) {
    inventory::SecurityGroup group;
    group.id = ctx.required(node, "groupId", "securityGroupInfo");
    group.name = xml::text(node, "groupName");
    group.vpc_id = xml::text(node, "vpcId");
    group.description = xml::text(node, "groupDescription");
    int index = 0;
    for (const auto& permission : items(node, "ipPermissions")) {
      group.ingress.push_back(readPermission(
          permission, ctx, fmt::format("group {} ipPermissions[{}]", group.id, index++)));
    }
    page.items.push_back(std::move(group));
  }
  return finish(ctx, std::move(page), *root);
}

Result<Ec2Page<SecurityGroupRule>> parseDescribeSecurityGroupRules(std::string_view body) {
  std::unique_ptr<pugi::xml_document> doc;
  auto root = open(body, "DescribeSecurityGroupRulesResponse", doc, "DescribeSecurityGroupRules");
  if (!root) {
    return std::unexpected(root.error());
  }
  Context ctx("DescribeSecurityGroupRules");
  Ec2Page<SecurityGroupRule> page;
  for (const auto& node : items(*root, "securityGroupRuleSet")) {
    SecurityGroupRule rule;
    rule.id = ctx.required(node, "securityGroupRuleId", "securityGroupRuleSet");
    const std::string where = "rule " + rule.id;
    rule.group_id = ctx.required(node, "groupId", where);
    rule.is_egress = xml::text(node, "isEgress") == "true";
    // A rule is a permission with one source, in flat fields.
    Permission& p = rule.permission;
    const std::string protocol = xml::text(node, "ipProtocol");
    auto parsed = net::Protocol::parse(protocol);
    if (!parsed) {
      ctx.fail(where, fmt::format("ipProtocol '{}': {}", protocol, parsed.error().message));
    } else {
      p.protocol = *parsed;
    }
    p.from_port = ctx.integer(node, "fromPort", -1, where);
    p.to_port = ctx.integer(node, "toPort", -1, where);
    if (p.protocol.hasPorts() && p.from_port == -1 && p.to_port == -1) {
      p.from_port = 0;
      p.to_port = 65535;
    }
    const std::string description = xml::text(node, "description");
    if (auto c = ctx.cidr(xml::text(node, "cidrIpv4"), where, "cidrIpv4")) {
      p.ipv4_ranges.push_back({*c, description});
    }
    if (auto c = ctx.cidr(xml::text(node, "cidrIpv6"), where, "cidrIpv6")) {
      p.ipv6_ranges.push_back({*c, description});
    }
    if (auto id = xml::text(node, "prefixListId"); !id.empty()) {
      p.prefix_lists.push_back({id, description});
    }
    if (const auto ref = node.child("referencedGroupInfo")) {
      p.group_pairs.push_back({xml::text(ref, "groupId"), xml::text(ref, "userId"),
                               xml::text(ref, "vpcId"), description});
    }
    page.items.push_back(std::move(rule));
  }
  return finish(ctx, std::move(page), *root);
}

Result<Ec2Page<inventory::RouteTable>> parseDescribeRouteTables(std::string_view body) {
  std::unique_ptr<pugi::xml_document> doc;
  auto root = open(body, "DescribeRouteTablesResponse", doc, "DescribeRouteTables");
  if (!root) {
    return std::unexpected(root.error());
  }
  Context ctx("DescribeRouteTables");
  Ec2Page<inventory::RouteTable> page;
  for (const auto& node : items(*root, "routeTableSet")) {
    inventory::RouteTable table;
    table.id = ctx.required(node, "routeTableId", "routeTableSet");
    const std::string where = "route table " + table.id;
    table.vpc_id = xml::text(node, "vpcId");
    for (const auto& item : items(node, "associationSet")) {
      if (!associated(item.child("associationState"))) {
        continue;
      }
      inventory::RouteTableAssociation a;
      a.id = xml::text(item, "routeTableAssociationId");
      a.main = xml::text(item, "main") == "true";
      a.subnet_id = xml::text(item, "subnetId");
      a.gateway_id = xml::text(item, "gatewayId");
      table.associations.push_back(std::move(a));
    }
    for (const auto& item : items(node, "routeSet")) {
      inventory::Route route;
      auto v4 = xml::text(item, "destinationCidrBlock");
      auto v6 = xml::text(item, "destinationIpv6CidrBlock");
      route.destination =
          ctx.cidr(v4.empty() ? v6 : v4, where,
                   v4.empty() ? "destinationIpv6CidrBlock" : "destinationCidrBlock");
      route.destination_prefix_list_id = xml::text(item, "destinationPrefixListId");
      route.instance_id = xml::text(item, "instanceId");
      route.network_interface_id = xml::text(item, "networkInterfaceId");
      route.gateway_id = xml::text(item, "gatewayId");
      for (const char* other : {"natGatewayId", "transitGatewayId", "vpcPeeringConnectionId",
                                "egressOnlyInternetGatewayId", "carrierGatewayId", "localGatewayId",
                                "coreNetworkArn"}) {
        if (auto id = xml::text(item, other); !id.empty()) {
          route.other_target_id = id;
          break;
        }
      }
      if (auto state = xml::text(item, "state"); !state.empty()) {
        route.state = state;
      }
      table.routes.push_back(std::move(route));
    }
    page.items.push_back(std::move(table));
  }
  return finish(ctx, std::move(page), *root);
}

Result<Ec2Page<inventory::Subnet>> parseDescribeSubnets(std::string_view body) {
  std::unique_ptr<pugi::xml_document> doc;
  auto root = open(body, "DescribeSubnetsResponse", doc, "DescribeSubnets");
  if (!root) {
    return std::unexpected(root.error());
  }
  Context ctx("DescribeSubnets");
  Ec2Page<inventory::Subnet> page;
  for (const auto& node : items(*root, "subnetSet")) {
    inventory::Subnet subnet;
    subnet.id = ctx.required(node, "subnetId", "subnetSet");
    const std::string where = "subnet " + subnet.id;
    subnet.vpc_id = xml::text(node, "vpcId");
    subnet.ipv4_cidr = ctx.cidr(xml::text(node, "cidrBlock"), where, "cidrBlock");
    for (const auto& item : items(node, "ipv6CidrBlockAssociationSet")) {
      if (!associated(item.child("ipv6CidrBlockState"))) {
        continue;
      }
      if (auto c = ctx.cidr(xml::text(item, "ipv6CidrBlock"), where, "ipv6CidrBlock")) {
        subnet.ipv6_cidrs.push_back(*c);
      }
    }
    page.items.push_back(std::move(subnet));
  }
  return finish(ctx, std::move(page), *root);
}

Result<Ec2Page<inventory::Vpc>> parseDescribeVpcs(std::string_view body) {
  std::unique_ptr<pugi::xml_document> doc;
  auto root = open(body, "DescribeVpcsResponse", doc, "DescribeVpcs");
  if (!root) {
    return std::unexpected(root.error());
  }
  Context ctx("DescribeVpcs");
  Ec2Page<inventory::Vpc> page;
  for (const auto& node : items(*root, "vpcSet")) {
    inventory::Vpc vpc;
    vpc.id = ctx.required(node, "vpcId", "vpcSet");
    const std::string where = "vpc " + vpc.id;
    vpc.owner_id = xml::text(node, "ownerId");
    // The primary block first, then every other associated block in the order listed.
    const auto primary = ctx.cidr(xml::text(node, "cidrBlock"), where, "cidrBlock");
    if (primary) {
      vpc.ipv4_cidrs.push_back(*primary);
    }
    for (const auto& item : items(node, "cidrBlockAssociationSet")) {
      if (!associated(item.child("cidrBlockState"))) {
        continue;
      }
      auto c = ctx.cidr(xml::text(item, "cidrBlock"), where, "cidrBlock");
      if (c && c != primary) {
        vpc.ipv4_cidrs.push_back(*c);
      }
    }
    for (const auto& item : items(node, "ipv6CidrBlockAssociationSet")) {
      if (!associated(item.child("ipv6CidrBlockState"))) {
        continue;
      }
      if (auto c = ctx.cidr(xml::text(item, "ipv6CidrBlock"), where, "ipv6CidrBlock")) {
        vpc.ipv6_cidrs.push_back(*c);
      }
    }
    page.items.push_back(std::move(vpc));
  }
  return finish(ctx, std::move(page), *root);
}

Result<Ec2Page<ManagedPrefixList>> parseDescribeManagedPrefixLists(std::string_view body) {
  std::unique_ptr<pugi::xml_document> doc;
  auto root = open(body, "DescribeManagedPrefixListsResponse", doc, "DescribeManagedPrefixLists");
  if (!root) {
    return std::unexpected(root.error());
  }
  Context ctx("DescribeManagedPrefixLists");
  Ec2Page<ManagedPrefixList> page;
  for (const auto& node : items(*root, "prefixListSet")) {
    ManagedPrefixList list;
    list.id = ctx.required(node, "prefixListId", "prefixListSet");
    const std::string where = "prefix list " + list.id;
    list.name = xml::text(node, "prefixListName");
    const std::string family = xml::text(node, "addressFamily");
    if (family == "IPv6") {
      list.address_family = net::Family::V6;
    } else if (family != "IPv4" && !family.empty()) {
      ctx.fail(where, fmt::format("addressFamily '{}' is not IPv4 or IPv6", family));
    }
    list.state = xml::text(node, "state");
    list.version = ctx.integer(node, "version", 0, where);
    list.owner_id = xml::text(node, "ownerId");
    page.items.push_back(std::move(list));
  }
  return finish(ctx, std::move(page), *root);
}

Result<Ec2Page<inventory::PrefixListEntry>> parseGetManagedPrefixListEntries(
    std::string_view body) {
  std::unique_ptr<pugi::xml_document> doc;
  auto root = open(body, "GetManagedPrefixListEntriesResponse", doc, "GetManagedPrefixListEntries");
  if (!root) {
    return std::unexpected(root.error());
  }
  Context ctx("GetManagedPrefixListEntries");
  Ec2Page<inventory::PrefixListEntry> page;
  for (const auto& node : items(*root, "entrySet")) {
    if (auto c = ctx.cidr(ctx.required(node, "cidr", "entrySet"), "entrySet", "cidr")) {
      page.items.push_back({*c, xml::text(node, "description")});
    }
  }
  return finish(ctx, std::move(page), *root);
}

std::vector<std::string> idsNamedIn(std::string_view message,
                                    const std::vector<std::string>& requested) {
  std::vector<std::string> named;
  const auto is_id_char = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
  };
  for (const auto& id : requested) {
    // A whole-token match, so "sg-1" is not found inside "sg-12".
    for (auto at = message.find(id); at != std::string_view::npos; at = message.find(id, at + 1)) {
      const bool starts = at == 0 || !is_id_char(message[at - 1]);
      const bool ends = at + id.size() == message.size() || !is_id_char(message[at + id.size()]);
      if (starts && ends) {
        named.push_back(id);
        break;
      }
    }
  }
  return named;
}

}  // namespace trailwall::aws
