#include "fleet.h"

#include <nlohmann/json.hpp>

namespace trailwall::panossim {
namespace {

// The built-in configuration with `hostname` instead of panos-sim.
std::string withHostname(std::string xml, const std::string& hostname) {
  const std::string from = "<hostname>panos-sim</hostname>";
  if (const std::size_t at = xml.find(from); at != std::string::npos) {
    xml.replace(at, from.size(), "<hostname>" + hostname + "</hostname>");
  }
  return xml;
}

}  // namespace

std::string fleetSerial(const std::string& base, std::size_t index) {
  if (index == 0) {
    return base;
  }
  if (base.empty() || base.size() > 18 ||
      base.find_first_not_of("0123456789") != std::string::npos) {
    return base + "-" + std::to_string(index);
  }
  std::string n = std::to_string(std::stoull(base) + index);
  return n.size() < base.size() ? std::string(base.size() - n.size(), '0') + n : n;
}

Result<std::unique_ptr<Fleet>> Fleet::start(FleetOptions options, Clock* base) {
  if (options.firewalls == 0) {
    return fail(ErrorCode::InvalidInput, "a fleet needs at least one firewall");
  }
  std::unique_ptr<Fleet> fleet(new Fleet());
  fleet->clock_ = std::make_unique<SimClock>(base != nullptr ? *base : fleet->system_clock_);
  const bool single = options.firewalls == 1;
  for (std::size_t i = 0; i < options.firewalls; ++i) {
    FleetDevice d;
    d.name = "fw" + std::to_string(i + 1);
    d.kind = "firewall";
    ServerOptions so = options.base;
    if (so.port != 0 && i > 0) {
      so.port = static_cast<std::uint16_t>(so.port + i);
    }
    so.simulator.serial = fleetSerial(options.base.simulator.serial, i);
    d.serial = so.simulator.serial;
    if (!single) {
      if (so.simulator.initial_config_xml.empty()) {
        so.simulator.initial_config_xml = withHostname(std::string(defaultConfigXml()), d.name);
      }
      if (!so.simulator.state_file.empty()) {
        so.simulator.state_file += "." + d.name;
      }
      if (so.simulator.log_sink) {
        so.simulator.log_sink = [sink = so.simulator.log_sink, name = d.name](
                                    const std::string& line) { sink(name + " " + line); };
      }
    }
    Fleet* raw = fleet.get();
    so.fleet_json = [raw] { return raw->json(); };
    d.server = std::make_unique<Server>(std::move(so), fleet->clock_.get());
    if (auto started = d.server->start(); !started) {
      fleet->stop();
      return std::unexpected(started.error().withContext(d.name));
    }
    fleet->devices_.push_back(std::move(d));
  }
  return fleet;
}

Fleet::~Fleet() {
  stop();
}

void Fleet::stop() {
  for (FleetDevice& d : devices_) {
    d.server->stop();
  }
}

FleetDevice* Fleet::find(const std::string& name) {
  for (FleetDevice& d : devices_) {
    if (d.name == name) {
      return &d;
    }
  }
  return nullptr;
}

std::string Fleet::json() const {
  nlohmann::json out = nlohmann::json::array();
  for (const FleetDevice& d : devices_) {
    out.push_back(
        {{"name", d.name}, {"kind", d.kind}, {"serial", d.serial}, {"url", d.server->baseUrl()}});
  }
  return out.dump();
}

}  // namespace trailwall::panossim
