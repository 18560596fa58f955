#pragma once
// Panorama (API-NOTES.md section 14): device groups with pre/post rulebases, commit on Panorama
// (the commit machinery of commit_jobs.cpp, partial by administrator as on a firewall), then
// `commit-all` push jobs to a device group's firewalls with per-device results, and the
// pushed-or-not state per device (`show devicegroups`). The firewalls are Simulators of the
// same process (a Fleet), reached through ManagedDevices; a push installs the device group's
// content under the firewall's /config/panorama, where its security-policy-match finds the
// pre-rules before and the post-rules after its own.
//
// What was pushed: for each device group Panorama keeps the configuration as last pushed and
// the committed changes not pushed since (journal entries with their administrators). A full
// push sends the running configuration; an admin-scoped push (10.2+) replays only the named
// administrators' unpushed changes onto what was last pushed, so another administrator's
// committed work stays on Panorama — and the devices report Out of Sync until it is pushed.
//
// Locking: a push runs inside Panorama's commit-all job (Panorama's Device mutex held) and
// takes each firewall's own mutex through Simulator::receivePush; firewalls never call
// Panorama, so the order is always Panorama, then firewall.

#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <pugixml.hpp>

#include "config_store.h"

namespace trailwall::panossim {

class Simulator;

// The firewalls a Panorama manages, by serial; filled in before Panorama serves and not changed
// afterwards.
class ManagedDevices {
 public:
  void add(std::string serial, std::string hostname, Simulator* sim) {
    devices_[std::move(serial)] = {std::move(hostname), sim};
  }
  // nullptr when Panorama does not know that serial.
  [[nodiscard]] Simulator* find(const std::string& serial) const {
    auto it = devices_.find(serial);
    return it == devices_.end() ? nullptr : it->second.second;
  }
  [[nodiscard]] std::string hostname(const std::string& serial) const {
    auto it = devices_.find(serial);
    return it == devices_.end() ? serial : it->second.first;
  }

 private:
  std::map<std::string, std::pair<std::string, Simulator*>> devices_;
};

// One device group of a push, optionally limited to some of its devices.
struct PushTarget {
  std::string device_group;
  std::set<std::string> serials;  // empty: every device of the group
};

// One firewall's part of a push job (job-commitall-fin-ok-devices-xsoar.xml).
struct PushDeviceResult {
  std::string serial, devicename, device_group;
  bool ok = false;
  std::chrono::system_clock::time_point tstart, tfin;
  std::vector<std::string> lines;  // the firewall's commit messages
};

// Per device group: the configuration as last pushed, and committed changes not pushed since.
struct DeviceGroupPush {
  std::shared_ptr<pugi::xml_document> pushed;
  std::vector<JournalEntry> unpushed;
};

// Per firewall: the device-group content it runs (its md5, as show devicegroups compares it)
// and its last push.
struct DevicePushState {
  std::string md5;
  std::uint64_t version = 0;
  std::string last_state = "none";
  std::string last_time = "none";
};

// A Panorama configuration: the built-in one's administrators and shared objects, hostname
// `hostname`, and one device group per entry with its firewalls' serials, each with a
// pre-rulebase (an administrator's DNS rule, then `dg-block-inbound`, a deny of untrust to
// trust that trailwall's rules go above) and an empty post-rulebase.
[[nodiscard]] std::string panoramaConfigXml(
    const std::vector<std::pair<std::string, std::vector<std::string>>>& device_groups,
    const std::string& hostname);

}  // namespace trailwall::panossim
