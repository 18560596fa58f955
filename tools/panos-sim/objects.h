#pragma once
// Name lookups over one vsys of a configuration (vsys objects first, then what a Panorama
// pushed, then shared, as PAN-OS resolves references), and the compiled form of a security rulebase
// used by security-policy-match and commit validation.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <pugixml.hpp>

#include "dag_filter.h"
#include "net/address.h"
#include "net/port.h"

namespace trailwall::panossim {

inline constexpr std::string_view kDeviceXpath =
    "/config/devices/entry[@name='localhost.localdomain']";

// The vsys element (by name) of a configuration; null when absent.
[[nodiscard]] pugi::xml_node findVsys(const pugi::xml_document& config, std::string_view vsys);

class ObjectIndex {
 public:
  ObjectIndex(const pugi::xml_document& config, std::string_view vsys);
  // Over shared and one other scope node (a Panorama device group).
  ObjectIndex(const pugi::xml_document& config, const pugi::xml_node& scope);

  // The entry named `name` in container `kind` ("address", "service", …): vsys, then shared.
  [[nodiscard]] pugi::xml_node find(std::string_view kind, std::string_view name) const;
  [[nodiscard]] bool has(std::string_view kind, std::string_view name) const {
    return static_cast<bool>(find(kind, name));
  }
  [[nodiscard]] pugi::xml_node vsys() const { return vsys_; }
  // Every entry of container `kind`, vsys entries hiding shared ones of the same name.
  void forEach(std::string_view kind, const std::function<void(pugi::xml_node)>& visit) const;

 private:
  void indexScopes();

  pugi::xml_node vsys_;
  std::vector<pugi::xml_node> scopes_;  // shared, Panorama's shared, Panorama's vsys, vsys
  std::unordered_map<std::string, pugi::xml_node> entries_;  // "kind\nname"
};

// Predefined service objects every PAN-OS firewall has.
[[nodiscard]] bool isPredefinedService(std::string_view name);

// One protocol with its destination ports (service object or predefined service).
struct ServicePorts {
  std::uint8_t protocol = 6;
  std::vector<net::PortRange> ports;
};

// Members of a rule's address field resolved to ranges; unresolvable members (regions, FQDN,
// missing names) contribute nothing. A dynamic address group contributes the address objects
// whose tags match its filter (configuration, resolved at commit) and its filter, matched at
// query time against the tags registered for the address (User-ID, which changes without a
// commit).
struct AddressMatch {
  bool any = false;
  bool negate = false;
  std::vector<net::IpRange> ranges;
  std::vector<std::shared_ptr<const DagFilter>> dags;
  // `tags`: the tags registered for `address` (User-ID).
  [[nodiscard]] bool matches(const net::IpAddress& address,
                             const std::vector<std::string>& tags) const;
};

// The filter of a dynamic address group entry (address-group/entry with <dynamic><filter>);
// null when the entry is not dynamic. InvalidInput when the filter does not parse.
[[nodiscard]] Result<std::shared_ptr<const DagFilter>> dagFilterOf(const pugi::xml_node& group);

struct CompiledRule {
  std::string name;
  int index = 0;  // 1-based position in the rulebase
  bool disabled = false;
  std::vector<std::string> from, to, source, destination, source_user, category, application,
      service;
  std::string action = "allow";
  bool from_any = false, to_any = false, app_any = false, service_any = false,
       service_app_default = false, user_any = false, category_any = false;
  AddressMatch src, dst;
  std::vector<std::string> apps;            // application members, groups expanded
  std::vector<ServicePorts> service_ports;  // service objects and groups expanded
};

// Compiles the security rules of one vsys (in order).
[[nodiscard]] std::vector<CompiledRule> compileRulebase(const pugi::xml_document& config,
                                                        std::string_view vsys);

// The protocol and ports of a service object or predefined service; empty when unknown.
[[nodiscard]] std::vector<ServicePorts> servicePorts(const ObjectIndex& index,
                                                     std::string_view name);

// Every <member> text of a child element (e.g. "source").
[[nodiscard]] std::vector<std::string> members(const pugi::xml_node& node, const char* child);

}  // namespace trailwall::panossim
