#pragma once
// Several simulated devices in one process: independent firewalls, each on its own loopback
// listener with its own state, all on one shared SimClock (so /sim/clock/advance on any of them
// moves time for all, as the devices of one site agree on the time).
//
//   panossim::FleetOptions options;            // base: TLS, simulator options, first port
//   options.firewalls = 2;                     // fw1, fw2
//   auto fleet = panossim::Fleet::start(std::move(options));
//   (*fleet)->device("fw2").server->baseUrl();
//
// Each device differs from the others in its name (also its hostname when it runs the built-in
// configuration), serial and state file (`--state-file F` becomes F.NAME). GET /sim/fleet on any
// listener lists them all.

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "common/error.h"
#include "server.h"
#include "sim_clock.h"

namespace trailwall::panossim {

struct FleetOptions {
  ServerOptions base;  // its port is the first device's; 0 = every device on a free port
  std::size_t firewalls = 1;
  // Each firewall is an active/passive HA pair (ha.h): peers NAME-a (starts active) and NAME-b,
  // two listeners sharing the pair's HA state and User-ID registrations.
  bool ha = false;
  // Non-empty: also a Panorama ("panorama", the last device) managing the firewalls, one
  // device group per entry: its name and its firewalls' names (fw1; with `ha` fw1 means both
  // peers, fw1-a one of them). Every device group starts pushed (In Sync).
  std::vector<std::pair<std::string, std::vector<std::string>>> device_groups;
};

struct FleetDevice {
  std::string name;    // fw1, fw2, … (HA peers: fw1-a, fw1-b, …)
  std::string kind;    // firewall | ha-peer | panorama
  std::string serial;  // as show system info reports it
  std::string peer;    // HA peers: the other peer's name
  // Panorama: its device groups and their firewalls' names, as FleetOptions gave them.
  std::vector<std::pair<std::string, std::vector<std::string>>> device_groups;
  std::unique_ptr<Server> server;
};

class Fleet {
 public:
  // Starts every device; on any failure stops those already started. InvalidInput for bad
  // options (no device), otherwise the failing device's error with its name.
  [[nodiscard]] static Result<std::unique_ptr<Fleet>> start(FleetOptions options,
                                                            Clock* base = nullptr);
  ~Fleet();
  Fleet(const Fleet&) = delete;
  Fleet& operator=(const Fleet&) = delete;

  void stop();
  [[nodiscard]] std::vector<FleetDevice>& devices() { return devices_; }
  // The device of that name; nullptr when there is none.
  [[nodiscard]] FleetDevice* find(const std::string& name);
  [[nodiscard]] FleetDevice& device(const std::string& name) { return *find(name); }
  [[nodiscard]] SimClock& clock() { return *clock_; }
  // [{"name","kind","serial","url"[,"peer"][,"device_groups"]}, …] (GET /sim/fleet).
  [[nodiscard]] std::string json() const;

 private:
  Fleet() = default;
  // The Panorama of options.device_groups, after the firewalls (index: its place in the fleet).
  Status startPanorama(const FleetOptions& options, std::size_t index);
  SystemClock system_clock_;
  std::unique_ptr<SimClock> clock_;
  std::vector<FleetDevice> devices_;
};

// The serial of the index-th device of a fleet (0 = the single device's default serial).
[[nodiscard]] std::string fleetSerial(const std::string& base, std::size_t index);

}  // namespace trailwall::panossim
