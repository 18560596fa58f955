#pragma once
// XPaths into the PAN-OS configuration tree (API-NOTES §4). A name becomes an XPath 1.0 string
// literal: '…', or "…" when it holds an apostrophe. A name that holds both quote kinds, a control
// character or nothing at all is refused rather than rewritten: with the quote that cannot occur
// in it, no name can end its literal early and address another node.

#include <string>
#include <string_view>

#include "common/error.h"

namespace trailwall::panos {

// The XPath string literal for `value`; InvalidInput (naming `what`) when none is safe.
[[nodiscard]] Result<std::string> xpathLiteral(std::string_view value, std::string_view what);

// `parent/entry[@name=<literal>]`.
[[nodiscard]] Result<std::string> entryXpath(std::string_view parent, std::string_view name,
                                             std::string_view what);

// Which of a Panorama device group's rulebases holds the managed rules: pre-rules are evaluated
// before the firewall's own rules, post-rules after them (API-NOTES §14).
enum class PanoramaRulebase { Pre, Post };

[[nodiscard]] std::string_view to_string(PanoramaRulebase rulebase);  // "pre-rulebase", …

// Which configuration a firewall's security policy lives in: a vsys of a firewall, or (when
// `device_group` is set) a device group of a Panorama.
struct Location {
  std::string device = "localhost.localdomain";
  std::string vsys = "vsys1";
  std::string device_group;  // Panorama: the device group; empty = a firewall's vsys
  PanoramaRulebase rulebase = PanoramaRulebase::Pre;
};

// A Panorama device group name as the configuration may give it: 1-63 characters, not `shared`
// (pan-os-codegen device-group.yaml, API-NOTES §14), and safe in an xpath. Config error otherwise.
[[nodiscard]] Status validateDeviceGroupName(std::string_view name);

// The validated xpaths of one vsys (or device group): its root, the security rulebase, service
// objects and tags.
class ConfigPaths {
 public:
  // Config error when the device group name is not one Panorama allows.
  [[nodiscard]] static Result<ConfigPaths> forLocation(const Location& location);

  // /config/devices/entry[@name='DEVICE']/vsys/entry[@name='VSYS'], or for a device group
  // /config/devices/entry[@name='localhost.localdomain']/device-group/entry[@name='DG']
  [[nodiscard]] const std::string& vsys() const { return vsys_; }
  // …/rulebase/security/rules, or …/pre-rulebase/security/rules (post-rulebase) of the group.
  [[nodiscard]] std::string rules() const { return vsys_ + rulebase_ + "/security/rules"; }
  [[nodiscard]] std::string services() const { return vsys_ + "/service"; }
  [[nodiscard]] std::string tags() const { return vsys_ + "/tag"; }
  [[nodiscard]] std::string addressGroups() const { return vsys_ + "/address-group"; }

  [[nodiscard]] Result<std::string> rule(std::string_view name) const {
    return entryXpath(rules(), name, "security rule name");
  }
  [[nodiscard]] Result<std::string> service(std::string_view name) const {
    return entryXpath(services(), name, "service object name");
  }
  [[nodiscard]] Result<std::string> tag(std::string_view name) const {
    return entryXpath(tags(), name, "tag name");
  }
  [[nodiscard]] Result<std::string> addressGroup(std::string_view name) const {
    return entryXpath(addressGroups(), name, "address group name");
  }

 private:
  ConfigPaths(std::string vsys, std::string rulebase)
      : vsys_(std::move(vsys)), rulebase_(std::move(rulebase)) {}
  std::string vsys_;
  std::string rulebase_;  // "/rulebase", "/pre-rulebase" or "/post-rulebase"
};

}  // namespace trailwall::panos
