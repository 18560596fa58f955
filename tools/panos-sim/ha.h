#pragma once
// An active/passive HA pair: what two peers share (API-NOTES.md section 13). Each peer is a
// Simulator with its own Device behind its own listener; an HaLink, shared by both, holds the
// pair's HA state, the running configuration the active last synced, and the User-ID table
// (registrations are runtime state the pair shares — an assumption, section 13 lists it open).
//
// Locking: HaLink has its own mutex, always taken after a Device's and never while waiting for
// one, so two peers never wait on each other. Config sync is therefore lazy: the active peer's
// commit leaves its running configuration here and the passive installs it before it handles
// its next request (or answers an accessor), which clients cannot tell from an immediate sync.

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "common/error.h"
#include "userid_table.h"

namespace trailwall::panossim {

struct HaPeerStatus {
  std::string state;       // active | passive | suspended | non-functional (down)
  std::string peer_state;  // the other peer's state as this one sees it (unknown when down)
  bool down = false;       // this peer answers no /api/ request (connection closed)
  bool peer_down = false;
  bool sync_enabled = true;
  bool synchronized = true;  // the passive holds the active's running configuration
};

class HaLink {
 public:
  explicit HaLink(std::chrono::system_clock::time_point now);

  [[nodiscard]] std::shared_ptr<UserIdTable> userid() const { return userid_; }
  [[nodiscard]] HaPeerStatus status(int peer, std::chrono::system_clock::time_point now) const;
  [[nodiscard]] bool isActive(int peer) const;
  [[nodiscard]] bool isDown(int peer) const;
  // Seconds `peer` has been in its state.
  [[nodiscard]] std::int64_t stateSeconds(int peer,
                                          std::chrono::system_clock::time_point now) const;

  // The active peer stops being active: it becomes passive, or with `down` it stops answering
  // (non-functional); the other peer becomes active. InvalidInput when no peer is active or the
  // other one is down or suspended.
  Status failover(std::chrono::system_clock::time_point now, bool down);
  // A down peer comes back as passive and receives the active's running configuration.
  Status recover(int peer, std::chrono::system_clock::time_point now);
  // request high-availability state suspend / functional on `peer`.
  Status suspend(int peer, std::chrono::system_clock::time_point now);
  Status functional(int peer, std::chrono::system_clock::time_point now);

  void setSyncEnabled(bool enabled);
  // After a successful commit on the active `peer`: keeps its running configuration and sends
  // it to the other peer when sync is enabled and the other peer is up (`force`: sync-to-remote
  // also when sync is disabled). False when it was not sent.
  bool committed(int peer, std::shared_ptr<const std::string> running_xml, bool force = false);
  // The running configuration `peer` must install before its next request (null: none); taken
  // once.
  [[nodiscard]] std::shared_ptr<const std::string> takeSync(int peer);

 private:
  void setState(int peer, std::string state, std::chrono::system_clock::time_point now);
  [[nodiscard]] bool synchronizedLocked() const;

  mutable std::mutex mutex_;
  std::string state_[2] = {"active", "passive"};
  std::chrono::system_clock::time_point since_[2];
  bool down_[2] = {false, false};
  bool sync_enabled_ = true;
  bool unsynced_ = false;  // a commit of the active has not reached the passive
  std::shared_ptr<const std::string> last_running_;
  std::shared_ptr<const std::string> pending_[2];
  std::shared_ptr<UserIdTable> userid_;
};

}  // namespace trailwall::panossim
