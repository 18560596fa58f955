// Panorama: device groups, commit-all push jobs with per-device results, show devicegroups, and
// the firewall's side of a push (panorama.h has the model; API-NOTES.md section 14 the
// sources).
//
// Assumptions (README "Panorama"): a firewall keeps pushed content under /config/panorama with
// the device group's objects and rules in vsys/entry[@name='vsys1'] (pre-rulebase and
// post-rulebase as API-NOTES.md section 4 names them; shared pre-rules first, shared post-rules
// last) and Panorama's shared objects in /config/panorama/shared; md5 sums over that content
// (the device's own algorithm is unknown, only equality matters); a push job's result is FAIL
// when any device failed, its `dgname` the first device group; more than one device group in
// one push is one job; the refusals (codes and wording) for commit-all on a firewall, an
// unknown device group, no device group, and `<admin>` before 10.2; a push sent when nothing
// changed still commits on every device; parent/child device groups and templates are not
// simulated.
#include <openssl/evp.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <sstream>

#include "api.h"
#include "xml_text.h"
#include "xpath.h"

namespace trailwall::panossim {
namespace {

pugi::xml_node deviceEntry(const pugi::xml_document& doc) {
  return doc.child("config").child("devices").find_child_by_attribute("entry", "name",
                                                                      "localhost.localdomain");
}

pugi::xml_node deviceGroup(const pugi::xml_document& doc, const std::string& dg) {
  return deviceEntry(doc)
      .child("device-group")
      .find_child_by_attribute("entry", "name", dg.c_str());
}

std::vector<std::string> deviceGroupNames(const pugi::xml_document& doc) {
  std::vector<std::string> out;
  for (pugi::xml_node e = deviceEntry(doc).child("device-group").child("entry"); e;
       e = e.next_sibling("entry")) {
    out.emplace_back(e.attribute("name").value());
  }
  return out;
}

std::vector<std::string> serialsOf(const pugi::xml_document& doc, const std::string& dg) {
  std::vector<std::string> out;
  for (pugi::xml_node e = deviceGroup(doc, dg).child("devices").child("entry"); e;
       e = e.next_sibling("entry")) {
    out.emplace_back(e.attribute("name").value());
  }
  return out;
}

// The policy a device group's firewalls run: Panorama's shared and the group's entry (without
// its device list), as text.
std::string policyText(const pugi::xml_document& doc, const std::string& dg) {
  std::ostringstream out;
  doc.child("config").child("shared").print(out, "", pugi::format_raw);
  for (pugi::xml_node c = deviceGroup(doc, dg).first_child(); c; c = c.next_sibling()) {
    if (std::strcmp(c.name(), "devices") != 0) {
      c.print(out, "", pugi::format_raw);
    }
  }
  return out.str();
}

std::string md5Hex(const std::string& text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(text.data(), text.size(), digest, &n, EVP_md5(), nullptr);
  std::string out;
  char hex[3];
  for (unsigned int i = 0; i < n; ++i) {
    std::snprintf(hex, sizeof hex, "%02x", digest[i]);
    out += hex;
  }
  return out;
}

void appendRules(pugi::xml_node rules, const pugi::xml_node& rulebase) {
  for (pugi::xml_node e = rulebase.child("security").child("rules").child("entry"); e;
       e = e.next_sibling("entry")) {
    rules.append_copy(e);
  }
}

// What a firewall of `dg` holds under /config/panorama after a push of `doc`.
void firewallView(const pugi::xml_document& doc, const std::string& dg, pugi::xml_document& out) {
  pugi::xml_node panorama = out.append_child("panorama");
  pugi::xml_node shared = panorama.append_child("shared");
  const pugi::xml_node pshared = doc.child("config").child("shared");
  for (pugi::xml_node c = pshared.first_child(); c; c = c.next_sibling()) {
    if (std::strcmp(c.name(), "pre-rulebase") != 0 && std::strcmp(c.name(), "post-rulebase") != 0) {
      shared.append_copy(c);
    }
  }
  pugi::xml_node vsys = panorama.append_child("vsys").append_child("entry");
  vsys.append_attribute("name") = "vsys1";
  const pugi::xml_node group = deviceGroup(doc, dg);
  for (pugi::xml_node c = group.first_child(); c; c = c.next_sibling()) {
    if (std::strcmp(c.name(), "devices") != 0 && std::strcmp(c.name(), "pre-rulebase") != 0 &&
        std::strcmp(c.name(), "post-rulebase") != 0) {
      vsys.append_copy(c);
    }
  }
  pugi::xml_node pre =
      vsys.append_child("pre-rulebase").append_child("security").append_child("rules");
  appendRules(pre, pshared.child("pre-rulebase"));
  appendRules(pre, group.child("pre-rulebase"));
  pugi::xml_node post =
      vsys.append_child("post-rulebase").append_child("security").append_child("rules");
  appendRules(post, group.child("post-rulebase"));
  appendRules(post, pshared.child("post-rulebase"));
}

std::shared_ptr<pugi::xml_document> copyOf(const pugi::xml_document& doc) {
  auto out = std::make_shared<pugi::xml_document>();
  out->reset(doc);
  return out;
}

// Major.minor of a version text ("10.2.11" -> 1002).
int versionNumber(const std::string& v) {
  int major = 0, minor = 0;
  std::sscanf(v.c_str(), "%d.%d", &major, &minor);
  return major * 100 + minor;
}

// Pushes `dg` as Panorama last pushed it to the firewalls of the group in `serials` (empty: all).
std::vector<PushDeviceResult> pushGroup(Device& device, const std::string& dg,
                                        const std::set<std::string>& serials, SysTime tstart,
                                        SysTime tfin) {
  const DeviceGroupPush& st = device.dg_push[dg];
  pugi::xml_document view;
  firewallView(*st.pushed, dg, view);
  const std::string md5 = md5Hex(policyText(*st.pushed, dg));
  std::vector<PushDeviceResult> out;
  for (const std::string& serial : serialsOf(device.store->running(), dg)) {
    if (!serials.empty() && !serials.contains(serial)) {
      continue;
    }
    PushDeviceResult r;
    r.serial = serial;
    r.device_group = dg;
    r.tstart = tstart;
    r.tfin = tfin;
    Simulator* fw = device.managed ? device.managed->find(serial) : nullptr;
    r.devicename = device.managed ? device.managed->hostname(serial) : serial;
    DevicePushState& ds = device.device_push[serial];
    if (fw == nullptr || !fw->reachable()) {
      r.lines = {"device " + serial + " is not connected"};
    } else if (auto done = fw->receivePush(view.child("panorama")); done) {
      r.ok = true;
      r.lines = *done;
      ds.md5 = md5;
      ++ds.version;
    } else {
      r.lines = {done.error().message};
    }
    ds.last_state = r.ok ? "commit succeeded" : "commit failed";
    ds.last_time = dateTime(tfin);
    out.push_back(std::move(r));
  }
  return out;
}

std::string deviceResultXml(const PushDeviceResult& r, std::uint64_t job_id) {
  std::string lines;
  for (const std::string& l : r.lines) {
    lines += "<line>" + escapeXml(l) + "</line>";
  }
  return "<entry><serial-no>" + escapeXml(r.serial) + "</serial-no><devicename>" +
         escapeXml(r.devicename) + "</devicename><multi-vsys>no</multi-vsys><vsys></vsys><status>" +
         (r.ok ? "commit succeeded" : "commit failed") + "</status><result>" +
         (r.ok ? "OK" : "FAIL") + "</result><tstart>" + formatTime(r.tstart, "%H:%M:%S") +
         "</tstart><tfin>" + formatTime(r.tfin, "%H:%M:%S") +
         "</tfin><details><msg cmd=\"push-data\" dname=\"" + escapeXml(r.serial) + "\" dgname=\"" +
         escapeXml(r.device_group) + "\" jobid=\"" + std::to_string(job_id) + "\" result=\"" +
         (r.ok ? "success" : "failure") + "\"><errors>" + lines +
         "</errors><warnings></warnings></msg></details></entry>";
}

}  // namespace

std::string panoramaConfigXml(
    const std::vector<std::pair<std::string, std::vector<std::string>>>& device_groups,
    const std::string& hostname) {
  pugi::xml_document doc;
  const std::string_view base = defaultConfigXml();
  doc.load_buffer(base.data(), base.size());
  pugi::xml_node device = deviceEntry(doc);
  device.remove_child("vsys");
  device.remove_child("network");
  device.child("deviceconfig").child("system").child("hostname").text() = hostname.c_str();
  pugi::xml_node groups = device.append_child("device-group");
  for (const auto& [name, serials] : device_groups) {
    pugi::xml_node dg = groups.append_child("entry");
    dg.append_attribute("name") = name.c_str();
    pugi::xml_node devices = dg.append_child("devices");
    for (const std::string& s : serials) {
      devices.append_child("entry").append_attribute("name") = s.c_str();
    }
    dg.append_child("address");
    const char* rules =
        "<pre-rulebase><security><rules>"
        "<entry name=\"dg-allow-dns\"><from><member>trust</member></from><to><member>untrust"
        "</member></to><source><member>any</member></source><destination><member>dns-google"
        "</member></destination><source-user><member>any</member></source-user><category>"
        "<member>any</member></category><application><member>dns</member></application>"
        "<service><member>application-default</member></service><action>allow</action>"
        "</entry>"
        "<entry name=\"dg-block-inbound\"><from><member>untrust</member></from><to><member>"
        "trust</member></to><source><member>any</member></source><destination><member>any"
        "</member></destination><source-user><member>any</member></source-user><category>"
        "<member>any</member></category><application><member>any</member></application>"
        "<service><member>any</member></service><action>deny</action><description>Inbound "
        "is denied unless allowed above</description></entry>"
        "</rules></security></pre-rulebase><post-rulebase><security><rules/></security>"
        "</post-rulebase>";
    pugi::xml_document frag;
    frag.load_string(rules);
    for (pugi::xml_node c = frag.first_child(); c; c = c.next_sibling()) {
      dg.append_copy(c);
    }
  }
  std::ostringstream out;
  doc.save(out, "  ");
  return out.str();
}

void recordUnpushed(Device& device, const std::vector<JournalEntry>& committed) {
  if (!device.options.panorama || committed.empty()) {
    return;
  }
  const pugi::xml_document& running = device.store->running();
  const std::vector<std::string> groups = deviceGroupNames(running);
  for (const JournalEntry& e : committed) {
    for (const std::string& dg : groups) {
      const std::string prefix = canonicalPath(deviceGroup(running, dg));
      const bool concerns = std::any_of(e.touched.begin(), e.touched.end(), [&](const auto& p) {
        return p.starts_with("/config/shared") ||
               (p.starts_with(prefix) && (p.size() == prefix.size() || p[prefix.size()] == '/'));
      });
      if (concerns) {
        device.dg_push[dg].unpushed.push_back(e);
      }
    }
  }
}

void pushEverything(Device& device) {
  const SysTime now = device.clock.now();
  for (const std::string& dg : deviceGroupNames(device.store->running())) {
    DeviceGroupPush& st = device.dg_push[dg];
    st.pushed = copyOf(device.store->running());
    st.unpushed.clear();
    (void)pushGroup(device, dg, {}, now, now);
  }
}

ApiResponse handleCommitAll(Device& device, const pugi::xml_node& root,
                            const RequestLogEntry& entry, const std::string& description) {
  if (!device.options.panorama) {
    return errorLines(17, {" commit-all  is unexpected"}, true);
  }
  const pugi::xml_node policy = root.child("shared-policy");
  if (!policy) {
    return errorLines(17, {" commit-all: only shared-policy (device group) pushes are simulated"},
                      true);
  }
  std::vector<PushTarget> targets;
  for (pugi::xml_node e = policy.child("device-group").child("entry"); e;
       e = e.next_sibling("entry")) {
    PushTarget t;
    t.device_group = e.attribute("name").value();
    if (!deviceGroup(device.store->running(), t.device_group)) {
      return errorLines(12, {" device-group '" + t.device_group + "' is not a valid reference"},
                        true);
    }
    for (pugi::xml_node d = e.child("devices").child("entry"); d; d = d.next_sibling("entry")) {
      t.serials.insert(d.attribute("name").value());
    }
    targets.push_back(std::move(t));
  }
  if (targets.empty()) {
    return errorLines(17, {" commit-all -> shared-policy -> device-group  is missing"}, true);
  }
  std::set<std::string> admins;
  for (const std::string& m : members(policy, "admin")) {
    admins.insert(m);
  }
  if (!admins.empty() && versionNumber(device.options.sw_version) < 1002) {
    // Admin-scoped push exists from PAN-OS 10.2 (API-NOTES.md section 14).
    return errorLines(17, {" commit-all -> shared-policy -> admin  is unexpected"}, true);
  }
  Job& job =
      enqueueJob(device, "CommitAll", entry.admin, std::move(admins),
                 description.empty() ? policy.child("description").text().get() : description);
  job.push_targets = std::move(targets);
  ++device.counters.pushes_enqueued;
  return enqueuedReply("Push", job.id);
}

void finalizePush(Device& device, Job& job) {
  for (const PushTarget& t : job.push_targets) {
    DeviceGroupPush& st = device.dg_push[t.device_group];
    if (!st.pushed || job.admins.empty()) {
      st.pushed = copyOf(device.store->running());
      st.unpushed.clear();
    } else {
      // Admin-scoped: only the named administrators' committed changes go out.
      auto next = copyOf(*st.pushed);
      std::vector<JournalEntry> kept;
      for (const JournalEntry& e : st.unpushed) {
        if (!job.admins.contains(e.admin)) {
          kept.push_back(e);
        } else if (const OpResult r = applyConfigOp(*next, e.op, nullptr); !r.ok) {
          job.details.push_back("change by " + e.admin + " at " + e.op.xpath +
                                " could not be pushed alone");
        }
      }
      st.pushed = next;
      st.unpushed = std::move(kept);
    }
    for (PushDeviceResult& r : pushGroup(device, t.device_group, t.serials, job.tstart, job.tfin)) {
      job.push_results.push_back(std::move(r));
    }
  }
  job.ok = std::all_of(job.push_results.begin(), job.push_results.end(),
                       [](const PushDeviceResult& r) { return r.ok; });
  ++(job.ok ? device.counters.pushes_ok : device.counters.pushes_failed);
}

std::string pushJobXml(const Job& job) {
  std::string out = "<push_type>shared-policy</push_type><dgname>" +
                    escapeXml(job.push_targets.empty() ? "" : job.push_targets[0].device_group) +
                    "</dgname>";
  if (!job.finalized) {
    return out;
  }
  out += "<devices>";
  for (const PushDeviceResult& r : job.push_results) {
    out += deviceResultXml(r, job.id);
  }
  return out + "</devices>";
}

ApiResponse showDeviceGroups(const Device& device) {
  if (!device.options.panorama) {
    return errorLines(17, {" show -> devicegroups  is unexpected"}, true);
  }
  const pugi::xml_document& running = device.store->running();
  std::string out = "<devicegroups>";
  for (const std::string& dg : deviceGroupNames(running)) {
    const std::string md5 = md5Hex(policyText(running, dg));
    out += "<entry name=\"" + escapeXml(dg) + "\"><shared-policy-md5sum>" + md5 +
           "</shared-policy-md5sum>";
    const std::vector<std::string> serials = serialsOf(running, dg);
    if (!serials.empty()) {
      out += "<devices>";
      for (const std::string& s : serials) {
        const Simulator* fw = device.managed ? device.managed->find(s) : nullptr;
        const bool connected = fw != nullptr && fw->reachable();
        auto it = device.device_push.find(s);
        const DevicePushState none;
        const DevicePushState& ds = it == device.device_push.end() ? none : it->second;
        const std::string status =
            !connected || ds.md5.empty() ? "" : (ds.md5 == md5 ? "In Sync" : "Out of Sync");
        out += "<entry name=\"" + escapeXml(s) + "\"><serial>" + escapeXml(s) +
               "</serial><connected>" + (connected ? "yes" : "no") +
               "</connected><unsupported-version>no</unsupported-version><deactivated>no"
               "</deactivated><last-commit-all-state-sp>" +
               ds.last_state + "</last-commit-all-state-sp><last-commit-all-upd-sp>" +
               ds.last_time + "</last-commit-all-upd-sp><shared-policy-status>" + status +
               "</shared-policy-status><shared-policy-md5sum>" + ds.md5 +
               "</shared-policy-md5sum><shared-policy-version>" +
               (ds.version == 0 ? "" : std::to_string(ds.version)) +
               "</shared-policy-version><hostname>" +
               escapeXml(device.managed ? device.managed->hostname(s) : s) +
               "</hostname><multi-vsys>no</multi-vsys><vsys></vsys></entry>";
      }
      out += "</devices>";
    }
    out += "</entry>";
  }
  return opResult(out + "</devicegroups>");
}

Result<std::vector<std::string>> installPush(Device& firewall, const pugi::xml_node& panorama) {
  advanceJobs(firewall);
  Faults& faults = firewall.faults;
  if (faults.fail_commits != 0) {
    if (faults.fail_commits > 0) {
      --faults.fail_commits;
    }
    ++firewall.counters.commits_failed;
    return fail(ErrorCode::Conflict, "Commit failed: injected fault (panos-sim)");
  }
  firewall.store->replaceTopLevel(panorama);
  firewall.compiled_valid = false;
  ++firewall.config_version;
  ++firewall.counters.commits_ok;
  firewall.writeState();
  return std::vector<std::string>{"Configuration committed successfully"};
}

}  // namespace trailwall::panossim
