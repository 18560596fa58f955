#include "inventory/inventory_json.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <unordered_set>

namespace trailwall::inventory {
namespace {

using Json = nlohmann::json;
using OrderedJson = nlohmann::ordered_json;

// Reads JSON values into the model, remembering the first error with its path. Every getter
// returns a usable default after an error, so the readers below stay straight-line code.
class Reader {
 public:
  [[nodiscard]] bool failed() const { return error_.has_value(); }
  [[nodiscard]] Error error() const { return *error_; }

  void fail(const std::string& path, const std::string& message) {
    if (!error_) error_ = Error{ErrorCode::InvalidInput, fmt::format("{}: {}", path, message)};
  }

  // Checks that `j` is an object whose keys are all in `known`.
  bool object(const Json& j, const std::string& path,
              std::initializer_list<std::string_view> known) {
    if (!j.is_object()) {
      fail(path, fmt::format("expected an object, got {}", j.type_name()));
      return false;
    }
    for (const auto& [key, value] : j.items()) {
      if (std::find(known.begin(), known.end(), key) == known.end()) {
        fail(path, fmt::format("unknown key '{}'", key));
        return false;
      }
    }
    return true;
  }

  std::string string(const Json& obj, std::string_view key, const std::string& path,
                     bool required = false) {
    const auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) {
      if (required) fail(path, fmt::format("missing '{}'", key));
      return {};
    }
    if (!it->is_string()) {
      fail(join(path, key), fmt::format("expected a string, got {}", it->type_name()));
      return {};
    }
    std::string value = it->get<std::string>();
    if (required && value.empty()) fail(join(path, key), "must not be empty");
    return value;
  }

  int integer(const Json& obj, std::string_view key, const std::string& path, int fallback) {
    const auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) return fallback;
    if (!it->is_number_integer() || it->get<long long>() < INT32_MIN ||
        it->get<long long>() > INT32_MAX) {
      fail(join(path, key), fmt::format("expected an integer, got {}", it->dump()));
      return fallback;
    }
    return static_cast<int>(it->get<long long>());
  }

  bool boolean(const Json& obj, std::string_view key, const std::string& path) {
    const auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) return false;
    if (!it->is_boolean()) {
      fail(join(path, key), fmt::format("expected true or false, got {}", it->dump()));
      return false;
    }
    return it->get<bool>();
  }

  // Calls each(element, element_path) for every element of the array at `key` (absent = empty).
  template <class F>
  void array(const Json& obj, std::string_view key, const std::string& path, F&& each) {
    const auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) return;
    const std::string here = join(path, key);
    if (!it->is_array()) {
      fail(here, fmt::format("expected an array, got {}", it->type_name()));
      return;
    }
    for (std::size_t i = 0; i < it->size() && !failed(); ++i) {
      each((*it)[i], fmt::format("{}[{}]", here, i));
    }
  }

  std::vector<std::string> strings(const Json& obj, std::string_view key, const std::string& path) {
    std::vector<std::string> out;
    array(obj, key, path, [&](const Json& e, const std::string& p) {
      if (!e.is_string()) {
        fail(p, fmt::format("expected a string, got {}", e.type_name()));
        return;
      }
      out.push_back(e.get<std::string>());
    });
    return out;
  }

  template <class T>
  std::optional<T> parsed(const Result<T>& r, const std::string& path) {
    if (!r) {
      fail(path, r.error().message);
      return std::nullopt;
    }
    return *r;
  }

  // Parses an address or CIDR (T) of the given family.
  template <class T>
  std::optional<T> familyValue(const std::string& text, const std::string& path,
                               net::Family family) {
    auto v = parsed(T::parse(text), path);
    if (v && v->family() != family) {
      fail(path, fmt::format("expected an {} {}, got '{}'", to_string(family),
                             std::is_same_v<T, net::Cidr> ? "CIDR" : "address", text));
      return std::nullopt;
    }
    return v;
  }

  std::optional<net::Cidr> cidr(const Json& obj, std::string_view key, const std::string& path,
                                net::Family family, bool required) {
    const std::string text = string(obj, key, path, required);
    if (text.empty()) return std::nullopt;
    return familyValue<net::Cidr>(text, join(path, key), family);
  }

  template <class T>
  std::vector<T> familyValues(const Json& obj, std::string_view key, const std::string& path,
                              net::Family family) {
    std::vector<T> out;
    array(obj, key, path, [&](const Json& e, const std::string& p) {
      if (!e.is_string()) return fail(p, fmt::format("expected a string, got {}", e.type_name()));
      if (auto v = familyValue<T>(e.get<std::string>(), p, family)) out.push_back(*v);
    });
    return out;
  }

  static std::string join(const std::string& path, std::string_view key) {
    return path.empty() ? std::string(key) : fmt::format("{}.{}", path, key);
  }

 private:
  std::optional<Error> error_;
};

template <class T>
void checkUniqueIds(Reader& r, const std::vector<T>& items, std::string_view kind) {
  std::unordered_set<std::string_view> seen;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (!seen.insert(items[i].id).second) {
      r.fail(fmt::format("{}[{}].id", kind, i), fmt::format("duplicate id '{}'", items[i].id));
      return;
    }
  }
}

Vpc readVpc(Reader& r, const Json& j, const std::string& p) {
  Vpc v;
  if (!r.object(j, p, {"id", "ipv4_cidrs", "ipv6_cidrs", "owner_id", "region"})) return v;
  v.id = r.string(j, "id", p, true);
  v.ipv4_cidrs = r.familyValues<net::Cidr>(j, "ipv4_cidrs", p, net::Family::V4);
  v.ipv6_cidrs = r.familyValues<net::Cidr>(j, "ipv6_cidrs", p, net::Family::V6);
  v.owner_id = r.string(j, "owner_id", p);
  v.region = r.string(j, "region", p);
  return v;
}

Subnet readSubnet(Reader& r, const Json& j, const std::string& p) {
  Subnet s;
  if (!r.object(j, p, {"id", "vpc_id", "ipv4_cidr", "ipv6_cidrs"})) return s;
  s.id = r.string(j, "id", p, true);
  s.vpc_id = r.string(j, "vpc_id", p, true);
  s.ipv4_cidr = r.cidr(j, "ipv4_cidr", p, net::Family::V4, false);
  s.ipv6_cidrs = r.familyValues<net::Cidr>(j, "ipv6_cidrs", p, net::Family::V6);
  return s;
}

Route readRoute(Reader& r, const Json& j, const std::string& p) {
  Route route;
  if (!r.object(j, p,
                {"destination", "destination_prefix_list_id", "instance_id", "network_interface_id",
                 "gateway_id", "other_target_id", "state"})) {
    return route;
  }
  const std::string dest = r.string(j, "destination", p);
  if (!dest.empty()) route.destination = r.parsed(net::Cidr::parse(dest), p + ".destination");
  route.destination_prefix_list_id = r.string(j, "destination_prefix_list_id", p);
  if (dest.empty() && route.destination_prefix_list_id.empty()) {
    r.fail(p, "missing 'destination' or 'destination_prefix_list_id'");
  }
  route.instance_id = r.string(j, "instance_id", p);
  route.network_interface_id = r.string(j, "network_interface_id", p);
  route.gateway_id = r.string(j, "gateway_id", p);
  route.other_target_id = r.string(j, "other_target_id", p);
  const std::string state = r.string(j, "state", p);
  if (!state.empty()) route.state = state;
  if (route.state != "active" && route.state != "blackhole") {
    r.fail(p + ".state", fmt::format("expected active or blackhole, got '{}'", route.state));
  }
  return route;
}

RouteTable readRouteTable(Reader& r, const Json& j, const std::string& p) {
  RouteTable t;
  if (!r.object(j, p, {"id", "vpc_id", "associations", "routes"})) return t;
  t.id = r.string(j, "id", p, true);
  t.vpc_id = r.string(j, "vpc_id", p, true);
  r.array(j, "associations", p, [&](const Json& e, const std::string& ep) {
    if (!r.object(e, ep, {"id", "main", "subnet_id", "gateway_id"})) return;
    RouteTableAssociation a;
    a.id = r.string(e, "id", ep);
    a.main = r.boolean(e, "main", ep);
    a.subnet_id = r.string(e, "subnet_id", ep);
    a.gateway_id = r.string(e, "gateway_id", ep);
    if (!a.main && a.subnet_id.empty() && a.gateway_id.empty()) {
      r.fail(ep, "an association is main or names a subnet_id or gateway_id");
    }
    t.associations.push_back(std::move(a));
  });
  r.array(j, "routes", p,
          [&](const Json& e, const std::string& ep) { t.routes.push_back(readRoute(r, e, ep)); });
  return t;
}

Instance readInstance(Reader& r, const Json& j, const std::string& p) {
  Instance i;
  if (!r.object(j, p, {"id", "state", "vpc_id", "subnet_id", "network_interface_ids", "name"})) {
    return i;
  }
  i.id = r.string(j, "id", p, true);
  const std::string state = r.string(j, "state", p, true);
  if (!state.empty()) {
    if (auto s = r.parsed(parseInstanceState(state), p + ".state")) i.state = *s;
  }
  i.vpc_id = r.string(j, "vpc_id", p);
  i.subnet_id = r.string(j, "subnet_id", p);
  i.network_interface_ids = r.strings(j, "network_interface_ids", p);
  i.name = r.string(j, "name", p);
  return i;
}

NetworkInterface readInterface(Reader& r, const Json& j, const std::string& p) {
  NetworkInterface n;
  if (!r.object(j, p,
                {"id", "subnet_id", "vpc_id", "primary_ipv4", "secondary_ipv4", "ipv6_addresses",
                 "group_ids", "attachment"})) {
    return n;
  }
  n.id = r.string(j, "id", p, true);
  n.subnet_id = r.string(j, "subnet_id", p, true);
  n.vpc_id = r.string(j, "vpc_id", p);
  const std::string primary = r.string(j, "primary_ipv4", p);
  if (!primary.empty()) {
    n.primary_ipv4 = r.familyValue<net::IpAddress>(primary, p + ".primary_ipv4", net::Family::V4);
  }
  n.secondary_ipv4 = r.familyValues<net::IpAddress>(j, "secondary_ipv4", p, net::Family::V4);
  n.ipv6_addresses = r.familyValues<net::IpAddress>(j, "ipv6_addresses", p, net::Family::V6);
  n.group_ids = r.strings(j, "group_ids", p);
  if (const auto it = j.find("attachment"); it != j.end() && !it->is_null()) {
    const std::string ap = p + ".attachment";
    if (r.object(*it, ap, {"instance_id", "device_index", "attachment_id"})) {
      Attachment a;
      a.instance_id = r.string(*it, "instance_id", ap, true);
      a.device_index = r.integer(*it, "device_index", ap, 0);
      a.attachment_id = r.string(*it, "attachment_id", ap);
      n.attachment = std::move(a);
    }
  }
  return n;
}

Permission readPermission(Reader& r, const Json& j, const std::string& p) {
  Permission perm;
  if (!r.object(j, p,
                {"protocol", "from_port", "to_port", "ipv4_ranges", "ipv6_ranges", "prefix_lists",
                 "group_pairs"})) {
    return perm;
  }
  const std::string proto = r.string(j, "protocol", p, true);
  if (!proto.empty()) {
    if (auto pr = r.parsed(net::Protocol::parse(proto), p + ".protocol")) perm.protocol = *pr;
  }
  perm.from_port = r.integer(j, "from_port", p, -1);
  perm.to_port = r.integer(j, "to_port", p, -1);
  auto cidr_sources = [&](std::string_view key, net::Family family) {
    std::vector<CidrSource> out;
    r.array(j, key, p, [&](const Json& e, const std::string& ep) {
      if (!r.object(e, ep, {"cidr", "description"})) return;
      auto c = r.cidr(e, "cidr", ep, family, true);
      if (c) out.push_back({*c, r.string(e, "description", ep)});
    });
    return out;
  };
  perm.ipv4_ranges = cidr_sources("ipv4_ranges", net::Family::V4);
  perm.ipv6_ranges = cidr_sources("ipv6_ranges", net::Family::V6);
  r.array(j, "prefix_lists", p, [&](const Json& e, const std::string& ep) {
    if (!r.object(e, ep, {"prefix_list_id", "description"})) return;
    perm.prefix_lists.push_back(
        {r.string(e, "prefix_list_id", ep, true), r.string(e, "description", ep)});
  });
  r.array(j, "group_pairs", p, [&](const Json& e, const std::string& ep) {
    if (!r.object(e, ep, {"group_id", "user_id", "vpc_id", "description"})) return;
    perm.group_pairs.push_back({r.string(e, "group_id", ep, true), r.string(e, "user_id", ep),
                                r.string(e, "vpc_id", ep), r.string(e, "description", ep)});
  });
  if (!r.failed()) {
    if (auto ok = validatePermission(perm); !ok) r.fail(p, ok.error().message);
  }
  return perm;
}

SecurityGroup readGroup(Reader& r, const Json& j, const std::string& p) {
  SecurityGroup g;
  if (!r.object(j, p, {"id", "name", "vpc_id", "description", "ingress"})) return g;
  g.id = r.string(j, "id", p, true);
  g.name = r.string(j, "name", p);
  g.vpc_id = r.string(j, "vpc_id", p, true);
  g.description = r.string(j, "description", p);
  r.array(j, "ingress", p, [&](const Json& e, const std::string& ep) {
    g.ingress.push_back(readPermission(r, e, ep));
  });
  return g;
}

PrefixList readPrefixList(Reader& r, const Json& j, const std::string& p) {
  PrefixList l;
  if (!r.object(j, p, {"id", "name", "address_family", "entries"})) return l;
  l.id = r.string(j, "id", p, true);
  l.name = r.string(j, "name", p);
  const std::string family = r.string(j, "address_family", p);
  if (family == "IPv6") {
    l.address_family = net::Family::V6;
  } else if (!family.empty() && family != "IPv4") {
    r.fail(p + ".address_family", fmt::format("expected IPv4 or IPv6, got '{}'", family));
  }
  r.array(j, "entries", p, [&](const Json& e, const std::string& ep) {
    if (!r.object(e, ep, {"cidr", "description"})) return;
    if (auto c = r.cidr(e, "cidr", ep, l.address_family, true)) {
      l.entries.push_back({*c, r.string(e, "description", ep)});
    }
  });
  return l;
}

Coverage readCoverage(Reader& r, const Json& j, const std::string& p) {
  Coverage c;
  if (!r.object(j, p, {"everything", "group_ids", "instance_ids"})) return c;
  c.everything = r.boolean(j, "everything", p);
  for (auto& id : r.strings(j, "group_ids", p)) c.group_ids.insert(std::move(id));
  for (auto& id : r.strings(j, "instance_ids", p)) c.instance_ids.insert(std::move(id));
  return c;
}

template <class T, class F>
void readList(Reader& r, const Json& root, std::string_view key, std::vector<T>& out, F&& read) {
  r.array(root, key, "",
          [&](const Json& e, const std::string& p) { out.push_back(read(r, e, p)); });
  if (!r.failed()) checkUniqueIds(r, out, key);
}

// Writing: empty optional fields are left out so files stay short.
void put(OrderedJson& j, const char* key, const std::string& value) {
  if (!value.empty()) j[key] = value;
}

template <class T, class F>
void putArray(OrderedJson& j, const char* key, const std::vector<T>& items, F&& each) {
  if (items.empty()) return;
  OrderedJson a = OrderedJson::array();
  for (const auto& item : items) a.push_back(each(item));
  j[key] = std::move(a);
}

template <class T>
std::string text(const T& value) {
  if constexpr (std::is_same_v<T, std::string>) {
    return value;
  } else {
    return value.toString();
  }
}

template <class T>
void putStrings(OrderedJson& j, const char* key, const std::vector<T>& items) {
  putArray(j, key, items, [](const T& v) { return text(v); });
}

OrderedJson writeRoute(const Route& route) {
  OrderedJson j;
  if (route.destination) j["destination"] = route.destination->toString();
  put(j, "destination_prefix_list_id", route.destination_prefix_list_id);
  put(j, "instance_id", route.instance_id);
  put(j, "network_interface_id", route.network_interface_id);
  put(j, "gateway_id", route.gateway_id);
  put(j, "other_target_id", route.other_target_id);
  if (route.state != "active") j["state"] = route.state;
  return j;
}

OrderedJson writePermission(const Permission& p) {
  OrderedJson j;
  j["protocol"] = p.protocol.awsName();
  if (!p.protocol.isAll()) {
    j["from_port"] = p.from_port;
    j["to_port"] = p.to_port;
  }
  auto sources = [](const auto& s) {
    OrderedJson e;
    e["cidr"] = s.cidr.toString();
    put(e, "description", s.description);
    return e;
  };
  putArray(j, "ipv4_ranges", p.ipv4_ranges, sources);
  putArray(j, "ipv6_ranges", p.ipv6_ranges, sources);
  putArray(j, "prefix_lists", p.prefix_lists, [](const PrefixListSource& s) {
    OrderedJson e;
    e["prefix_list_id"] = s.prefix_list_id;
    put(e, "description", s.description);
    return e;
  });
  putArray(j, "group_pairs", p.group_pairs, [](const GroupPair& g) {
    OrderedJson e;
    e["group_id"] = g.group_id;
    put(e, "user_id", g.user_id);
    put(e, "vpc_id", g.vpc_id);
    put(e, "description", g.description);
    return e;
  });
  return j;
}

}  // namespace

Result<Inventory> parseInventoryJson(std::string_view text) {
  Json root;
  try {
    root = Json::parse(text.begin(), text.end());
  } catch (const Json::parse_error& e) {
    return fail(ErrorCode::InvalidInput, fmt::format("not valid JSON: {}", e.what()));
  }
  Reader r;
  Inventory inv;
  if (!r.object(root, "inventory",
                {"vpcs", "subnets", "route_tables", "instances", "network_interfaces",
                 "security_groups", "prefix_lists", "coverage", "gone"})) {
    return std::unexpected(r.error());
  }
  readList(r, root, "vpcs", inv.vpcs, readVpc);
  readList(r, root, "subnets", inv.subnets, readSubnet);
  readList(r, root, "route_tables", inv.route_tables, readRouteTable);
  readList(r, root, "instances", inv.instances, readInstance);
  readList(r, root, "network_interfaces", inv.network_interfaces, readInterface);
  readList(r, root, "security_groups", inv.security_groups, readGroup);
  readList(r, root, "prefix_lists", inv.prefix_lists, readPrefixList);
  if (const auto it = root.find("coverage"); it != root.end()) {
    inv.coverage = readCoverage(r, *it, "coverage");
  }
  for (auto& id : r.strings(root, "gone", "")) inv.gone.insert(std::move(id));
  if (r.failed()) return std::unexpected(r.error());
  return inv;
}

std::string toJson(const Inventory& inv) {
  OrderedJson root;
  root["vpcs"] = OrderedJson::array();
  for (const auto& v : inv.vpcs) {
    OrderedJson j;
    j["id"] = v.id;
    putStrings(j, "ipv4_cidrs", v.ipv4_cidrs);
    putStrings(j, "ipv6_cidrs", v.ipv6_cidrs);
    put(j, "owner_id", v.owner_id);
    put(j, "region", v.region);
    root["vpcs"].push_back(std::move(j));
  }
  putArray(root, "subnets", inv.subnets, [](const Subnet& s) {
    OrderedJson j;
    j["id"] = s.id;
    j["vpc_id"] = s.vpc_id;
    if (s.ipv4_cidr) j["ipv4_cidr"] = s.ipv4_cidr->toString();
    putStrings(j, "ipv6_cidrs", s.ipv6_cidrs);
    return j;
  });
  putArray(root, "route_tables", inv.route_tables, [](const RouteTable& t) {
    OrderedJson j;
    j["id"] = t.id;
    j["vpc_id"] = t.vpc_id;
    putArray(j, "associations", t.associations, [](const RouteTableAssociation& a) {
      OrderedJson e;
      put(e, "id", a.id);
      if (a.main) e["main"] = true;
      put(e, "subnet_id", a.subnet_id);
      put(e, "gateway_id", a.gateway_id);
      return e;
    });
    putArray(j, "routes", t.routes, writeRoute);
    return j;
  });
  putArray(root, "instances", inv.instances, [](const Instance& i) {
    OrderedJson j;
    j["id"] = i.id;
    j["state"] = std::string(to_string(i.state));
    put(j, "vpc_id", i.vpc_id);
    put(j, "subnet_id", i.subnet_id);
    putStrings(j, "network_interface_ids", i.network_interface_ids);
    put(j, "name", i.name);
    return j;
  });
  putArray(root, "network_interfaces", inv.network_interfaces, [](const NetworkInterface& n) {
    OrderedJson j;
    j["id"] = n.id;
    j["subnet_id"] = n.subnet_id;
    put(j, "vpc_id", n.vpc_id);
    if (n.primary_ipv4) j["primary_ipv4"] = n.primary_ipv4->toString();
    putStrings(j, "secondary_ipv4", n.secondary_ipv4);
    putStrings(j, "ipv6_addresses", n.ipv6_addresses);
    putStrings(j, "group_ids", n.group_ids);
    if (n.attachment) {
      OrderedJson a;
      a["instance_id"] = n.attachment->instance_id;
      a["device_index"] = n.attachment->device_index;
      put(a, "attachment_id", n.attachment->attachment_id);
      j["attachment"] = std::move(a);
    }
    return j;
  });
  putArray(root, "security_groups", inv.security_groups, [](const SecurityGroup& g) {
    OrderedJson j;
    j["id"] = g.id;
    put(j, "name", g.name);
    j["vpc_id"] = g.vpc_id;
    put(j, "description", g.description);
    putArray(j, "ingress", g.ingress, writePermission);
    return j;
  });
  putArray(root, "prefix_lists", inv.prefix_lists, [](const PrefixList& l) {
    OrderedJson j;
    j["id"] = l.id;
    put(j, "name", l.name);
    j["address_family"] = std::string(to_string(l.address_family));
    putArray(j, "entries", l.entries, [](const PrefixListEntry& e) {
      OrderedJson o;
      o["cidr"] = e.cidr.toString();
      put(o, "description", e.description);
      return o;
    });
    return j;
  });
  OrderedJson coverage;
  if (inv.coverage.everything) coverage["everything"] = true;
  std::vector<std::string> groups(inv.coverage.group_ids.begin(), inv.coverage.group_ids.end());
  std::vector<std::string> instances(inv.coverage.instance_ids.begin(),
                                     inv.coverage.instance_ids.end());
  putStrings(coverage, "group_ids", groups);
  putStrings(coverage, "instance_ids", instances);
  root["coverage"] = coverage.is_null() ? OrderedJson::object() : std::move(coverage);
  std::vector<std::string> gone(inv.gone.begin(), inv.gone.end());
  putStrings(root, "gone", gone);
  return root.dump(2) + "\n";
}

}  // namespace trailwall::inventory
