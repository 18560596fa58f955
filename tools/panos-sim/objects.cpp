#include "objects.h"

#include <array>
#include <cstring>
#include <set>
#include <unordered_map>

namespace trailwall::panossim {
namespace {

constexpr std::array<std::string_view, 11> kKinds = {
    "address",       "address-group", "service",           "service-group",      "tag",     "zone",
    "profile-group", "application",   "application-group", "application-filter", "schedule"};

std::string key(std::string_view kind, std::string_view name) {
  std::string k(kind);
  k += '\n';
  k += name;
  return k;
}

}  // namespace

pugi::xml_node findVsys(const pugi::xml_document& config, std::string_view vsys) {
  pugi::xml_node device = config.child("config").child("devices").find_child_by_attribute(
      "entry", "name", "localhost.localdomain");
  const std::string name(vsys);
  return device.child("vsys").find_child_by_attribute("entry", "name", name.c_str());
}

ObjectIndex::ObjectIndex(const pugi::xml_document& config, std::string_view vsys)
    : vsys_(findVsys(config, vsys)) {
  // What a Panorama pushed sits under /config/panorama (panorama.cpp): its shared objects and
  // the device group's objects for this vsys.
  const pugi::xml_node panorama = config.child("config").child("panorama");
  const std::string name(vsys);
  scopes_ = {config.child("config").child("shared"), panorama.child("shared"),
             panorama.child("vsys").find_child_by_attribute("entry", "name", name.c_str()), vsys_};
  indexScopes();
}

void ObjectIndex::indexScopes() {
  // Shared first so that vsys entries of the same name win.
  for (const pugi::xml_node scope : scopes_) {
    for (std::string_view kind : kKinds) {
      const std::string k(kind);
      for (pugi::xml_node e = scope.child(k.c_str()).child("entry"); e;
           e = e.next_sibling("entry")) {
        entries_[key(kind, e.attribute("name").value())] = e;
      }
    }
  }
}

ObjectIndex::ObjectIndex(const pugi::xml_document& config, const pugi::xml_node& scope)
    : vsys_(scope), scopes_{config.child("config").child("shared"), scope} {
  indexScopes();
}

pugi::xml_node ObjectIndex::find(std::string_view kind, std::string_view name) const {
  auto it = entries_.find(key(kind, name));
  return it == entries_.end() ? pugi::xml_node() : it->second;
}

void ObjectIndex::forEach(std::string_view kind,
                          const std::function<void(pugi::xml_node)>& visit) const {
  const std::string k(kind);
  for (const pugi::xml_node scope : scopes_) {
    for (pugi::xml_node e = scope.child(k.c_str()).child("entry"); e; e = e.next_sibling("entry")) {
      const auto it = entries_.find(key(kind, e.attribute("name").value()));
      if (it != entries_.end() && it->second == e) {  // not hidden by a later scope
        visit(e);
      }
    }
  }
}

Result<std::shared_ptr<const DagFilter>> dagFilterOf(const pugi::xml_node& group) {
  const pugi::xml_node filter = group.child("dynamic").child("filter");
  if (!group.child("dynamic")) {
    return std::shared_ptr<const DagFilter>();
  }
  auto parsed = DagFilter::parse(filter.text().get());
  if (!parsed) {
    return std::unexpected(parsed.error());
  }
  return std::make_shared<const DagFilter>(std::move(*parsed));
}

bool isPredefinedService(std::string_view name) {
  return name == "service-http" || name == "service-https";
}

std::vector<std::string> members(const pugi::xml_node& node, const char* child) {
  std::vector<std::string> out;
  for (pugi::xml_node m = node.child(child).child("member"); m; m = m.next_sibling("member")) {
    out.emplace_back(m.text().get());
  }
  return out;
}

bool AddressMatch::matches(const net::IpAddress& address,
                           const std::vector<std::string>& tags) const {
  bool hit = any;
  for (const net::IpRange& r : ranges) {
    if (hit) {
      break;
    }
    hit = r.contains(address);
  }
  if (!hit && !tags.empty()) {
    for (const auto& dag : dags) {
      if (dag->matchesTags(tags)) {
        hit = true;
        break;
      }
    }
  }
  return negate ? !hit : hit;
}

namespace {

// Resolves address members of one rulebase; dynamic groups are resolved once per compile.
struct AddressResolver {
  const ObjectIndex& index;
  struct Dag {
    std::shared_ptr<const DagFilter> filter;
    std::vector<net::IpRange> tagged_objects;  // address objects whose tags match
  };
  std::unordered_map<std::string, Dag> dags{};

  const Dag& dag(const pugi::xml_node& group, const std::shared_ptr<const DagFilter>& filter) {
    const std::string name = group.attribute("name").value();
    auto it = dags.find(name);
    if (it != dags.end()) {
      return it->second;
    }
    Dag d{filter, {}};
    // Statically configured address objects carrying a matching tag are members too (PAN-OS
    // 7.1 web help; reference op-show-dynamic-address-group-name-fw-powerpan.xml).
    index.forEach("address", [&](pugi::xml_node obj) {
      const std::vector<std::string> tags = members(obj, "tag");
      if (tags.empty() || !filter->matchesTags(tags)) {
        return;
      }
      for (const char* field : {"ip-netmask", "ip-range"}) {
        if (pugi::xml_node v = obj.child(field)) {
          if (auto range = net::parseAddressSpec(v.text().get())) {
            d.tagged_objects.push_back(*range);
          }
        }
      }
    });
    return dags.emplace(name, std::move(d)).first->second;
  }

  void add(std::string_view name, AddressMatch& out, int depth) {
    if (depth > 16) {
      return;  // a group cycle; commit validation reports it
    }
    if (name == "any") {
      out.any = true;
      return;
    }
    if (pugi::xml_node obj = index.find("address", name)) {
      for (const char* field : {"ip-netmask", "ip-range"}) {
        if (pugi::xml_node v = obj.child(field)) {
          if (auto range = net::parseAddressSpec(v.text().get())) {
            out.ranges.push_back(*range);
          }
        }
      }
      return;  // fqdn / ip-wildcard: not resolved
    }
    if (pugi::xml_node group = index.find("address-group", name)) {
      auto filter = dagFilterOf(group);
      if (filter && *filter) {
        const Dag& d = dag(group, *filter);
        out.ranges.insert(out.ranges.end(), d.tagged_objects.begin(), d.tagged_objects.end());
        out.dags.push_back(d.filter);
        return;
      }
      for (const std::string& m : members(group, "static")) {
        add(m, out, depth + 1);
      }
      return;
    }
    if (auto range = net::parseAddressSpec(name)) {
      out.ranges.push_back(*range);
    }
  }
};

void addApps(const ObjectIndex& index, std::string_view name, std::vector<std::string>& out,
             int depth) {
  if (depth > 16) {
    return;
  }
  if (pugi::xml_node group = index.find("application-group", name)) {
    for (const std::string& m : members(group, "members")) {
      addApps(index, m, out, depth + 1);
    }
    return;
  }
  out.emplace_back(name);
}

void addServices(const ObjectIndex& index, std::string_view name, std::vector<ServicePorts>& out,
                 int depth) {
  if (depth > 16) {
    return;
  }
  if (pugi::xml_node group = index.find("service-group", name)) {
    for (const std::string& m : members(group, "members")) {
      addServices(index, m, out, depth + 1);
    }
    return;
  }
  for (ServicePorts& sp : servicePorts(index, name)) {
    out.push_back(std::move(sp));
  }
}

bool containsAny(const std::vector<std::string>& v) {
  return v.empty() || (v.size() == 1 && v.front() == "any");
}

}  // namespace

std::vector<ServicePorts> servicePorts(const ObjectIndex& index, std::string_view name) {
  if (name == "service-http") {
    return {{6, {net::PortRange::single(80), net::PortRange::single(8080)}}};
  }
  if (name == "service-https") {
    return {{6, {net::PortRange::single(443)}}};
  }
  std::vector<ServicePorts> out;
  if (pugi::xml_node obj = index.find("service", name)) {
    const pugi::xml_node proto = obj.child("protocol");
    const std::pair<const char*, std::uint8_t> kinds[] = {{"tcp", 6}, {"udp", 17}, {"sctp", 132}};
    for (const auto& [tag, number] : kinds) {
      if (pugi::xml_node p = proto.child(tag)) {
        if (auto ports = net::parsePortList(p.child("port").text().get())) {
          out.push_back({number, std::move(*ports)});
        }
      }
    }
  }
  return out;
}

std::vector<CompiledRule> compileRulebase(const pugi::xml_document& config, std::string_view vsys) {
  const ObjectIndex index(config, vsys);
  AddressResolver resolver{index};
  std::vector<CompiledRule> rules;
  int position = 0;
  // Panorama's pre-rules, the firewall's own rules, Panorama's post-rules (pushed by a
  // Panorama, panorama.cpp).
  const std::string name(vsys);
  const pugi::xml_node pushed = config.child("config")
                                    .child("panorama")
                                    .child("vsys")
                                    .find_child_by_attribute("entry", "name", name.c_str());
  std::vector<pugi::xml_node> rule_entries;
  for (const pugi::xml_node rulebase :
       {pushed.child("pre-rulebase"), index.vsys().child("rulebase"),
        pushed.child("post-rulebase")}) {
    for (pugi::xml_node e = rulebase.child("security").child("rules").child("entry"); e;
         e = e.next_sibling("entry")) {
      rule_entries.push_back(e);
    }
  }
  for (const pugi::xml_node e : rule_entries) {
    CompiledRule r;
    r.name = e.attribute("name").value();
    r.index = ++position;
    r.disabled = std::strcmp(e.child("disabled").text().get(), "yes") == 0;
    r.from = members(e, "from");
    r.to = members(e, "to");
    r.source = members(e, "source");
    r.destination = members(e, "destination");
    r.source_user = members(e, "source-user");
    r.category = members(e, "category");
    r.application = members(e, "application");
    r.service = members(e, "service");
    if (pugi::xml_node action = e.child("action")) {
      r.action = action.text().get();
    }
    r.from_any = containsAny(r.from);
    r.to_any = containsAny(r.to);
    r.user_any = containsAny(r.source_user);
    r.category_any = containsAny(r.category);
    r.app_any = containsAny(r.application);
    r.service_any = r.service.empty() || (r.service.size() == 1 && r.service.front() == "any");
    for (const std::string& s : r.source) {
      resolver.add(s, r.src, 0);
    }
    for (const std::string& d : r.destination) {
      resolver.add(d, r.dst, 0);
    }
    r.src.any = r.src.any || r.source.empty();
    r.dst.any = r.dst.any || r.destination.empty();
    r.src.negate = std::strcmp(e.child("negate-source").text().get(), "yes") == 0;
    r.dst.negate = std::strcmp(e.child("negate-destination").text().get(), "yes") == 0;
    if (!r.app_any) {
      for (const std::string& a : r.application) {
        addApps(index, a, r.apps, 0);
      }
    }
    for (const std::string& s : r.service) {
      if (s == "application-default") {
        r.service_app_default = true;
      } else if (s != "any") {
        addServices(index, s, r.service_ports, 0);
      }
    }
    rules.push_back(std::move(r));
  }
  return rules;
}

}  // namespace trailwall::panossim
