#include "inventory/inventory_json.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <array>
#include <climits>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <unordered_set>

#include "common/both.h"

namespace trailwall::inventory {
namespace {

namespace od = simdjson::ondemand;
using simdjson::SUCCESS;
using OrderedJson = nlohmann::ordered_json;

// Where a value is, rendered only for an error message: "security_groups[3].ingress[0].cidr".
struct Path {
  const Path* parent = nullptr;
  std::string_view key;  // a member name, or empty for an array element
  std::size_t index = 0;

  [[nodiscard]] std::string str() const {
    std::string out = parent != nullptr ? parent->str() : std::string();
    if (!key.empty()) {
      if (!out.empty()) out += '.';
      out += key;
    } else if (parent != nullptr) {
      out += fmt::format("[{}]", index);
    }
    return out;
  }
  [[nodiscard]] Path member(std::string_view name) const { return Path{this, name, 0}; }
  [[nodiscard]] Path element(std::size_t i) const { return Path{this, {}, i}; }
};

// nlohmann-style type names, as the messages have always said them.
std::string_view typeName(od::json_type type) {
  switch (type) {
    case od::json_type::object: return "object";
    case od::json_type::array: return "array";
    case od::json_type::string: return "string";
    case od::json_type::number: return "number";
    case od::json_type::boolean: return "boolean";
    case od::json_type::null: return "null";
  }
  return "value";
}

// Reads JSON into the model in one pass over the document (simdjson On-Demand: no tree is
// built), stopping at the first error, which names its path. Members are read in document order;
// null reads as absent.
class Reader {
 public:
  [[nodiscard]] bool failed() const { return error_.has_value(); }
  [[nodiscard]] Error error() const { return *error_; }

  void fail(const Path& path, std::string_view message) {
    if (error_) return;
    const std::string where = path.str();
    error_ = Error{ErrorCode::InvalidInput,
                   where.empty() ? std::string(message) : fmt::format("{}: {}", where, message)};
  }
  // Malformed JSON: the parser's own words.
  bool check(simdjson::error_code code) {
    if (code == SUCCESS) return true;
    if (!error_) {
      error_ = Error{ErrorCode::InvalidInput,
                     fmt::format("not valid JSON: {}", simdjson::error_message(code))};
    }
    return false;
  }

  od::json_type type(od::value& value) {
    od::json_type t{};
    check(value.type().get(t));
    return t;
  }

  // Calls each(key, value, path) for every member that is not null; `each` returns false for a
  // key it does not know. `name` names the object in that error (the path by default).
  template <class F>
  void object(od::value value, const Path& path, F&& each, const Path* name = nullptr) {
    od::object object;
    const od::json_type t = type(value);
    if (failed()) return;
    if (t != od::json_type::object) {
      fail(path, fmt::format("expected an object, got {}", typeName(t)));
      return;
    }
    if (!check(value.get_object().get(object))) return;
    for (auto field_result : object) {
      od::field field;
      std::string_view key;
      if (!check(std::move(field_result).get(field)) || !check(field.unescaped_key().get(key))) {
        return;
      }
      // The key lives in the parser's string buffer until the next string is read: keep a copy
      // for paths (keys are short: no allocation).
      const std::string key_copy(key);
      od::value member = field.value();
      const od::json_type member_type = type(member);
      if (failed()) return;
      const Path here = path.member(key_copy);
      if (member_type == od::json_type::null) {
        if (!each(key_copy, std::nullopt, here)) {
          fail(name != nullptr ? *name : path, fmt::format("unknown key '{}'", key_copy));
        }
        if (failed()) return;
        continue;
      }
      if (!each(key_copy, std::optional<od::value>(member), here)) {
        fail(name != nullptr ? *name : path, fmt::format("unknown key '{}'", key_copy));
      }
      if (failed()) return;
    }
  }

  std::string string(od::value value, const Path& path, bool required = false) {
    const od::json_type t = type(value);
    if (failed()) return {};
    std::string_view text;
    if (t != od::json_type::string) {
      fail(path, fmt::format("expected a string, got {}", typeName(t)));
      return {};
    }
    if (!check(value.get_string().get(text))) return {};
    if (required && text.empty()) fail(path, "must not be empty");
    return std::string(text);
  }

  int integer(od::value value, const Path& path) {
    std::int64_t number = 0;
    if (value.get_int64().get(number) != SUCCESS || number < INT32_MIN || number > INT32_MAX) {
      fail(path, fmt::format("expected an integer, got {}", token(value)));
      return 0;
    }
    return static_cast<int>(number);
  }

  bool boolean(od::value value, const Path& path) {
    bool flag = false;
    if (value.get_bool().get(flag) != SUCCESS) {
      fail(path, fmt::format("expected true or false, got {}", token(value)));
      return false;
    }
    return flag;
  }

  // Calls each(element, element_path) for every element.
  template <class F>
  void array(od::value value, const Path& path, F&& each) {
    const od::json_type t = type(value);
    if (failed()) return;
    if (t != od::json_type::array) {
      fail(path, fmt::format("expected an array, got {}", typeName(t)));
      return;
    }
    od::array elements;
    if (!check(value.get_array().get(elements))) return;
    std::size_t i = 0;
    for (auto element_result : elements) {
      od::value element;
      if (!check(std::move(element_result).get(element))) return;
      each(element, path.element(i++));
      if (failed()) return;
    }
  }

  std::vector<std::string> strings(od::value value, const Path& path) {
    std::vector<std::string> out;
    array(value, path, [&](od::value e, const Path& p) { out.push_back(string(e, p)); });
    return out;
  }

  template <class T>
  std::optional<T> parsed(const Result<T>& r, const Path& path) {
    if (!r) {
      fail(path, r.error().message);
      return std::nullopt;
    }
    return *r;
  }

  // An address or CIDR (T) of the given family.
  template <class T>
  std::optional<T> familyValue(std::string_view text, const Path& path, net::Family family) {
    auto v = parsed(T::parse(text), path);
    if (v && v->family() != family) {
      fail(path, fmt::format("expected an {} {}, got '{}'", to_string(family),
                             std::is_same_v<T, net::Cidr> ? "CIDR" : "address", text));
      return std::nullopt;
    }
    return v;
  }

  template <class T>
  std::optional<T> familyValue(od::value value, const Path& path, net::Family family) {
    const std::string text = string(value, path);
    if (failed()) return std::nullopt;
    return familyValue<T>(text, path, family);
  }

  template <class T>
  std::vector<T> familyValues(od::value value, const Path& path, net::Family family) {
    std::vector<T> out;
    array(value, path, [&](od::value e, const Path& p) {
      if (auto v = familyValue<T>(e, p, family)) out.push_back(*v);
    });
    return out;
  }

 private:
  // The value as written, for messages about scalars of the wrong type.
  static std::string token(od::value& value) {
    std::string_view raw = value.raw_json_token();
    while (!raw.empty() &&
           (raw.back() == ' ' || raw.back() == '\n' || raw.back() == '\t' || raw.back() == '\r')) {
      raw.remove_suffix(1);
    }
    if (raw.starts_with('{')) return "an object";
    if (raw.starts_with('[')) return "an array";
    return std::string(raw);
  }

  std::optional<Error> error_;
};

using Value = std::optional<od::value>;  // absent when null

// A required member that did not come: "missing 'id'" on the object.
void require(Reader& r, bool seen, const Path& p, std::string_view key) {
  if (!seen) r.fail(p, fmt::format("missing '{}'", key));
}

template <class T>
void checkUniqueIds(Reader& r, const std::vector<T>& items, std::string_view kind) {
  std::unordered_set<std::string_view> seen;
  seen.reserve(items.size());
  const Path root;
  const Path list = root.member(kind);
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (!seen.insert(items[i].id).second) {
      const Path element = list.element(i);
      r.fail(element.member("id"), fmt::format("duplicate id '{}'", items[i].id));
      return;
    }
  }
}

Vpc readVpc(Reader& r, od::value j, const Path& p) {
  Vpc v;
  bool id = false;
  r.object(j, p, [&](std::string_view key, Value value, const Path& here) {
    if (key == "id") {
      id = value.has_value();
      if (value) v.id = r.string(*value, here, true);
    } else if (key == "ipv4_cidrs") {
      if (value) v.ipv4_cidrs = r.familyValues<net::Cidr>(*value, here, net::Family::V4);
    } else if (key == "ipv6_cidrs") {
      if (value) v.ipv6_cidrs = r.familyValues<net::Cidr>(*value, here, net::Family::V6);
    } else if (key == "owner_id") {
      if (value) v.owner_id = r.string(*value, here);
    } else if (key == "region") {
      if (value) v.region = r.string(*value, here);
    } else {
      return false;
    }
    return true;
  });
  require(r, id, p, "id");
  return v;
}

Subnet readSubnet(Reader& r, od::value j, const Path& p) {
  Subnet s;
  bool id = false;
  bool vpc = false;
  r.object(j, p, [&](std::string_view key, Value value, const Path& here) {
    if (key == "id") {
      id = value.has_value();
      if (value) s.id = r.string(*value, here, true);
    } else if (key == "vpc_id") {
      vpc = value.has_value();
      if (value) s.vpc_id = r.string(*value, here, true);
    } else if (key == "ipv4_cidr") {
      if (value) s.ipv4_cidr = r.familyValue<net::Cidr>(*value, here, net::Family::V4);
    } else if (key == "ipv6_cidrs") {
      if (value) s.ipv6_cidrs = r.familyValues<net::Cidr>(*value, here, net::Family::V6);
    } else {
      return false;
    }
    return true;
  });
  require(r, id, p, "id");
  require(r, vpc, p, "vpc_id");
  return s;
}

Route readRoute(Reader& r, od::value j, const Path& p) {
  Route route;
  std::string state;
  r.object(j, p, [&](std::string_view key, Value value, const Path& here) {
    if (key == "destination") {
      if (value) {
        const std::string dest = r.string(*value, here);
        if (!dest.empty()) route.destination = r.parsed(net::Cidr::parse(dest), here);
      }
    } else if (key == "destination_prefix_list_id") {
      if (value) route.destination_prefix_list_id = r.string(*value, here);
    } else if (key == "instance_id") {
      if (value) route.instance_id = r.string(*value, here);
    } else if (key == "network_interface_id") {
      if (value) route.network_interface_id = r.string(*value, here);
    } else if (key == "gateway_id") {
      if (value) route.gateway_id = r.string(*value, here);
    } else if (key == "other_target_id") {
      if (value) route.other_target_id = r.string(*value, here);
    } else if (key == "state") {
      if (value) state = r.string(*value, here);
    } else {
      return false;
    }
    return true;
  });
  if (r.failed()) return route;
  if (!route.destination && route.destination_prefix_list_id.empty()) {
    r.fail(p, "missing 'destination' or 'destination_prefix_list_id'");
  }
  if (!state.empty()) route.state = state;
  if (route.state != "active" && route.state != "blackhole") {
    r.fail(p.member("state"), fmt::format("expected active or blackhole, got '{}'", route.state));
  }
  return route;
}

RouteTableAssociation readAssociation(Reader& r, od::value j, const Path& p) {
  RouteTableAssociation a;
  r.object(j, p, [&](std::string_view key, Value value, const Path& here) {
    if (key == "id") {
      if (value) a.id = r.string(*value, here);
    } else if (key == "main") {
      if (value) a.main = r.boolean(*value, here);
    } else if (key == "subnet_id") {
      if (value) a.subnet_id = r.string(*value, here);
    } else if (key == "gateway_id") {
      if (value) a.gateway_id = r.string(*value, here);
    } else {
      return false;
    }
    return true;
  });
  if (!r.failed() && !a.main && a.subnet_id.empty() && a.gateway_id.empty()) {
    r.fail(p, "an association is main or names a subnet_id or gateway_id");
  }
  return a;
}

RouteTable readRouteTable(Reader& r, od::value j, const Path& p) {
  RouteTable t;
  bool id = false;
  bool vpc = false;
  r.object(j, p, [&](std::string_view key, Value value, const Path& here) {
    if (key == "id") {
      id = value.has_value();
      if (value) t.id = r.string(*value, here, true);
    } else if (key == "vpc_id") {
      vpc = value.has_value();
      if (value) t.vpc_id = r.string(*value, here, true);
    } else if (key == "associations") {
      if (value) {
        r.array(*value, here, [&](od::value e, const Path& ep) {
          t.associations.push_back(readAssociation(r, e, ep));
        });
      }
    } else if (key == "routes") {
      if (value) {
        r.array(*value, here,
                [&](od::value e, const Path& ep) { t.routes.push_back(readRoute(r, e, ep)); });
      }
    } else {
      return false;
    }
    return true;
  });
  require(r, id, p, "id");
  require(r, vpc, p, "vpc_id");
  return t;
}

Instance readInstance(Reader& r, od::value j, const Path& p) {
  Instance i;
  bool id = false;
  bool state_seen = false;
  r.object(j, p, [&](std::string_view key, Value value, const Path& here) {
    if (key == "id") {
      id = value.has_value();
      if (value) i.id = r.string(*value, here, true);
    } else if (key == "state") {
      state_seen = value.has_value();
      if (value) {
        const std::string state = r.string(*value, here, true);
        if (!state.empty()) {
          if (auto s = r.parsed(parseInstanceState(state), here)) i.state = *s;
        }
      }
    } else if (key == "vpc_id") {
      if (value) i.vpc_id = r.string(*value, here);
    } else if (key == "subnet_id") {
      if (value) i.subnet_id = r.string(*value, here);
    } else if (key == "network_interface_ids") {
      if (value) i.network_interface_ids = r.strings(*value, here);
    } else if (key == "name") {
      if (value) i.name = r.string(*value, here);
    } else {
      return false;
    }
    return true;
  });
  require(r, id, p, "id");
  require(r, state_seen, p, "state");
  return i;
}

Attachment readAttachment(Reader& r, od::value j, const Path& p) {
  Attachment a;
  bool instance = false;
  r.object(j, p, [&](std::string_view key, Value value, const Path& here) {
    if (key == "instance_id") {
      instance = value.has_value();
      if (value) a.instance_id = r.string(*value, here, true);
    } else if (key == "device_index") {
      if (value) a.device_index = r.integer(*value, here);
    } else if (key == "attachment_id") {
      if (value) a.attachment_id = r.string(*value, here);
    } else {
      return false;
    }
    return true;
  });
  require(r, instance, p, "instance_id");
  return a;
}

NetworkInterface readInterface(Reader& r, od::value j, const Path& p) {
  NetworkInterface n;
  bool id = false;
  bool subnet = false;
  r.object(j, p, [&](std::string_view key, Value value, const Path& here) {
    if (key == "id") {
      id = value.has_value();
      if (value) n.id = r.string(*value, here, true);
    } else if (key == "subnet_id") {
      subnet = value.has_value();
      if (value) n.subnet_id = r.string(*value, here, true);
    } else if (key == "vpc_id") {
      if (value) n.vpc_id = r.string(*value, here);
    } else if (key == "primary_ipv4") {
      if (value) {
        const std::string primary = r.string(*value, here);
        if (!primary.empty()) {
          n.primary_ipv4 = r.familyValue<net::IpAddress>(primary, here, net::Family::V4);
        }
      }
    } else if (key == "secondary_ipv4") {
      if (value) n.secondary_ipv4 = r.familyValues<net::IpAddress>(*value, here, net::Family::V4);
    } else if (key == "ipv6_addresses") {
      if (value) n.ipv6_addresses = r.familyValues<net::IpAddress>(*value, here, net::Family::V6);
    } else if (key == "group_ids") {
      if (value) n.group_ids = r.strings(*value, here);
    } else if (key == "attachment") {
      if (value) n.attachment = readAttachment(r, *value, here);
    } else {
      return false;
    }
    return true;
  });
  require(r, id, p, "id");
  require(r, subnet, p, "subnet_id");
  return n;
}

// {"cidr": …, "description": …} of `family`.
CidrSource readCidrSource(Reader& r, od::value j, const Path& p, net::Family family) {
  CidrSource source;
  bool cidr = false;
  r.object(j, p, [&](std::string_view key, Value value, const Path& here) {
    if (key == "cidr") {
      cidr = value.has_value();
      if (value) {
        const std::string text = r.string(*value, here, true);
        if (!text.empty()) {
          if (auto c = r.familyValue<net::Cidr>(text, here, family)) source.cidr = *c;
        }
      }
    } else if (key == "description") {
      if (value) source.description = r.string(*value, here);
    } else {
      return false;
    }
    return true;
  });
  require(r, cidr, p, "cidr");
  return source;
}

Permission readPermission(Reader& r, od::value j, const Path& p) {
  Permission perm;
  perm.from_port = -1;
  perm.to_port = -1;
  bool protocol = false;
  r.object(j, p, [&](std::string_view key, Value value, const Path& here) {
    if (key == "protocol") {
      protocol = value.has_value();
      if (value) {
        const std::string proto = r.string(*value, here, true);
        if (!proto.empty()) {
          if (auto pr = r.parsed(net::Protocol::parse(proto), here)) perm.protocol = *pr;
        }
      }
    } else if (key == "from_port") {
      if (value) perm.from_port = r.integer(*value, here);
    } else if (key == "to_port") {
      if (value) perm.to_port = r.integer(*value, here);
    } else if (key == "ipv4_ranges" || key == "ipv6_ranges") {
      const bool v4 = key == "ipv4_ranges";
      if (value) {
        r.array(*value, here, [&](od::value e, const Path& ep) {
          auto source = readCidrSource(r, e, ep, v4 ? net::Family::V4 : net::Family::V6);
          if (!r.failed()) (v4 ? perm.ipv4_ranges : perm.ipv6_ranges).push_back(std::move(source));
        });
      }
    } else if (key == "prefix_lists") {
      if (value) {
        r.array(*value, here, [&](od::value e, const Path& ep) {
          PrefixListSource source;
          bool id = false;
          r.object(e, ep, [&](std::string_view k, Value v, const Path& h) {
            if (k == "prefix_list_id") {
              id = v.has_value();
              if (v) source.prefix_list_id = r.string(*v, h, true);
            } else if (k == "description") {
              if (v) source.description = r.string(*v, h);
            } else {
              return false;
            }
            return true;
          });
          require(r, id, ep, "prefix_list_id");
          perm.prefix_lists.push_back(std::move(source));
        });
      }
    } else if (key == "group_pairs") {
      if (value) {
        r.array(*value, here, [&](od::value e, const Path& ep) {
          GroupPair pair;
          bool id = false;
          r.object(e, ep, [&](std::string_view k, Value v, const Path& h) {
            if (k == "group_id") {
              id = v.has_value();
              if (v) pair.group_id = r.string(*v, h, true);
            } else if (k == "user_id") {
              if (v) pair.user_id = r.string(*v, h);
            } else if (k == "vpc_id") {
              if (v) pair.vpc_id = r.string(*v, h);
            } else if (k == "description") {
              if (v) pair.description = r.string(*v, h);
            } else {
              return false;
            }
            return true;
          });
          require(r, id, ep, "group_id");
          perm.group_pairs.push_back(std::move(pair));
        });
      }
    } else {
      return false;
    }
    return true;
  });
  require(r, protocol, p, "protocol");
  if (!r.failed()) {
    if (auto ok = validatePermission(perm); !ok) r.fail(p, ok.error().message);
  }
  return perm;
}

SecurityGroup readGroup(Reader& r, od::value j, const Path& p) {
  SecurityGroup g;
  bool id = false;
  bool vpc = false;
  r.object(j, p, [&](std::string_view key, Value value, const Path& here) {
    if (key == "id") {
      id = value.has_value();
      if (value) g.id = r.string(*value, here, true);
    } else if (key == "name") {
      if (value) g.name = r.string(*value, here);
    } else if (key == "vpc_id") {
      vpc = value.has_value();
      if (value) g.vpc_id = r.string(*value, here, true);
    } else if (key == "description") {
      if (value) g.description = r.string(*value, here);
    } else if (key == "ingress") {
      if (value) {
        r.array(*value, here, [&](od::value e, const Path& ep) {
          g.ingress.push_back(readPermission(r, e, ep));
        });
      }
    } else {
      return false;
    }
    return true;
  });
  require(r, id, p, "id");
  require(r, vpc, p, "vpc_id");
  return g;
}

PrefixList readPrefixList(Reader& r, od::value j, const Path& p) {
  PrefixList l;
  bool id = false;
  std::string family;
  // Entries come before or after the address family: read as text, checked once both are in.
  std::vector<std::pair<std::string, std::string>> entries;
  std::vector<std::string> entry_path_text;
  r.object(j, p, [&](std::string_view key, Value value, const Path& here) {
    if (key == "id") {
      id = value.has_value();
      if (value) l.id = r.string(*value, here, true);
    } else if (key == "name") {
      if (value) l.name = r.string(*value, here);
    } else if (key == "address_family") {
      if (value) family = r.string(*value, here);
    } else if (key == "entries") {
      if (value) {
        r.array(*value, here, [&](od::value e, const Path& ep) {
          std::string cidr;
          std::string description;
          bool has_cidr = false;
          r.object(e, ep, [&](std::string_view k, Value v, const Path& h) {
            if (k == "cidr") {
              has_cidr = v.has_value();
              if (v) cidr = r.string(*v, h, true);
            } else if (k == "description") {
              if (v) description = r.string(*v, h);
            } else {
              return false;
            }
            return true;
          });
          require(r, has_cidr, ep, "cidr");
          entry_path_text.push_back(ep.member("cidr").str());
          entries.emplace_back(std::move(cidr), std::move(description));
        });
      }
    } else {
      return false;
    }
    return true;
  });
  require(r, id, p, "id");
  if (r.failed()) return l;
  if (family == "IPv6") {
    l.address_family = net::Family::V6;
  } else if (!family.empty() && family != "IPv4") {
    r.fail(p.member("address_family"), fmt::format("expected IPv4 or IPv6, got '{}'", family));
    return l;
  }
  for (std::size_t i = 0; i < entries.size() && !r.failed(); ++i) {
    const Path root;
    const Path at = root.member(entry_path_text[i]);
    if (auto c = r.familyValue<net::Cidr>(entries[i].first, at, l.address_family)) {
      l.entries.push_back({*c, std::move(entries[i].second)});
    }
  }
  return l;
}

Coverage readCoverage(Reader& r, od::value j, const Path& p) {
  Coverage c;
  r.object(j, p, [&](std::string_view key, Value value, const Path& here) {
    if (key == "everything") {
      if (value) c.everything = r.boolean(*value, here);
    } else if (key == "group_ids") {
      if (value) {
        for (auto& id : r.strings(*value, here)) c.group_ids.insert(std::move(id));
      }
    } else if (key == "instance_ids") {
      if (value) {
        for (auto& id : r.strings(*value, here)) c.instance_ids.insert(std::move(id));
      }
    } else {
      return false;
    }
    return true;
  });
  return c;
}

template <class T, class F>
void readList(Reader& r, od::value value, const Path& path, std::vector<T>& out, F&& read) {
  r.array(value, path, [&](od::value e, const Path& p) { out.push_back(read(r, e, p)); });
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

namespace {

// The top-level members of an inventory document.
constexpr std::array<std::string_view, 9> kTopLevelKeys = {"vpcs",
                                                           "subnets",
                                                           "route_tables",
                                                           "instances",
                                                           "network_interfaces",
                                                           "security_groups",
                                                           "prefix_lists",
                                                           "coverage",
                                                           "gone"};

// Which top-level members parseSections reads; the others it checks by name and skips.
enum class Sections { All, AllButGroups, GroupsOnly };

Result<Inventory> parseSections(const char* data, std::size_t size, std::size_t capacity,
                                Sections sections) {
  od::parser parser;
  od::document document;
  Reader r;
  if (!r.check(parser.iterate(data, size, capacity).get(document))) {
    return std::unexpected(r.error());
  }
  od::value root;
  if (!r.check(document.get_value().get(root))) return std::unexpected(r.error());
  Inventory inv;
  const Path top;
  const Path name = top.member("inventory");
  r.object(
      root, top,
      [&](std::string_view key, Value value, const Path& here) {
        const bool groups = key == "security_groups";
        if (sections == Sections::GroupsOnly && !groups)
          return std::ranges::find(kTopLevelKeys, key) != kTopLevelKeys.end();
        if (sections == Sections::AllButGroups && groups) return true;
        if (key == "vpcs") {
          if (value) readList(r, *value, here, inv.vpcs, readVpc);
        } else if (key == "subnets") {
          if (value) readList(r, *value, here, inv.subnets, readSubnet);
        } else if (key == "route_tables") {
          if (value) readList(r, *value, here, inv.route_tables, readRouteTable);
        } else if (key == "instances") {
          if (value) readList(r, *value, here, inv.instances, readInstance);
        } else if (key == "network_interfaces") {
          if (value) readList(r, *value, here, inv.network_interfaces, readInterface);
        } else if (key == "security_groups") {
          if (value) readList(r, *value, here, inv.security_groups, readGroup);
        } else if (key == "prefix_lists") {
          if (value) readList(r, *value, here, inv.prefix_lists, readPrefixList);
        } else if (key == "coverage") {
          if (value) inv.coverage = readCoverage(r, *value, here);
        } else if (key == "gone") {
          if (value) {
            for (auto& id : r.strings(*value, here)) inv.gone.insert(std::move(id));
          }
        } else {
          return false;
        }
        return true;
      },
      &name);
  if (!r.failed() && document.current_location().error() != simdjson::OUT_OF_BOUNDS) {
    r.check(simdjson::TRAILING_CONTENT);
  }
  if (sections == Sections::GroupsOnly) {
    if (!r.failed()) checkUniqueIds(r, inv.security_groups, "security_groups");
    if (r.failed()) return std::unexpected(r.error());
    return inv;
  }
  if (!r.failed()) checkUniqueIds(r, inv.vpcs, "vpcs");
  if (!r.failed()) checkUniqueIds(r, inv.subnets, "subnets");
  if (!r.failed()) checkUniqueIds(r, inv.route_tables, "route_tables");
  if (!r.failed()) checkUniqueIds(r, inv.instances, "instances");
  if (!r.failed()) checkUniqueIds(r, inv.network_interfaces, "network_interfaces");
  if (!r.failed()) checkUniqueIds(r, inv.security_groups, "security_groups");
  if (!r.failed()) checkUniqueIds(r, inv.prefix_lists, "prefix_lists");
  if (r.failed()) return std::unexpected(r.error());
  return inv;
}

// Inputs this large are read on two threads: one reads the security groups (about a third of
// the work), the other everything else; each parser indexes the whole document. An input with
// any error is read again on one thread, so the error is the one a single pass meets first.
constexpr std::size_t kTwoThreadsFrom = 8 << 20;

Result<Inventory> parseInventory(const char* data, std::size_t size, std::size_t capacity) {
  if (size < kTwoThreadsFrom || !secondCore()) {
    return parseSections(data, size, capacity, Sections::All);
  }
  Result<Inventory> groups;
  Result<Inventory> rest;
  runBoth([&] { rest = parseSections(data, size, capacity, Sections::AllButGroups); },
          [&] { groups = parseSections(data, size, capacity, Sections::GroupsOnly); });
  if (!rest || !groups) return parseSections(data, size, capacity, Sections::All);
  rest->security_groups = std::move(groups->security_groups);
  return rest;
}

}  // namespace

Result<Inventory> parseInventoryJson(std::string_view text) {
  const simdjson::padded_string padded(text);
  return parseInventory(padded.data(), padded.size(), padded.size() + simdjson::SIMDJSON_PADDING);
}

Result<Inventory> parseInventoryJsonPadded(std::string_view text) {
  return parseInventory(text.data(), text.size(), text.size() + simdjson::SIMDJSON_PADDING);
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
