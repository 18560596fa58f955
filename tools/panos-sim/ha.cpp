// HA pairs (API-NOTES.md section 13): the pair's shared state (HaLink), the op commands
// `show high-availability state|all` and `request high-availability …`, the passive peer's
// refusal of configuration changes, and config sync from the active peer after each commit.
//
// Assumptions (README "HA pairs"): refusing changes and commits on a passive or suspended peer
// with code 15 (the documented "Operation denied … command on passive HA peer") and the
// message's wording; `show high-availability all` answered like `state`; the replies of
// `request high-availability state suspend|functional` and `sync-to-remote running-config`
// (the 7.0 wording); the peer state `unknown` and conn-status `down` seen from a peer whose
// partner is down; that sync replaces the passive's running and candidate configurations (its
// uncommitted changes are lost) except its hostname (`deviceconfig/system`, which DOCS 10.0
// lists among settings that do not sync); that a recovered peer comes back passive and synced.
#include "ha.h"

#include <cstring>
#include <set>
#include <sstream>
#include <utility>

#include "api.h"
#include "xml_text.h"

namespace trailwall::panossim {

HaLink::HaLink(std::chrono::system_clock::time_point now)
    : since_{now, now}, userid_(std::make_shared<UserIdTable>()) {}

void HaLink::setState(int peer, std::string state, std::chrono::system_clock::time_point now) {
  if (state_[peer] != state) {
    state_[peer] = std::move(state);
    since_[peer] = now;
  }
}

bool HaLink::synchronizedLocked() const {
  return !unsynced_;
}

HaPeerStatus HaLink::status(int peer, std::chrono::system_clock::time_point /*now*/) const {
  std::lock_guard<std::mutex> guard(mutex_);
  HaPeerStatus s;
  const int other = 1 - peer;
  s.state = down_[peer] ? "non-functional" : state_[peer];
  s.down = down_[peer];
  s.peer_down = down_[other];
  s.peer_state = down_[other] ? "unknown" : state_[other];
  s.sync_enabled = sync_enabled_;
  s.synchronized = synchronizedLocked();
  return s;
}

bool HaLink::isActive(int peer) const {
  std::lock_guard<std::mutex> guard(mutex_);
  return !down_[peer] && state_[peer] == "active";
}

bool HaLink::isDown(int peer) const {
  std::lock_guard<std::mutex> guard(mutex_);
  return down_[peer];
}

std::int64_t HaLink::stateSeconds(int peer, std::chrono::system_clock::time_point now) const {
  std::lock_guard<std::mutex> guard(mutex_);
  return std::chrono::duration_cast<std::chrono::seconds>(now - since_[peer]).count();
}

Status HaLink::failover(std::chrono::system_clock::time_point now, bool down) {
  std::lock_guard<std::mutex> guard(mutex_);
  const int active = !down_[0] && state_[0] == "active"   ? 0
                     : !down_[1] && state_[1] == "active" ? 1
                                                          : -1;
  if (active < 0) {
    return fail(ErrorCode::InvalidInput, "no peer is active");
  }
  const int other = 1 - active;
  if (down_[other] || state_[other] != "passive") {
    return fail(ErrorCode::InvalidInput, "the other peer is " +
                                             (down_[other] ? std::string("down") : state_[other]) +
                                             ", not passive");
  }
  setState(other, "active", now);
  if (down) {
    down_[active] = true;
    setState(active, "non-functional", now);
  } else {
    setState(active, "passive", now);
  }
  return {};
}

Status HaLink::recover(int peer, std::chrono::system_clock::time_point now) {
  std::lock_guard<std::mutex> guard(mutex_);
  if (!down_[peer]) {
    return fail(ErrorCode::InvalidInput, "this peer is not down");
  }
  down_[peer] = false;
  setState(peer, state_[1 - peer] == "active" ? "passive" : "active", now);
  if (last_running_) {
    pending_[peer] = last_running_;
    unsynced_ = false;
  }
  return {};
}

Status HaLink::suspend(int peer, std::chrono::system_clock::time_point now) {
  std::lock_guard<std::mutex> guard(mutex_);
  const int other = 1 - peer;
  if (state_[peer] == "active") {
    if (down_[other] || state_[other] != "passive") {
      return fail(ErrorCode::InvalidInput, "the peer cannot take over");
    }
    setState(other, "active", now);
  }
  setState(peer, "suspended", now);
  return {};
}

Status HaLink::functional(int peer, std::chrono::system_clock::time_point now) {
  std::lock_guard<std::mutex> guard(mutex_);
  if (state_[peer] != "suspended") {
    return fail(ErrorCode::InvalidInput, "this peer is not suspended");
  }
  setState(peer, !down_[1 - peer] && state_[1 - peer] == "active" ? "passive" : "active", now);
  return {};
}

void HaLink::setSyncEnabled(bool enabled) {
  std::lock_guard<std::mutex> guard(mutex_);
  sync_enabled_ = enabled;
}

bool HaLink::committed(int peer, std::shared_ptr<const std::string> running_xml, bool force) {
  std::lock_guard<std::mutex> guard(mutex_);
  last_running_ = std::move(running_xml);
  const int other = 1 - peer;
  if ((sync_enabled_ || force) && !down_[other]) {
    pending_[other] = last_running_;
    unsynced_ = false;
    return true;
  }
  unsynced_ = true;
  return false;
}

std::shared_ptr<const std::string> HaLink::takeSync(int peer) {
  std::lock_guard<std::mutex> guard(mutex_);
  return std::exchange(pending_[peer], nullptr);
}

// ---- the peers' side (declared in api.h) ----

namespace {

std::shared_ptr<const std::string> runningXml(const Device& device) {
  std::ostringstream out;
  device.store->running().save(out, "", pugi::format_raw);
  return std::make_shared<const std::string>(out.str());
}

pugi::xml_node systemNode(pugi::xml_document& doc) {
  return doc.child("config")
      .child("devices")
      .find_child_by_attribute("entry", "name", "localhost.localdomain")
      .child("deviceconfig")
      .child("system");
}

}  // namespace

void haApplySync(Device& device) {
  if (!device.ha) {
    return;
  }
  const std::shared_ptr<const std::string> xml = device.ha->takeSync(device.ha_peer);
  if (!xml) {
    return;
  }
  pugi::xml_document doc;
  if (!doc.load_buffer(xml->data(), xml->size())) {
    return;  // cannot happen: the peer saved it
  }
  // The hostname and the rest of deviceconfig/system stay this peer's own.
  pugi::xml_document own;
  own.reset(device.store->running());
  const pugi::xml_node mine = systemNode(own);
  pugi::xml_node theirs = systemNode(doc);
  if (mine && theirs) {
    theirs.parent().insert_copy_after(mine, theirs);
    theirs.parent().remove_child(theirs);
  }
  device.store->resetTo(doc);
  device.compiled_valid = false;
  ++device.config_version;
  device.writeState();
}

void haAfterCommit(Device& device) {
  if (device.ha) {
    device.ha->committed(device.ha_peer, runningXml(device));
  }
}

std::optional<ApiResponse> haRefusal(const Device& device, const RequestLogEntry& entry) {
  if (!device.ha || device.ha->isActive(device.ha_peer)) {
    return std::nullopt;
  }
  static const std::set<std::string> kWrites = {"set",    "edit",  "delete",      "move",
                                                "rename", "clone", "multi-config"};
  const bool write = (entry.type == "config" && kWrites.contains(entry.action)) ||
                     entry.type == "commit" ||
                     (entry.type == "op" &&
                      (entry.action.starts_with("set audit-comment") ||
                       entry.action.starts_with("revert") || entry.action.starts_with("load")));
  if (!write) {
    return std::nullopt;
  }
  return errorLines(15,
                    {"Operation denied: this device is not the active HA peer (state " +
                     device.ha->status(device.ha_peer, device.clock.now()).state + ")"},
                    false);
}

ApiResponse showHaState(const Device& device) {
  if (!device.ha) {
    // op-show-ha-state-disabled-xsoar.xml
    return opResult(
        "<enabled>no</enabled><local-info><encrypt-imported>no</encrypt-imported></local-info>");
  }
  const auto now = device.clock.now();
  const HaPeerStatus s = device.ha->status(device.ha_peer, now);
  const std::string version = escapeXml(device.options.sw_version);
  const std::string model = escapeXml(device.options.model);
  const int me = device.ha_peer;
  // The elements of op-show-ha-state-passive-fw-1009-xsoar.xml that say who is active, whether
  // the peer answers and whether the configuration is synchronized.
  return opResult(
      "<enabled>yes</enabled><group><mode>Active-Passive</mode><local-info><build-rel>" + version +
      "</build-rel><platform-model>" + model + "</platform-model><priority>" +
      (me == 0 ? "100" : "110") + "</priority><state>" + s.state + "</state><version>1</version>" +
      "<state-sync>Complete</state-sync><state-duration>" +
      std::to_string(device.ha->stateSeconds(me, now)) +
      "</state-duration><preemptive>no</preemptive><mode>Active-Passive</mode>"
      "<ha1-encrypt-imported>no</ha1-encrypt-imported></local-info><peer-info><build-rel>" +
      version + "</build-rel><platform-model>" + model + "</platform-model><priority>" +
      (me == 0 ? "110" : "100") + "</priority><state>" + s.peer_state +
      "</state><version>1</version><conn-status>" + (s.peer_down ? "down" : "up") +
      "</conn-status><conn-ha1><conn-status>" + (s.peer_down ? "down" : "up") +
      "</conn-status><conn-primary>yes</conn-primary><conn-desc>heartbeat status</conn-desc>"
      "</conn-ha1><state-duration>" +
      std::to_string(device.ha->stateSeconds(1 - me, now)) +
      "</state-duration><preemptive>no</preemptive><mode>Active-Passive</mode></peer-info>"
      "<running-sync>" +
      (s.synchronized ? "synchronized" : "not synchronized") +
      "</running-sync><running-sync-enabled>" + (s.sync_enabled ? "yes" : "no") +
      "</running-sync-enabled></group>");
}

ApiResponse requestHa(Device& device, const pugi::xml_node& ha) {
  const pugi::xml_node what = ha.first_child();
  if (!device.ha) {
    return errorLines(15, {"HA is not enabled"}, false);  // assumption
  }
  const auto now = device.clock.now();
  if (std::strcmp(what.name(), "state") == 0) {
    const bool suspend = static_cast<bool>(what.child("suspend"));
    if (!suspend && !what.child("functional")) {
      return errorLines(17, {"request high-availability state: suspend or functional expected"},
                        false);
    }
    const Status done = suspend ? device.ha->suspend(device.ha_peer, now)
                                : device.ha->functional(device.ha_peer, now);
    if (!done) {
      return errorLines(14, {done.error().message}, false);
    }
    return opResult(suspend ? "Successfully changed HA state to suspended"
                            : "Successfully changed HA state to functional");
  }
  if (std::strcmp(what.name(), "sync-to-remote") == 0) {
    if (!device.ha->isActive(device.ha_peer)) {
      return errorLines(15, {"Failed to synchronize running configuration with HA peer"}, false);
    }
    if (!device.ha->committed(device.ha_peer, runningXml(device), true)) {
      return errorLines(14, {"Failed to synchronize running configuration with HA peer"}, false);
    }
    return opResult("successfully sync'd running configuration to HA peer");
  }
  return errorLines(17, {"request high-availability: state or sync-to-remote expected"}, false);
}

}  // namespace trailwall::panossim
