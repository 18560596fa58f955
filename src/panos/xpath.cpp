#include "panos/xpath.h"

#include "panos/xml_util.h"

namespace trailwall::panos {

Result<std::string> xpathLiteral(std::string_view value, std::string_view what) {
  if (value.empty()) {
    return fail(ErrorCode::InvalidInput, std::string(what) + " is empty");
  }
  if (auto valid = validateXmlText(value, what); !valid) {
    return std::unexpected(valid.error());
  }
  for (const char c : value) {
    if (c == '\t' || c == '\n' || c == '\r') {
      return fail(ErrorCode::InvalidInput,
                  std::string(what) + " holds a tab or line break, which no PAN-OS name can");
    }
  }
  const bool has_apostrophe = value.find('\'') != std::string_view::npos;
  const bool has_quote = value.find('"') != std::string_view::npos;
  if (has_apostrophe && has_quote) {
    return fail(ErrorCode::InvalidInput,
                std::string(what) + " '" + std::string(value) +
                    "' holds both ' and \"; trailwall refuses to address it in an xpath");
  }
  const char quote = has_apostrophe ? '"' : '\'';
  std::string literal;
  literal.reserve(value.size() + 2);
  literal += quote;
  literal += value;
  literal += quote;
  return literal;
}

Result<std::string> entryXpath(std::string_view parent, std::string_view name,
                               std::string_view what) {
  auto literal = xpathLiteral(name, what);
  if (!literal) {
    return std::unexpected(literal.error());
  }
  return std::string(parent) + "/entry[@name=" + *literal + "]";
}

std::string_view to_string(PanoramaRulebase rulebase) {
  return rulebase == PanoramaRulebase::Post ? "post-rulebase" : "pre-rulebase";
}

Status validateDeviceGroupName(std::string_view name) {
  if (name.empty() || name.size() > 63) {
    return fail(ErrorCode::Config, "device group name '" + std::string(name) +
                                       "' must be 1-63 characters (Panorama's limit)");
  }
  if (name == "shared") {
    return fail(ErrorCode::Config,
                "device group name 'shared' names Panorama's shared location, not a device group");
  }
  if (auto literal = xpathLiteral(name, "device group name"); !literal) {
    return fail(ErrorCode::Config, literal.error().message);
  }
  return {};
}

Result<ConfigPaths> ConfigPaths::forLocation(const Location& location) {
  if (!location.device_group.empty()) {
    if (auto ok = validateDeviceGroupName(location.device_group); !ok) {
      return std::unexpected(ok.error());
    }
    std::string group = "/config/devices/entry[@name='localhost.localdomain']/device-group/entry";
    group.append("[@name=").append(*xpathLiteral(location.device_group, "device group name"));
    group.append("]");
    std::string rulebase = "/";
    rulebase.append(to_string(location.rulebase));
    return ConfigPaths(std::move(group), std::move(rulebase));
  }
  auto device = xpathLiteral(location.device, "device name");
  if (!device) {
    return std::unexpected(device.error());
  }
  auto vsys = xpathLiteral(location.vsys, "vsys name");
  if (!vsys) {
    return std::unexpected(vsys.error());
  }
  return ConfigPaths("/config/devices/entry[@name=" + *device + "]/vsys/entry[@name=" + *vsys + "]",
                     "/rulebase");
}

}  // namespace trailwall::panos
