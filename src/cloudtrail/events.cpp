#include "cloudtrail/events.h"

#include "cloudtrail/decoder.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <set>

#include <fmt/format.h>

namespace trailwall::cloudtrail {
namespace {

namespace dom = simdjson::dom;
using IdSet = std::set<std::string>;

std::string_view typeName(dom::element_type type) {
  switch (type) {
    case dom::element_type::ARRAY: return "an array";
    case dom::element_type::OBJECT: return "an object";
    case dom::element_type::INT64:
    case dom::element_type::UINT64:
    case dom::element_type::DOUBLE: return "a number";
    case dom::element_type::STRING: return "a string";
    case dom::element_type::BOOL: return "a boolean";
    case dom::element_type::NULL_VALUE: return "null";
  }
  return "an unknown value";
}

std::unexpected<Error> wrongType(const std::string& path, std::string_view expected,
                                 dom::element found) {
  return fail(ErrorCode::InvalidInput,
              fmt::format("{}: expected {}, found {}", path, expected, typeName(found.type())));
}

std::unexpected<Error> missing(const std::string& path) {
  return fail(ErrorCode::InvalidInput, fmt::format("missing {}", path));
}

// A member of an object; nullopt when absent, null, or `parent` is no object.
std::optional<dom::element> member(dom::element parent, std::string_view key) {
  dom::object object;
  dom::element value;
  if (parent.get_object().get(object) != simdjson::SUCCESS ||
      object.at_key(key).get(value) != simdjson::SUCCESS || value.is_null()) {
    return std::nullopt;
  }
  return value;
}

Result<std::string_view> asString(dom::element value, const std::string& path) {
  std::string_view text;
  if (value.get_string().get(text) != simdjson::SUCCESS) {
    return wrongType(path, "a string", value);
  }
  if (text.empty()) {
    return fail(ErrorCode::InvalidInput, fmt::format("{}: empty", path));
  }
  return text;
}

std::string pascalCase(std::string_view camel) {
  std::string pascal(camel);
  if (!pascal.empty()) {
    pascal[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(pascal[0])));
  }
  return pascal;
}

// params.<key>, else params.<wrapper>.<Key> (the PascalCase form of newer EC2 calls), else
// params.<wrapper>.<key>.
Result<std::optional<std::string_view>> findString(const Params& params, std::string_view key) {
  if (!params.present) {
    return std::nullopt;
  }
  if (auto value = member(params.root, key)) {
    return asString(*value, fmt::format("{}.{}", params.name, key));
  }
  if (auto wrapped = member(params.root, params.wrapper)) {
    const std::string pascal = pascalCase(key);
    for (const std::string_view name : {std::string_view(pascal), key}) {
      if (auto value = member(*wrapped, name)) {
        return asString(*value, fmt::format("{}.{}.{}", params.name, params.wrapper, name));
      }
    }
  }
  return std::nullopt;
}

// Adds item.<id_key> of every item of an EC2 list `params.<set_key>` ({"items":[…]}; `{}` when
// empty) to `ids`. An item without the id is an error when `id_required`.
Status collectItems(const Params& params, std::string_view set_key, std::string_view id_key,
                    bool id_required, IdSet& ids) {
  if (!params.present) {
    return {};
  }
  const auto set = member(params.root, set_key);
  if (!set) {
    return {};
  }
  const std::string set_path = fmt::format("{}.{}", params.name, set_key);
  if (!set->is_object()) {
    return wrongType(set_path, "an object", *set);
  }
  const auto items = member(*set, "items");
  if (!items) {
    return {};
  }
  dom::array array;
  if (items->get_array().get(array) != simdjson::SUCCESS) {
    return wrongType(set_path + ".items", "an array", *items);
  }
  std::size_t index = 0;
  for (dom::element item : array) {
    const std::string item_path = fmt::format("{}.items[{}]", set_path, index++);
    if (!item.is_object()) {
      return wrongType(item_path, "an object", item);
    }
    const auto id = member(item, id_key);
    if (!id) {
      if (id_required) {
        return missing(item_path + "." + std::string(id_key));
      }
      continue;
    }
    auto text = asString(*id, item_path + "." + std::string(id_key));
    if (!text) {
      return std::unexpected(text.error());
    }
    ids.emplace(*text);
  }
  return {};
}

// Adds params.<key> to `ids`; absent is an error when `required`.
Status addId(const Params& params, std::string_view key, bool required, IdSet& ids) {
  auto id = findString(params, key);
  if (!id) {
    return std::unexpected(id.error());
  }
  if (*id) {
    ids.emplace(**id);
  } else if (required) {
    return missing(
        fmt::format("{0}.{1} (or {0}.{2}.{3})", params.name, key, params.wrapper, pascalCase(key)));
  }
  return {};
}

Status addRequired(const Params& params, std::string_view key, IdSet& ids) {
  return addId(params, key, true, ids);
}

Status addOptional(const Params& params, std::string_view key, IdSet& ids) {
  return addId(params, key, false, ids);
}

// Start/Stop/TerminateInstances: instancesSet in the request, echoed with states in the response.
Status instancesRule(const Params& request, const Params& response, Extracted& out) {
  auto& ids = out.scope.instance_ids;
  if (auto ok = collectItems(request, "instancesSet", "instanceId", true, ids); !ok) return ok;
  if (auto ok = collectItems(response, "instancesSet", "instanceId", true, ids); !ok) return ok;
  if (ids.empty()) {
    return missing("requestParameters.instancesSet.items[].instanceId");
  }
  return {};
}

// RunInstances: the new ids exist only in the response.
Status runInstancesRule(const Params&, const Params& response, Extracted& out) {
  auto& ids = out.scope.instance_ids;
  if (auto ok = collectItems(response, "instancesSet", "instanceId", true, ids); !ok) return ok;
  if (ids.empty()) {
    return missing("responseElements.instancesSet.items[].instanceId");
  }
  return {};
}

// The members of a Modify*Attribute request other than the resource id, for the ignore reason.
std::string changedAttributes(const Params& request, std::string_view id_key) {
  std::string names;
  dom::object object;
  if (request.root.get_object().get(object) == simdjson::SUCCESS) {
    for (const auto& field : object) {
      if (field.key != id_key) {
        names += names.empty() ? "" : ", ";
        names += field.key;
      }
    }
  }
  return names.empty() ? "no security groups" : names;
}

// Modify{Instance,NetworkInterface}Attribute: only a new groupSet (the full replacement list of
// security groups) changes what is exposed; one attribute per call.
Status groupSetRule(const Params& request, std::string_view id_key, IdSet& resource_ids,
                    Extracted& out) {
  if (auto ok = addRequired(request, id_key, resource_ids); !ok) return ok;
  if (member(request.root, "groupSet")) {
    return collectItems(request, "groupSet", "groupId", true, out.scope.group_ids);
  }
  auto attribute = findString(request, "attribute");  // legacy form: attribute=…, value=…
  if (!attribute) {
    return std::unexpected(attribute.error());
  }
  if (*attribute && **attribute == "groupSet") {
    return {};
  }
  out.attribute_not_acted_on =
      *attribute ? std::string(**attribute) : changedAttributes(request, id_key);
  return {};
}

Status modifyInstanceAttributeRule(const Params& request, const Params&, Extracted& out) {
  return groupSetRule(request, "instanceId", out.scope.instance_ids, out);
}

Status modifyNetworkInterfaceAttributeRule(const Params& request, const Params&, Extracted& out) {
  return groupSetRule(request, "networkInterfaceId", out.scope.network_interface_ids, out);
}

// A group named by id, by name (default VPC; the request then has no id), or only in the
// response's rule list.
Status groupRule(const Params& request, const Params& response, Extracted& out) {
  auto& ids = out.scope.group_ids;
  if (auto ok = addOptional(request, "groupId", ids); !ok) return ok;
  if (auto ok = addOptional(response, "groupId", ids); !ok) return ok;
  for (const std::string_view set : {"securityGroupRuleSet", "revokedSecurityGroupRuleSet"}) {
    if (auto ok = collectItems(response, set, "groupId", false, ids); !ok) return ok;
  }
  if (!ids.empty()) {
    return {};
  }
  if (auto ok = addOptional(request, "groupName", out.scope.group_names); !ok) return ok;
  if (out.scope.group_names.empty()) {
    return missing("requestParameters.groupId (or groupName)");
  }
  return {};
}

// ModifySecurityGroupRules: requestParameters.ModifySecurityGroupRulesRequest.GroupId.
Status modifySecurityGroupRulesRule(const Params& request, const Params&, Extracted& out) {
  return addRequired(request, "groupId", out.scope.group_ids);
}

Status attachNetworkInterfaceRule(const Params& request, const Params&, Extracted& out) {
  if (auto ok = addRequired(request, "networkInterfaceId", out.scope.network_interface_ids); !ok) {
    return ok;
  }
  return addRequired(request, "instanceId", out.scope.instance_ids);
}

Status detachNetworkInterfaceRule(const Params& request, const Params&, Extracted& out) {
  return addRequired(request, "attachmentId", out.scope.network_interface_attachment_ids);
}

// Assign/Unassign{PrivateIp,Ipv6}Addresses.
Status interfaceAddressesRule(const Params& request, const Params&, Extracted& out) {
  return addRequired(request, "networkInterfaceId", out.scope.network_interface_ids);
}

// Create/Replace/DeleteRoute, DeleteRouteTable; the loader widens a route table to its VPC.
Status routeTableRule(const Params& request, const Params&, Extracted& out) {
  return addRequired(request, "routeTableId", out.scope.route_table_ids);
}

// AssociateRouteTable: a subnet, or a gateway for an edge association.
Status associateRouteTableRule(const Params& request, const Params&, Extracted& out) {
  if (auto ok = addRequired(request, "routeTableId", out.scope.route_table_ids); !ok) return ok;
  return addOptional(request, "subnetId", out.scope.subnet_ids);
}

// ReplaceRouteTableAssociation: the subnet is not in the event; the new association id is.
Status replaceRouteTableAssociationRule(const Params& request, const Params& response,
                                        Extracted& out) {
  auto& associations = out.scope.route_table_association_ids;
  if (auto ok = addRequired(request, "routeTableId", out.scope.route_table_ids); !ok) return ok;
  if (auto ok = addRequired(request, "associationId", associations); !ok) return ok;
  return addOptional(response, "newAssociationId", associations);
}

// DisassociateRouteTable: only the association id.
Status disassociateRouteTableRule(const Params& request, const Params&, Extracted& out) {
  return addRequired(request, "associationId", out.scope.route_table_association_ids);
}

// Associate/DisassociateVpcCidrBlock: the request of a disassociation names only the
// association; its response names the VPC.
Status vpcCidrBlockRule(const Params& request, const Params& response, Extracted& out) {
  auto& ids = out.scope.vpc_ids;
  if (auto ok = addOptional(request, "vpcId", ids); !ok) return ok;
  if (auto ok = addOptional(response, "vpcId", ids); !ok) return ok;
  if (ids.empty()) {
    return missing("requestParameters.vpcId (or responseElements.vpcId)");
  }
  return {};
}

// ModifyManagedPrefixList: requestParameters.ModifyManagedPrefixListRequest.PrefixListId.
Status prefixListRule(const Params& request, const Params&, Extracted& out) {
  return addRequired(request, "prefixListId", out.scope.prefix_list_ids);
}

}  // namespace

struct EventRule {
  std::string_view name;
  Status (*extract)(const Params& request, const Params& response, Extracted& out);
};

namespace {

// Sorted by name for binary search.
constexpr std::array kRules = {
    EventRule{"AssignIpv6Addresses", &interfaceAddressesRule},
    EventRule{"AssignPrivateIpAddresses", &interfaceAddressesRule},
    EventRule{"AssociateRouteTable", &associateRouteTableRule},
    EventRule{"AssociateVpcCidrBlock", &vpcCidrBlockRule},
    EventRule{"AttachNetworkInterface", &attachNetworkInterfaceRule},
    EventRule{"AuthorizeSecurityGroupIngress", &groupRule},
    EventRule{"CreateRoute", &routeTableRule},
    EventRule{"DeleteRoute", &routeTableRule},
    EventRule{"DeleteRouteTable", &routeTableRule},
    EventRule{"DeleteSecurityGroup", &groupRule},
    EventRule{"DetachNetworkInterface", &detachNetworkInterfaceRule},
    EventRule{"DisassociateRouteTable", &disassociateRouteTableRule},
    EventRule{"DisassociateVpcCidrBlock", &vpcCidrBlockRule},
    EventRule{"ModifyInstanceAttribute", &modifyInstanceAttributeRule},
    EventRule{"ModifyManagedPrefixList", &prefixListRule},
    EventRule{"ModifyNetworkInterfaceAttribute", &modifyNetworkInterfaceAttributeRule},
    EventRule{"ModifySecurityGroupRules", &modifySecurityGroupRulesRule},
    EventRule{"ReplaceRoute", &routeTableRule},
    EventRule{"ReplaceRouteTableAssociation", &replaceRouteTableAssociationRule},
    EventRule{"RevokeSecurityGroupIngress", &groupRule},
    EventRule{"RunInstances", &runInstancesRule},
    EventRule{"StartInstances", &instancesRule},
    EventRule{"StopInstances", &instancesRule},
    EventRule{"TerminateInstances", &instancesRule},
    EventRule{"UnassignIpv6Addresses", &interfaceAddressesRule},
    EventRule{"UnassignPrivateIpAddresses", &interfaceAddressesRule},
};

static_assert(std::is_sorted(kRules.begin(), kRules.end(),
                             [](const EventRule& a, const EventRule& b) {
                               return a.name < b.name;
                             }));

}  // namespace

EventLookup findEvent(std::string_view event_name) {
  const auto* it = std::lower_bound(
      kRules.begin(), kRules.end(), event_name,
      [](const EventRule& rule, std::string_view name) { return rule.name < name; });
  if (it != kRules.end() && it->name == event_name) {
    return {EventKind::Handled, it};
  }
  if (event_name == "AuthorizeSecurityGroupEgress" || event_name == "RevokeSecurityGroupEgress") {
    return {EventKind::Egress, nullptr};
  }
  return {};
}

std::vector<std::string_view> handledEventNames() {
  std::vector<std::string_view> names;
  names.reserve(kRules.size());
  for (const auto& rule : kRules) names.push_back(rule.name);
  return names;
}

Result<Extracted> extractScope(const EventRule& rule, const Params& request,
                               const Params& response) {
  Extracted out;
  if (auto ok = rule.extract(request, response, out); !ok) {
    return std::unexpected(ok.error());
  }
  return out;
}

}  // namespace trailwall::cloudtrail
