// type=op: operational commands. Jobs and locks have their own files (commit_jobs.cpp,
// locks.cpp); this file parses the command and dispatches, and answers the rest itself.
#include <cstdio>
#include <cstring>

#include "api.h"
#include "policy_match.h"
#include "xml_text.h"

namespace trailwall::panossim {

// Element names down the first-child chain, at most three ("show system info",
// "test security-policy-match", "request config-lock add").
std::string opCommandWords(const pugi::xml_node& root) {
  std::string out;
  int depth = 0;
  for (pugi::xml_node n = root; n && n.type() == pugi::node_element && depth < 3;
       n = n.first_child(), ++depth) {
    out += out.empty() ? "" : " ";
    out += n.name();
    if (std::strcmp(n.name(), "security-policy-match") == 0 || std::strcmp(n.name(), "jobs") == 0 ||
        std::strcmp(n.name(), "registered-ip") == 0 ||
        std::strcmp(n.name(), "dynamic-address-group") == 0) {
      break;
    }
  }
  return out;
}

namespace {

ApiResponse showSystemInfo(const Device& device) {
  const pugi::xml_node sys = device.store->running()
                                 .child("config")
                                 .child("devices")
                                 .find_child_by_attribute("entry", "name", "localhost.localdomain")
                                 .child("deviceconfig")
                                 .child("system");
  const auto field = [&](const char* f, const char* fallback) {
    const char* v = sys.child(f).text().get();
    return escapeXml(*v != 0 ? v : fallback);
  };
  const auto up =
      std::chrono::duration_cast<std::chrono::seconds>(device.clock.now() - device.started).count();
  char uptime[64];
  std::snprintf(uptime, sizeof uptime, "%lld days, %lld:%02lld:%02lld",
                static_cast<long long>(up / 86400), static_cast<long long>(up % 86400 / 3600),
                static_cast<long long>(up % 3600 / 60), static_cast<long long>(up % 60));
  const std::string hostname = field("hostname", "panos-sim");
  const SimulatorOptions& options = device.options;
  // Fields of op-show-system-info-1021-blog.xml (10.2.11-h12).
  return opResult(
      "<system><hostname>" + hostname + "</hostname><ip-address>" +
      field("ip-address", "127.0.0.1") +
      "</ip-address><public-ip-address>unknown</public-ip-address><netmask>" +
      field("netmask", "255.0.0.0") + "</netmask><default-gateway>" +
      field("default-gateway", "127.0.0.1") +
      "</default-gateway><is-dhcp>no</is-dhcp><ipv6-address>unknown</ipv6-address>"
      "<ipv6-link-local-address>fe80::1/64</ipv6-link-local-address>"
      "<mac-address>00:1b:17:00:01:10</mac-address><time>" +
      formatTime(device.clock.now(), "%a %b %e %H:%M:%S %Y") + "</time><uptime>" + uptime +
      "</uptime><devicename>" + hostname + "</devicename><family>vm</family><model>" +
      escapeXml(options.model) + "</model><serial>" + escapeXml(options.serial) +
      "</serial><cloud-mode>non-cloud</cloud-mode><sw-version>" + escapeXml(options.sw_version) +
      "</sw-version><global-protect-client-package-version>0.0.0</"
      "global-protect-client-package-version>"
      "<app-version>8971-9419</app-version><app-release-date>2025/04/28 16:06:06 "
      "UTC</app-release-date>"
      "<av-version>0</av-version><threat-version>8971-9419</threat-version>"
      "<wf-private-version>0</wf-private-version><url-db>paloaltonetworks</url-db>"
      "<wildfire-version>0</wildfire-version><url-filtering-version>20250430.20332</"
      "url-filtering-version>"
      "<logdb-version>10.2.1</logdb-version><platform-family>vm</platform-family>"
      "<vpn-disable-mode>off</vpn-disable-mode><multi-vsys>off</multi-vsys>"
      "<operational-mode>normal</operational-mode><advanced-routing>off</advanced-routing>"
      "<device-certificate-status>None</device-certificate-status></system>");
}

ApiResponse opShow(Device& device, const pugi::xml_node& show, const ApiRequest& req) {
  const pugi::xml_node what = show.first_child();
  const std::string_view name = what.name();
  if (name == "system" && what.child("info")) {
    return showSystemInfo(device);
  }
  if (name == "jobs") {
    return showJobs(device, what);
  }
  if (name == "devicegroups") {
    return showDeviceGroups(device);
  }
  if (name == "high-availability" && (what.child("state") || what.child("all"))) {
    return showHaState(device);
  }
  if (name == "config-locks" || name == "commit-locks") {
    return showLocks(device, what, name == "commit-locks");
  }
  if (name == "object") {
    const pugi::xml_node object = what.first_child();
    if (std::strcmp(object.name(), "registered-ip") == 0) {
      return showRegisteredIp(device, object, req);
    }
    if (std::strcmp(object.name(), "dynamic-address-group") == 0) {
      return showDynamicAddressGroups(device, object, req);
    }
  }
  if (name == "clock") {
    return opResult(formatTime(device.clock.now(), "%a %b %e %H:%M:%S UTC %Y") + "\n");
  }
  if (name == "config") {
    const pugi::xml_node which = what.first_child();
    if (std::strcmp(which.name(), "list") == 0) {
      const pugi::xml_node list = which.first_child();
      if (std::strcmp(list.name(), "audit-comments") == 0) {
        return showAuditComments(device, list);
      }
      if (std::strcmp(list.name(), "changes") == 0) {
        return showChangeJournal(device);
      }
    }
    if (std::strcmp(which.name(), "running") == 0 || std::strcmp(which.name(), "candidate") == 0) {
      const pugi::xml_document& doc = std::strcmp(which.name(), "running") == 0
                                          ? device.store->running()
                                          : device.store->candidate();
      return opResult(nodeXml(doc.document_element()));
    }
  }
  return errorLines(17, {" show -> " + std::string(name) + "  is unexpected"}, true);
}

ApiResponse policyMatch(Device& device, const pugi::xml_node& node, const ApiRequest& req) {
  auto query = parseMatchQuery(node);
  if (!query) {
    return errorLines(17, {" test -> security-policy-match -> " + query.error().message}, true);
  }
  const std::string* vsys_param = req.param("vsys");
  const std::string vsys =
      vsys_param != nullptr && vsys_param->starts_with("vsys") ? *vsys_param : "vsys1";
  if (!device.compiled_valid || device.compiled_vsys != vsys) {
    device.compiled = compileRulebase(device.store->running(), vsys);
    device.compiled_vsys = vsys;
    device.compiled_valid = true;
  }
  addRegisteredTags(device, vsys, *query);
  const std::vector<std::size_t> matches = matchRules(device.compiled, *query);
  return xmlReply("<response cmd=\"status\" status=\"success\">" +
                  renderMatchResult(device.compiled, matches, device.faults.policy_match_format) +
                  "</response>");
}

ApiResponse revert(Device& device, const std::set<std::string>& admins) {
  device.store->revert(admins);
  return xmlReply(
      "<response status=\"success\"><result><msg><line>All changes were reverted from "
      "configuration</line></msg></result></response>");  // op-revert-config-ok.xml
}

}  // namespace

ApiResponse handleOp(Device& device, const ApiRequest& req, RequestLogEntry& entry) {
  const std::string* cmd = req.param("cmd");
  pugi::xml_document doc;
  if (auto bad = parseCmd(cmd, doc)) {
    return *bad;
  }
  const pugi::xml_node root = doc.document_element();
  if (auto injected = device.injectedApiError("op", entry.action, *cmd)) {
    return *injected;
  }
  const std::string_view verb = root.name();
  const pugi::xml_node first = root.first_child();
  const std::string_view object = first.type() == pugi::node_element ? first.name() : "";
  if (verb == "show" && !object.empty()) {
    return opShow(device, root, req);
  }
  if (verb == "test" && object == "security-policy-match") {
    return policyMatch(device, first, req);
  }
  if (verb == "request" && (object == "config-lock" || object == "commit-lock")) {
    return requestLock(device, first, object == "commit-lock", entry.admin, req);
  }
  if (verb == "request" && object == "high-availability") {
    return requestHa(device, first);
  }
  if (verb == "set" && object == "audit-comment") {
    return setAuditComment(device, first, entry.admin);
  }
  if (verb == "check" && object == "pending-changes") {
    return opResult(device.store->hasChanges() ? "yes" : "no");
  }
  if (verb == "revert" && object == "config") {
    // "revert config" and "revert config partial admin [ … ]" (PAN-OS 9.1+).
    const pugi::xml_node partial = first.child("partial");
    if (partial && partialAdmins(partial).empty()) {
      return errorLines(17, {" revert -> config -> partial  is incomplete"}, true);
    }
    return revert(device, partial ? partialAdmins(partial) : std::set<std::string>{});
  }
  if (verb == "load" && object == "config" &&
      std::string_view(first.child("from").text().get()) == "running-config.xml") {
    device.store->revert({});
    return opResult("<msg><line>Config loaded from running-config.xml</line></msg>");  // assumption
  }
  if (verb == "validate" && (object == "full" || object == "partial")) {
    return enqueuedReply("Validate", enqueueJob(device, "Validate", entry.admin, {}, "").id);
  }
  const std::string where =
      object.empty() ? std::string(verb) : std::string(verb) + " -> " + std::string(object);
  return errorLines(17, {" " + where + "  is unexpected"}, true);
}

}  // namespace trailwall::panossim
