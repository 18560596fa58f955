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

// Reads one response: checks the root element, calls `read` for every <item> of the list
// `list_name` directly under the root, and takes the nextToken.
template <class T, class Read>
Result<Ec2Page<T>> parseList(std::string_view body, std::string_view operation,
                             const char* list_name, Read read) {
  const std::string what = fmt::format("EC2 {} response", operation);
  auto doc = xml::parse(body, what);
  if (!doc) {
    return std::unexpected(doc.error());
  }
  auto root = xml::root(**doc, fmt::format("{}Response", operation), what);
  if (!root) {
    return std::unexpected(root.error());
  }
  Context ctx(operation);
  Ec2Page<T> page;
  for (const auto& node : items(*root, list_name)) {
    if (auto item = read(node, ctx)) {
      page.items.push_back(std::move(*item));
    }
  }
  if (ctx.failed()) {
    return std::unexpected(ctx.error());
  }
  page.next_token = xml::text(*root, "nextToken");
  return page;
}

// ipProtocol, fromPort and toPort, as permissions and rules write them.
void readProtocolAndPorts(const pugi::xml_node& node, Context& ctx, const std::string& where,
                          Permission& p) {
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
}

void validate(const Permission& p, Context& ctx, const std::string& where) {
  if (!ctx.failed()) {
    if (auto valid = inventory::validatePermission(p); !valid) {
      ctx.fail(where, valid.error().message);
    }
  }
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
  readProtocolAndPorts(node, ctx, where, p);
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
  validate(p, ctx, where);
  return p;
}

inventory::Route readRoute(const pugi::xml_node& item, Context& ctx, const std::string& where) {
  inventory::Route route;
  const auto v4 = xml::text(item, "destinationCidrBlock");
  const auto v6 = xml::text(item, "destinationIpv6CidrBlock");
  route.destination = ctx.cidr(v4.empty() ? v6 : v4, where,
                               v4.empty() ? "destinationIpv6CidrBlock" : "destinationCidrBlock");
  route.destination_prefix_list_id = xml::text(item, "destinationPrefixListId");
  route.instance_id = xml::text(item, "instanceId");
  route.network_interface_id = xml::text(item, "networkInterfaceId");
  route.gateway_id = xml::text(item, "gatewayId");
  for (const char* other :
       {"natGatewayId", "transitGatewayId", "vpcPeeringConnectionId", "egressOnlyInternetGatewayId",
        "carrierGatewayId", "localGatewayId", "coreNetworkArn"}) {
    if (auto id = xml::text(item, other); !id.empty()) {
      route.other_target_id = id;
      break;
    }
  }
  if (auto state = xml::text(item, "state"); !state.empty()) {
    route.state = state;
  }
  return route;
}

// The CIDR blocks of an association set whose state says they apply.
std::vector<net::Cidr> associatedBlocks(const pugi::xml_node& node, Context& ctx,
                                        const std::string& where, const char* set,
                                        const char* state, const char* field) {
  std::vector<net::Cidr> out;
  for (const auto& item : items(node, set)) {
    if (!associated(item.child(state))) {
      continue;
    }
    if (auto c = ctx.cidr(xml::text(item, field), where, field)) {
      out.push_back(*c);
    }
  }
  return out;
}

}  // namespace

Result<InstancesPage> parseDescribeInstances(std::string_view body) {
  InstancesPage out;
  // Instances sit one level down, in each reservation's instancesSet.
  auto reservations = parseList<int>(
      body, "DescribeInstances", "reservationSet",
      [&out](const pugi::xml_node& reservation, Context& ctx) -> std::optional<int> {
        for (const auto& node : items(reservation, "instancesSet")) {
          inventory::Instance instance;
          instance.id = ctx.required(node, "instanceId", "instancesSet");
          const std::string where = "instance " + instance.id;
          auto state =
              inventory::parseInstanceState(xml::text(node.child("instanceState"), "name"));
          if (!state) {
            ctx.fail(where, state.error().message);
          } else {
            instance.state = *state;
          }
          instance.vpc_id = xml::text(node, "vpcId");
          instance.subnet_id = xml::text(node, "subnetId");
          instance.name = nameTag(node);
          for (const auto& eni_node : items(node, "networkInterfaceSet")) {
            auto eni = readInterface(eni_node, ctx, instance.id);
            instance.network_interface_ids.push_back(eni.id);
            out.network_interfaces.push_back(std::move(eni));
          }
          out.instances.push_back(std::move(instance));
        }
        return std::nullopt;
      });
  if (!reservations) {
    return std::unexpected(reservations.error());
  }
  out.next_token = reservations->next_token;
  return out;
}

Result<Ec2Page<inventory::NetworkInterface>> parseDescribeNetworkInterfaces(std::string_view body) {
  return parseList<inventory::NetworkInterface>(
      body, "DescribeNetworkInterfaces", "networkInterfaceSet",
      [](const pugi::xml_node& node, Context& ctx) {
        return std::optional(readInterface(node, ctx, ""));
      });
}

Result<Ec2Page<inventory::SecurityGroup>> parseDescribeSecurityGroups(std::string_view body) {
  return parseList<inventory::SecurityGroup>(
      body, "DescribeSecurityGroups", "securityGroupInfo",
      [](const pugi::xml_node& node, Context& ctx) {
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
        return std::optional(std::move(group));
      });
}

Result<Ec2Page<SecurityGroupRule>> parseDescribeSecurityGroupRules(std::string_view body) {
  return parseList<SecurityGroupRule>(
      body, "DescribeSecurityGroupRules", "securityGroupRuleSet",
      [](const pugi::xml_node& node, Context& ctx) {
        SecurityGroupRule rule;
        rule.id = ctx.required(node, "securityGroupRuleId", "securityGroupRuleSet");
        const std::string where = "rule " + rule.id;
        rule.group_id = ctx.required(node, "groupId", where);
        rule.is_egress = xml::text(node, "isEgress") == "true";
        // A rule is a permission with one source, in flat fields.
        Permission& p = rule.permission;
        readProtocolAndPorts(node, ctx, where, p);
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
        validate(p, ctx, where);
        return std::optional(std::move(rule));
      });
}

Result<Ec2Page<inventory::RouteTable>> parseDescribeRouteTables(std::string_view body) {
  return parseList<inventory::RouteTable>(
      body, "DescribeRouteTables", "routeTableSet", [](const pugi::xml_node& node, Context& ctx) {
        inventory::RouteTable table;
        table.id = ctx.required(node, "routeTableId", "routeTableSet");
        const std::string where = "route table " + table.id;
        table.vpc_id = xml::text(node, "vpcId");
        for (const auto& item : items(node, "associationSet")) {
          if (!associated(item.child("associationState"))) {
            continue;
          }
          table.associations.push_back({xml::text(item, "routeTableAssociationId"),
                                        xml::text(item, "main") == "true",
                                        xml::text(item, "subnetId"), xml::text(item, "gatewayId")});
        }
        for (const auto& item : items(node, "routeSet")) {
          table.routes.push_back(readRoute(item, ctx, where));
        }
        return std::optional(std::move(table));
      });
}

Result<Ec2Page<inventory::Subnet>> parseDescribeSubnets(std::string_view body) {
  return parseList<inventory::Subnet>(
      body, "DescribeSubnets", "subnetSet", [](const pugi::xml_node& node, Context& ctx) {
        inventory::Subnet subnet;
        subnet.id = ctx.required(node, "subnetId", "subnetSet");
        const std::string where = "subnet " + subnet.id;
        subnet.vpc_id = xml::text(node, "vpcId");
        subnet.ipv4_cidr = ctx.cidr(xml::text(node, "cidrBlock"), where, "cidrBlock");
        subnet.ipv6_cidrs = associatedBlocks(node, ctx, where, "ipv6CidrBlockAssociationSet",
                                             "ipv6CidrBlockState", "ipv6CidrBlock");
        return std::optional(std::move(subnet));
      });
}

Result<Ec2Page<inventory::Vpc>> parseDescribeVpcs(std::string_view body) {
  return parseList<inventory::Vpc>(
      body, "DescribeVpcs", "vpcSet", [](const pugi::xml_node& node, Context& ctx) {
        inventory::Vpc vpc;
        vpc.id = ctx.required(node, "vpcId", "vpcSet");
        const std::string where = "vpc " + vpc.id;
        vpc.owner_id = xml::text(node, "ownerId");
        // The primary block first, then every other associated block in the order listed.
        const auto primary = ctx.cidr(xml::text(node, "cidrBlock"), where, "cidrBlock");
        if (primary) {
          vpc.ipv4_cidrs.push_back(*primary);
        }
        for (const auto& c : associatedBlocks(node, ctx, where, "cidrBlockAssociationSet",
                                              "cidrBlockState", "cidrBlock")) {
          if (c != primary) {
            vpc.ipv4_cidrs.push_back(c);
          }
        }
        vpc.ipv6_cidrs = associatedBlocks(node, ctx, where, "ipv6CidrBlockAssociationSet",
                                          "ipv6CidrBlockState", "ipv6CidrBlock");
        return std::optional(std::move(vpc));
      });
}

Result<Ec2Page<ManagedPrefixList>> parseDescribeManagedPrefixLists(std::string_view body) {
  return parseList<ManagedPrefixList>(
      body, "DescribeManagedPrefixLists", "prefixListSet",
      [](const pugi::xml_node& node, Context& ctx) {
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
        return std::optional(std::move(list));
      });
}

Result<Ec2Page<inventory::PrefixListEntry>> parseGetManagedPrefixListEntries(
    std::string_view body) {
  return parseList<inventory::PrefixListEntry>(
      body, "GetManagedPrefixListEntries", "entrySet",
      [](const pugi::xml_node& node, Context& ctx) -> std::optional<inventory::PrefixListEntry> {
        auto c = ctx.cidr(ctx.required(node, "cidr", "entrySet"), "entrySet", "cidr");
        if (!c) {
          return std::nullopt;
        }
        return inventory::PrefixListEntry{*c, xml::text(node, "description")};
      });
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
