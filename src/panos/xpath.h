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

// Which configuration a firewall's security policy lives in.
struct Location {
  std::string device = "localhost.localdomain";
  std::string vsys = "vsys1";
};

// The validated xpaths of one vsys: its root, the security rulebase, service objects and tags.
class ConfigPaths {
 public:
  [[nodiscard]] static Result<ConfigPaths> forLocation(const Location& location);

  // /config/devices/entry[@name='DEVICE']/vsys/entry[@name='VSYS']
  [[nodiscard]] const std::string& vsys() const { return vsys_; }
  [[nodiscard]] std::string rules() const { return vsys_ + "/rulebase/security/rules"; }
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
  explicit ConfigPaths(std::string vsys) : vsys_(std::move(vsys)) {}
  std::string vsys_;
};

}  // namespace trailwall::panos
