#pragma once
// The User-ID table of IP-to-tag registrations: runtime state, not configuration (a commit
// neither needs nor touches it; API-NOTES.md section 12.1). Per vsys, each registered address
// (a host, and from PAN-OS 10.0 a network or range) holds up to 32 tags, each with its own
// expiry on the simulator's clock (`timeout` seconds; 0 = never). A registration whose expiry
// has passed is gone at the next access; registering an existing tag again answers "already
// exists" and restarts its timeout (MineMeld's canary relies on this, section 12.2). The table
// has its own mutex because the two peers of an HA pair share one (ha.h); callers hold it
// through Lock around every use.

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "common/error.h"
#include "net/address.h"

namespace trailwall::panossim {

inline constexpr std::size_t kMaxTagsPerAddress = 32;           // DOCS-DAG, APILAB
inline constexpr std::int64_t kMaxTagTimeoutSeconds = 2592000;  // 30 days (PANDEV-DAG, POSPY)

struct TagMapping {
  std::string tag;
  std::optional<std::chrono::system_clock::time_point> expires;  // none = never
};

struct Registration {
  std::string ip;  // as the device lists it: "10.0.0.1", "10.0.0.0/24", "10.0.0.1-10.0.0.9"
  net::IpRange range;
  bool persistent = true;
  std::vector<TagMapping> tags;  // in registration order
};

enum class RegisterOutcome { Added, AlreadyExists, TooManyTags, TableFull };
enum class UnregisterOutcome { Removed, NoSuchAddress, NoSuchTag };

class UserIdTable {
 public:
  using Time = std::chrono::system_clock::time_point;
  using Entries = std::map<net::IpRange, Registration>;

  // A registered address as written in a uid-message: host, network or range.
  // InvalidInput for anything else.
  [[nodiscard]] static Result<std::pair<std::string, net::IpRange>> parseAddress(
      std::string_view text);

  // Registers `tag` on the address, or restarts its timeout when it is already there.
  // `timeout` 0 = never expires. `max_addresses` bounds the distinct addresses of all vsys.
  RegisterOutcome add(const std::string& vsys, const std::pair<std::string, net::IpRange>& address,
                      const std::string& tag, bool persistent, std::chrono::seconds timeout,
                      Time now, std::size_t max_addresses);
  UnregisterOutcome remove(const std::string& vsys, const net::IpRange& range,
                           const std::string& tag, Time now);
  // Removes every tag of the address; false when it was not registered.
  bool removeAll(const std::string& vsys, const net::IpRange& range, Time now);

  // Drops every mapping whose expiry is at or before `now`.
  void expire(Time now);
  // The registrations of a vsys in address order (after expire(now)); null when none.
  [[nodiscard]] const Entries* entries(const std::string& vsys, Time now);
  // The tags an address carries in a vsys: its own registration's and those of registered
  // networks and ranges containing it (tag inheritance, APILAB). Appends to `out`.
  void tagsFor(const std::string& vsys, const net::IpAddress& address, Time now,
               std::vector<std::string>& out);
  // Distinct registered addresses over all vsys.
  [[nodiscard]] std::size_t addressCount(Time now);
  void clear();

  std::mutex& mutex() { return mutex_; }

 private:
  struct Vsys {
    Entries entries;
    std::size_t non_hosts = 0;  // networks and ranges (scanned by tagsFor)
  };
  // (expiry, vsys, range, tag): checked lazily against the mapping's current expiry.
  using ExpiryKey = std::tuple<Time, std::string, net::IpRange, std::string>;

  void erase(const std::string& vsys, Vsys& v, Entries::iterator it);

  std::mutex mutex_;
  std::map<std::string, Vsys> vsys_;
  std::set<ExpiryKey> expiries_;
  std::size_t addresses_ = 0;
};

}  // namespace trailwall::panossim
