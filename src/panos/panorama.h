#pragma once
// Panorama's side of applying a plan (API-NOTES §14, DESIGN §6): after the partial commit on
// Panorama, the push (`commit-all` shared-policy) to exactly the device group trailwall changed,
// and the decision whether a push may go out at all without carrying another administrator's
// committed-but-unpushed work. Pure pieces (commands, parsers, the decision) live here; the
// requests are sent by PanOsFirewall (firewall.cpp). Which versions do what: docs/panorama.md.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "panos/jobs.h"
#include "panos/response.h"

namespace trailwall::panos {

// `push` of a firewall entry: auto (admin-scoped push on 10.2+, on older Panorama only when no
// firewall of the group was out of sync before trailwall's commit), never (commit on Panorama
// only), always (a full push of the device group, whatever else it carries).
enum class PushPolicy { Auto, Never, Always };

[[nodiscard]] std::string_view to_string(PushPolicy policy);
// "auto" | "never" | "always"; Config error naming the value otherwise.
[[nodiscard]] Result<PushPolicy> parsePushPolicy(std::string_view text);

// A PAN-OS / Panorama software version (`show system info` sw-version, "10.2.11-h12").
struct SoftwareVersion {
  int major = 0;
  int minor = 0;
  int patch = 0;

  friend auto operator<=>(const SoftwareVersion&, const SoftwareVersion&) = default;
};

// Nothing when the text does not start with MAJOR.MINOR.
[[nodiscard]] std::optional<SoftwareVersion> parseSoftwareVersion(std::string_view text);
// sw-version of a `show system info` reply; Remote error when absent or unreadable.
[[nodiscard]] Result<SoftwareVersion> systemInfoVersion(const ApiResponse& response);
// Panorama 10.2 and later push named administrators' changes only (API-NOTES §14).
[[nodiscard]] bool supportsAdminScopedPush(const SoftwareVersion& version);

// <show><devicegroups/></show> (API-NOTES §14).
[[nodiscard]] std::string showDeviceGroupsCommand();

// One firewall of a device group as `show devicegroups` reports it.
struct GroupDevice {
  std::string serial;
  std::string hostname;
  std::string ip_address;
  bool connected = false;
  // shared-policy-status: "In Sync", "Out of Sync", or "" (never pushed / unknown).
  std::string status;

  [[nodiscard]] bool inSync() const { return status == "In Sync"; }
  // "fw1 (007000016273)", or the serial alone.
  [[nodiscard]] std::string label() const;
};

// The firewalls of `device_group` in a `show devicegroups` reply (a multi-vsys firewall's status
// is its vsys entries': In Sync only when all are). NotFound when Panorama lists no such group.
[[nodiscard]] Result<std::vector<GroupDevice>> parseDeviceGroup(const ApiResponse& response,
                                                                std::string_view device_group);

// <commit-all><shared-policy><device-group><entry name="DG"/></device-group>
// [<admin><member>ADMIN</member></admin>][<description>…</description>]</shared-policy>
// </commit-all>. `admin` empty: a full push. InvalidInput for a name or text XML cannot carry.
[[nodiscard]] Result<std::string> commitAllCommand(std::string_view device_group,
                                                   std::string_view admin,
                                                   std::string_view description);

// What trailwall does after its commit on Panorama.
enum class PushAction {
  Skip,         // push = never
  AdminScoped,  // push only this administrator's changes (10.2+)
  Full,         // push the device group as Panorama runs it
  Defer,        // do not push: another administrator's unpushed work would go out
};

[[nodiscard]] std::string_view to_string(PushAction action);

// The decision table (docs/panorama.md): never → Skip; always → Full; auto → AdminScoped on
// 10.2+, else Full when every firewall of the group was In Sync before trailwall's commit, else
// Defer. An unknown version counts as older than 10.2; a group with no firewall is Skip.
[[nodiscard]] PushAction decidePush(PushPolicy policy, std::optional<SoftwareVersion> version,
                                    const std::vector<GroupDevice>& before);

// Who committed work on Panorama that no push of `device_group` has carried yet, as its job list
// says: the users of successful Commit jobs after the last CommitAll of that group (any group
// when jobs do not say), other than `admin`, each once, in job order.
[[nodiscard]] std::vector<std::string> unpushedCommitters(const std::vector<Job>& jobs,
                                                          std::string_view device_group,
                                                          std::string_view admin);

// The push's outcome, for the report.
struct PushReport {
  std::string device_group;
  PushAction action = PushAction::Skip;
  std::string version;                   // Panorama's sw-version as read
  std::vector<std::string> out_of_sync;  // firewalls Out of Sync (or never pushed) before
  std::vector<std::string> unpushed_by;  // who committed the unpushed work (deferral)
  std::optional<std::int64_t> job;       // the CommitAll job
  std::vector<JobDevice> devices;        // its per-firewall results
  bool pushed = false;                   // the job finished OK on every firewall
  bool deferred = false;                 // not pushed: others' unpushed work (exit code 4)

  // "push deferred: device group dg1 has changes not yet pushed (…)", or the push's summary.
  [[nodiscard]] std::string summary() const;
};

// The failed firewalls of a finished push job; an error naming each (serial, name, status and its
// first lines) when any failed, or when the job failed without saying on which.
[[nodiscard]] Status pushResult(const Job& job, std::string_view device_group);

}  // namespace trailwall::panos
