#pragma once
// Config and commit locks (API-NOTES §6.5): who holds them, so trailwall can wait for another
// administrator's lock to go away. trailwall never removes a lock it does not own.

#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "panos/response.h"

namespace trailwall::panos {

struct Lock {
  std::string admin;  // entry/@name: the administrator holding it
  std::string type;   // shared, vsys, …
  std::string scope;  // <name>: shared or vsysN
  std::string created;
  std::string last_activity;
  bool logged_in = false;
  std::string comment;

  friend bool operator==(const Lock&, const Lock&) = default;
};

// Entries of result/config-locks or result/commit-locks (whichever the reply holds).
[[nodiscard]] std::vector<Lock> parseLocks(const ApiResponse& response);

// Locks held by anyone but `admin`.
[[nodiscard]] std::vector<Lock> heldByOthers(const std::vector<Lock>& locks,
                                             std::string_view admin);

// "config lock held by NAME (scope shared, since …)" for people.
[[nodiscard]] std::string describeLocks(const std::vector<Lock>& locks, std::string_view kind);

}  // namespace trailwall::panos
