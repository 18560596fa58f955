#include "inventory/inventory.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <utility>

namespace trailwall::inventory {
namespace {

constexpr std::array<std::pair<InstanceState, std::string_view>, 6> kStateNames{{
    {InstanceState::Pending, "pending"},
    {InstanceState::Running, "running"},
    {InstanceState::ShuttingDown, "shutting-down"},
    {InstanceState::Terminated, "terminated"},
    {InstanceState::Stopping, "stopping"},
    {InstanceState::Stopped, "stopped"},
}};

}  // namespace

std::string_view Route::targetId() const {
  for (const std::string* id :
       {&instance_id, &network_interface_id, &gateway_id, &other_target_id}) {
    if (!id->empty()) return *id;
  }
  return {};
}

bool RouteTable::isMain() const {
  return std::any_of(associations.begin(), associations.end(),
                     [](const RouteTableAssociation& a) { return a.main; });
}

std::string_view to_string(InstanceState state) {
  for (const auto& [value, name] : kStateNames) {
    if (value == state) return name;
  }
  return "unknown";
}

Result<InstanceState> parseInstanceState(std::string_view text) {
  for (const auto& [value, name] : kStateNames) {
    if (name == text) return value;
  }
  return fail(ErrorCode::InvalidInput,
              fmt::format("unknown instance state '{}' (expected pending, running, "
                          "shutting-down, terminated, stopping or stopped)",
                          text));
}

Status validatePermission(const Permission& p) {
  const auto& proto = p.protocol;
  if (proto.hasPorts()) {
    if (p.from_port < 0 || p.to_port > 65535 || p.from_port > p.to_port) {
      return fail(ErrorCode::InvalidInput,
                  fmt::format("{} port range {}-{} is not within 0-65535 in order", proto.name(),
                              p.from_port, p.to_port));
    }
  } else if (proto.isIcmp() || proto.isIcmpV6()) {
    if (p.from_port < -1 || p.from_port > 255 || p.to_port < -1 || p.to_port > 255) {
      return fail(ErrorCode::InvalidInput, fmt::format("{} type {} / code {} out of range (-1-255)",
                                                       proto.name(), p.from_port, p.to_port));
    }
    if (p.from_port == -1 && p.to_port != -1) {
      return fail(ErrorCode::InvalidInput,
                  fmt::format("{} code {} given for all types (type -1)", proto.name(), p.to_port));
    }
  }
  return {};
}

}  // namespace trailwall::inventory
