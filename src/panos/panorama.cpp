#include "panos/panorama.h"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

#include "panos/xml_util.h"

namespace trailwall::panos {

std::string_view to_string(PushPolicy policy) {
  switch (policy) {
    case PushPolicy::Auto: return "auto";
    case PushPolicy::Never: return "never";
    case PushPolicy::Always: return "always";
  }
  return "auto";
}

Result<PushPolicy> parsePushPolicy(std::string_view text) {
  for (const auto policy : {PushPolicy::Auto, PushPolicy::Never, PushPolicy::Always}) {
    if (text == to_string(policy)) return policy;
  }
  return fail(ErrorCode::Config,
              fmt::format("unknown push policy '{}': expected auto, never or always", text));
}

std::optional<SoftwareVersion> parseSoftwareVersion(std::string_view text) {
  text = trim(text);
  SoftwareVersion version;
  int* parts[] = {&version.major, &version.minor, &version.patch};
  const char* at = text.data();
  const char* end = text.data() + text.size();
  for (std::size_t i = 0; i < 3; ++i) {
    const auto [next, ec] = std::from_chars(at, end, *parts[i]);
    if (ec != std::errc{} || *parts[i] < 0) {
      if (i < 2) return std::nullopt;  // MAJOR.MINOR at least
      *parts[i] = 0;
      break;
    }
    at = next;
    if (i < 2) {
      if (at == end || *at != '.') {
        if (i == 0) return std::nullopt;
        break;
      }
      ++at;
    }
  }
  return version;
}

Result<SoftwareVersion> systemInfoVersion(const ApiResponse& response) {
  const std::string text = trimmedText(response.result().child("system").child("sw-version"));
  auto version = parseSoftwareVersion(text);
  if (!version) {
    return fail(ErrorCode::Remote,
                fmt::format("show system info: no readable sw-version ('{}')", text));
  }
  return *version;
}

bool supportsAdminScopedPush(const SoftwareVersion& version) {
  return version >= SoftwareVersion{10, 2, 0};
}

std::string showDeviceGroupsCommand() {
  return "<show><devicegroups/></show>";
}

std::string GroupDevice::label() const {
  if (hostname.empty() || hostname == serial) return serial;
  return fmt::format("{} ({})", hostname, serial);
}

Result<std::vector<GroupDevice>> parseDeviceGroup(const ApiResponse& response,
                                                  std::string_view device_group) {
  const auto groups = response.result().child("devicegroups");
  for (const auto& group : groups.children("entry")) {
    if (device_group != group.attribute("name").value()) continue;
    std::vector<GroupDevice> devices;
    for (const auto& entry : group.child("devices").children("entry")) {
      GroupDevice device;
      device.serial = trimmedText(entry.child("serial"));
      if (device.serial.empty()) device.serial = entry.attribute("name").value();
      device.hostname = trimmedText(entry.child("hostname"));
      device.ip_address = trimmedText(entry.child("ip-address"));
      device.connected = trimmedText(entry.child("connected")) == "yes";
      device.status = trimmedText(entry.child("shared-policy-status"));
      // Multi-vsys firewalls carry the status per vsys (POSPY refresh_devices).
      bool any_vsys = false;
      bool all_in_sync = true;
      for (const auto& vsys : entry.child("vsys").children("entry")) {
        const auto status = trimmedText(vsys.child("shared-policy-status"));
        any_vsys = true;
        all_in_sync = all_in_sync && status == "In Sync";
        if (status == "Out of Sync") device.status = status;
      }
      if (any_vsys && device.status.empty()) device.status = all_in_sync ? "In Sync" : "";
      devices.push_back(std::move(device));
    }
    return devices;
  }
  return fail(ErrorCode::NotFound,
              fmt::format("Panorama lists no device group '{}' (show devicegroups)", device_group));
}

Result<std::string> commitAllCommand(std::string_view device_group, std::string_view admin,
                                     std::string_view description) {
  for (const auto& [text, what] :
       {std::pair{device_group, "device group name"}, std::pair{admin, "administrator name"},
        std::pair{description, "push description"}}) {
    if (auto ok = validateXmlText(text, what); !ok) return std::unexpected(ok.error());
  }
  if (device_group.empty()) {
    return fail(ErrorCode::InvalidInput, "a push needs a device group");
  }
  if (description.size() > 512) {
    return fail(ErrorCode::InvalidInput, "push description is longer than 512 characters");
  }
  pugi::xml_document doc;
  auto policy = doc.append_child("commit-all").append_child("shared-policy");
  policy.append_child("device-group")
      .append_child("entry")
      .append_attribute("name")
      .set_value(std::string(device_group).c_str());
  if (!admin.empty()) {
    policy.append_child("admin").append_child("member").text().set(std::string(admin).c_str());
  }
  if (!description.empty()) {
    policy.append_child("description").text().set(std::string(description).c_str());
  }
  return renderXml(doc.document_element());
}

std::string_view to_string(PushAction action) {
  switch (action) {
    case PushAction::Skip: return "not pushed (push = never)";
    case PushAction::AdminScoped: return "admin-scoped push";
    case PushAction::Full: return "full push";
    case PushAction::Defer: return "push deferred";
  }
  return "unknown";
}

PushAction decidePush(PushPolicy policy, std::optional<SoftwareVersion> version,
                      const std::vector<GroupDevice>& before) {
  if (policy == PushPolicy::Never || before.empty()) return PushAction::Skip;
  if (policy == PushPolicy::Always) return PushAction::Full;
  if (version && supportsAdminScopedPush(*version)) return PushAction::AdminScoped;
  const bool all_in_sync =
      std::all_of(before.begin(), before.end(), [](const GroupDevice& d) { return d.inSync(); });
  return all_in_sync ? PushAction::Full : PushAction::Defer;
}

std::vector<std::string> unpushedCommitters(const std::vector<Job>& jobs,
                                            std::string_view device_group, std::string_view admin) {
  std::int64_t last_push = -1;
  for (const auto& job : jobs) {
    if (job.type == "CommitAll" && job.result == JobResult::Ok &&
        (job.dgname.empty() || job.dgname == device_group)) {
      last_push = std::max(last_push, job.id);
    }
  }
  std::vector<std::string> users;
  for (const auto& job : jobs) {
    if (job.type != "Commit" || job.result != JobResult::Ok || job.id <= last_push) continue;
    if (job.user.empty() || job.user == admin) continue;
    if (std::find(users.begin(), users.end(), job.user) == users.end()) users.push_back(job.user);
  }
  return users;
}

std::string PushReport::summary() const {
  if (deferred) {
    std::string text =
        fmt::format("push deferred: device group {} has changes not yet pushed", device_group);
    if (!unpushed_by.empty()) {
      text += fmt::format(" (committed by {})", fmt::join(unpushed_by, ", "));
    }
    if (!out_of_sync.empty()) {
      text +=
          fmt::format("; out of sync before this run's commit: {}", fmt::join(out_of_sync, ", "));
    }
    return text + fmt::format(
                      "; Panorama {} has no admin-scoped push (10.2+): this run's changes are "
                      "committed on Panorama, not pushed; push = \"always\" pushes everything",
                      version.empty() ? "(version unknown)" : version);
  }
  if (action == PushAction::Skip) {
    return fmt::format("device group {}: committed on Panorama, not pushed", device_group);
  }
  std::string text = fmt::format("device group {}: {}", device_group, to_string(action));
  if (job) text += fmt::format(" (job {})", *job);
  text += pushed ? " succeeded" : " not finished";
  if (!devices.empty()) {
    std::vector<std::string> each;
    for (const auto& d : devices) {
      each.push_back(fmt::format("{} {}", d.name.empty() ? d.serial : d.name,
                                 d.status.empty() ? std::string(to_string(d.result)) : d.status));
    }
    text += fmt::format(" on {}", fmt::join(each, ", "));
  }
  return text;
}

Status pushResult(const Job& job, std::string_view device_group) {
  std::vector<std::string> failed;
  for (const auto& device : job.devices) {
    if (device.result == JobResult::Ok) continue;
    std::string what =
        fmt::format("{} ({}): {}", device.name.empty() ? device.serial : device.name, device.serial,
                    device.status.empty() ? std::string(to_string(device.result)) : device.status);
    for (std::size_t i = 0; i < std::min<std::size_t>(device.details.size(), 3); ++i) {
      what += (i == 0 ? ": " : " | ") + device.details[i];
    }
    failed.push_back(std::move(what));
  }
  if (!failed.empty()) {
    return fail(ErrorCode::Remote, fmt::format("push of device group {} (job {}) failed on {}",
                                               device_group, job.id, fmt::join(failed, "; ")));
  }
  if (job.result != JobResult::Ok) {
    std::string lines;
    for (const auto& line : job.details) lines += (lines.empty() ? "" : " | ") + line;
    return fail(ErrorCode::Remote,
                fmt::format("push of device group {} (job {}) {}: {}", device_group, job.id,
                            to_string(job.result), lines.empty() ? "no details" : lines));
  }
  return {};
}

}  // namespace trailwall::panos
