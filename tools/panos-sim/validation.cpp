#include "validation.h"

#include <cstring>
#include <string_view>

#include "app_ids.h"
#include "net/address.h"
#include "objects.h"

namespace trailwall::panossim {
namespace {

struct Checker {
  const ObjectIndex& index;
  std::vector<std::string>& lines;

  void bad(const std::string& where, std::string_view field, std::string_view member) {
    lines.push_back(" " + where + " -> " + std::string(field) + " '" + std::string(member) +
                    "' is not a valid reference");
    lines.push_back(" " + where + " -> " + std::string(field) + " is invalid");
  }

  bool isAddress(std::string_view m) const {
    return m == "any" || index.has("address", m) || index.has("address-group", m) ||
           net::parseAddressSpec(m).has_value() ||
           // two-letter region codes are predefined address objects
           (m.size() == 2 && m[0] >= 'A' && m[0] <= 'Z' && m[1] >= 'A' && m[1] <= 'Z');
  }
  bool isService(std::string_view m) const {
    return m == "any" || m == "application-default" || isPredefinedService(m) ||
           index.has("service", m) || index.has("service-group", m);
  }
  bool isApplication(std::string_view m) const {
    return m == "any" || findAppId(m) != nullptr || index.has("application", m) ||
           index.has("application-group", m) || index.has("application-filter", m);
  }
  bool isZone(std::string_view m) const { return m == "any" || index.has("zone", m); }
  bool isTag(std::string_view m) const { return index.has("tag", m); }

  template <class Pred>
  void checkMembers(const pugi::xml_node& node, const char* child, const std::string& where,
                    Pred ok) {
    for (const std::string& m : members(node, child)) {
      if (!ok(m)) {
        bad(where, child, m);
      }
    }
  }
};

// The rules, groups and addresses of one scope: a firewall's vsys (rulebase, zones checked) or
// a Panorama device group (pre- and post-rulebase; zones come from templates, which are not
// simulated, so they are not checked).
void checkScope(const pugi::xml_node& vsys, const ObjectIndex& index, bool check_zones,
                std::vector<std::string>& lines) {
  Checker c{index, lines};
  for (const char* rulebase : {"rulebase", "pre-rulebase", "post-rulebase"}) {
    for (pugi::xml_node rule = vsys.child(rulebase).child("security").child("rules").child("entry");
         rule; rule = rule.next_sibling("entry")) {
      const std::string where =
          std::string(rulebase) + " -> security -> rules -> " + rule.attribute("name").value();
      if (check_zones) {
        c.checkMembers(rule, "from", where, [&](std::string_view m) { return c.isZone(m); });
        c.checkMembers(rule, "to", where, [&](std::string_view m) { return c.isZone(m); });
      }
      c.checkMembers(rule, "source", where, [&](std::string_view m) { return c.isAddress(m); });
      c.checkMembers(rule, "destination", where,
                     [&](std::string_view m) { return c.isAddress(m); });
      c.checkMembers(rule, "application", where,
                     [&](std::string_view m) { return c.isApplication(m); });
      c.checkMembers(rule, "service", where, [&](std::string_view m) { return c.isService(m); });
      c.checkMembers(rule, "tag", where, [&](std::string_view m) { return c.isTag(m); });
      const pugi::xml_node group = rule.child("profile-setting");
      for (const std::string& g : members(group, "group")) {
        if (!index.has("profile-group", g)) {
          c.bad(where + " -> profile-setting", "group", g);
        }
      }
      const std::string_view action = rule.child("action").text().get();
      if (!action.empty() && action != "allow" && action != "deny" && action != "drop" &&
          action != "reset-client" && action != "reset-server" && action != "reset-both") {
        lines.push_back(" " + where + " -> action '" + std::string(action) +
                        "' is not an allowed keyword");
      }
    }
  }
  for (pugi::xml_node g = vsys.child("address-group").child("entry"); g;
       g = g.next_sibling("entry")) {
    const std::string where = std::string("address-group -> ") + g.attribute("name").value();
    // A dynamic group's filter must parse (dag_filter.h); the wording is an assumption.
    if (auto filter = dagFilterOf(g); !filter) {
      lines.push_back(" " + where + " -> dynamic -> filter '" +
                      g.child("dynamic").child("filter").text().get() +
                      "' is invalid: " + filter.error().message);
    }
    c.checkMembers(g, "static", where, [&](std::string_view m) {
      return index.has("address", m) || index.has("address-group", m);
    });
  }
  for (pugi::xml_node g = vsys.child("service-group").child("entry"); g;
       g = g.next_sibling("entry")) {
    const std::string where = std::string("service-group -> ") + g.attribute("name").value();
    c.checkMembers(g, "members", where, [&](std::string_view m) {
      return isPredefinedService(m) || index.has("service", m) || index.has("service-group", m);
    });
  }
  for (pugi::xml_node a = vsys.child("address").child("entry"); a; a = a.next_sibling("entry")) {
    const std::string where = std::string("address -> ") + a.attribute("name").value();
    c.checkMembers(a, "tag", where, [&](std::string_view m) { return c.isTag(m); });
    int kinds = 0;
    for (const char* k : {"ip-netmask", "ip-range", "fqdn", "ip-wildcard"}) {
      if (pugi::xml_node v = a.child(k)) {
        ++kinds;
        if ((std::strcmp(k, "ip-netmask") == 0 || std::strcmp(k, "ip-range") == 0) &&
            !net::parseAddressSpec(v.text().get())) {
          lines.push_back(" " + where + " -> " + k + " '" + v.text().get() +
                          "' is not a valid IP address");
        }
      }
    }
    if (kinds != 1) {
      lines.push_back(" " + where +
                      " needs exactly one of ip-netmask, ip-range, fqdn, ip-wildcard");
    }
  }
}

}  // namespace

std::vector<std::string> validateConfig(const pugi::xml_document& config) {
  std::vector<std::string> lines;
  const pugi::xml_node device = config.child("config").child("devices").find_child_by_attribute(
      "entry", "name", "localhost.localdomain");
  for (pugi::xml_node vsys = device.child("vsys").child("entry"); vsys;
       vsys = vsys.next_sibling("entry")) {
    checkScope(vsys, ObjectIndex(config, vsys.attribute("name").value()), true, lines);
  }
  for (pugi::xml_node dg = device.child("device-group").child("entry"); dg;
       dg = dg.next_sibling("entry")) {
    std::vector<std::string> dg_lines;
    checkScope(dg, ObjectIndex(config, dg), false, dg_lines);
    for (std::string& l : dg_lines) {
      lines.push_back(" device-group -> " + std::string(dg.attribute("name").value()) + " ->" + l);
    }
  }
  for (pugi::xml_node g =
           config.child("config").child("shared").child("address-group").child("entry");
       g; g = g.next_sibling("entry")) {
    if (auto filter = dagFilterOf(g); !filter) {
      lines.push_back(std::string(" shared -> address-group -> ") + g.attribute("name").value() +
                      " -> dynamic -> filter '" + g.child("dynamic").child("filter").text().get() +
                      "' is invalid: " + filter.error().message);
    }
  }
  if (!lines.empty()) {
    lines.push_back(" vsys is invalid");
    lines.push_back(" devices is invalid");
  }
  return lines;
}

}  // namespace trailwall::panossim
