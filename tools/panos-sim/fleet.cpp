#include "fleet.h"

#include "ha.h"

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
  const std::size_t per_firewall = options.ha ? 2 : 1;
  const bool single = options.firewalls * per_firewall == 1 && options.device_groups.empty();
  std::size_t index = 0;
  for (std::size_t i = 0; i < options.firewalls; ++i) {
    const std::string firewall = "fw" + std::to_string(i + 1);
    std::shared_ptr<HaLink> link =
        options.ha ? std::make_shared<HaLink>(fleet->clock_->now()) : nullptr;
    for (std::size_t p = 0; p < per_firewall; ++p, ++index) {
      FleetDevice d;
      d.name = options.ha ? firewall + (p == 0 ? "-a" : "-b") : firewall;
      d.kind = options.ha ? "ha-peer" : "firewall";
      d.peer = options.ha ? firewall + (p == 0 ? "-b" : "-a") : "";
      ServerOptions so = options.base;
      if (so.port != 0 && index > 0) {
        so.port = static_cast<std::uint16_t>(so.port + index);
      }
      so.simulator.serial = fleetSerial(options.base.simulator.serial, index);
      so.simulator.ha = link;
      so.simulator.ha_peer = static_cast<int>(p);
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
  }
  if (!options.device_groups.empty()) {
    if (auto started = fleet->startPanorama(options, index); !started) {
      fleet->stop();
      return std::unexpected(started.error());
    }
  }
  return fleet;
}

Status Fleet::startPanorama(const FleetOptions& options, std::size_t index) {
  auto managed = std::make_shared<ManagedDevices>();
  for (FleetDevice& d : devices_) {
    managed->add(d.serial, d.name, &d.server->simulator());
  }
  std::vector<std::pair<std::string, std::vector<std::string>>> groups;
  for (const auto& [group, names] : options.device_groups) {
    if (group.empty() || group.size() > 63 || group == "shared") {
      return fail(ErrorCode::InvalidInput,
                  "device group '" + group + "': 1 to 63 characters, not 'shared'");
    }
    std::vector<std::string> serials;
    for (const std::string& name : names) {
      bool found = false;
      for (const FleetDevice& d : devices_) {
        if (d.name == name || (d.kind == "ha-peer" && d.name.starts_with(name + "-"))) {
          serials.push_back(d.serial);
          found = true;
        }
      }
      if (!found) {
        return fail(ErrorCode::InvalidInput,
                    "device group '" + group + "': no firewall named '" + name + "'");
      }
    }
    groups.emplace_back(group, std::move(serials));
  }
  FleetDevice d;
  d.name = "panorama";
  d.kind = "panorama";
  ServerOptions so = options.base;
  if (so.port != 0) {
    so.port = static_cast<std::uint16_t>(so.port + index);
  }
  so.simulator.serial = fleetSerial(options.base.simulator.serial, index);
  so.simulator.model = "Panorama";
  so.simulator.panorama = true;
  so.simulator.managed = managed;
  so.simulator.initial_config_xml = panoramaConfigXml(groups, "panorama");
  if (!so.simulator.state_file.empty()) {
    so.simulator.state_file += ".panorama";
  }
  if (so.simulator.log_sink) {
    so.simulator.log_sink = [sink = so.simulator.log_sink](const std::string& line) {
      sink("panorama " + line);
    };
  }
  d.serial = so.simulator.serial;
  d.device_groups = options.device_groups;
  so.fleet_json = [this] { return json(); };
  d.server = std::make_unique<Server>(std::move(so), clock_.get());
  if (auto started = d.server->start(); !started) {
    return std::unexpected(started.error().withContext(d.name));
  }
  d.server->simulator().panoramaPushAll();
  devices_.push_back(std::move(d));
  return {};
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
    nlohmann::json j = {
        {"name", d.name}, {"kind", d.kind}, {"serial", d.serial}, {"url", d.server->baseUrl()}};
    if (!d.peer.empty()) {
      j["peer"] = d.peer;
    }
    if (!d.device_groups.empty()) {
      nlohmann::json groups = nlohmann::json::object();
      for (const auto& [group, names] : d.device_groups) {
        groups[group] = names;
      }
      j["device_groups"] = std::move(groups);
    }
    out.push_back(std::move(j));
  }
  return out.dump();
}

}  // namespace trailwall::panossim
