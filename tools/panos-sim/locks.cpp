// Config and commit locks: `request config-lock|commit-lock add|remove` and their `show`.
#include "api.h"
#include "xml_text.h"

namespace trailwall::panossim {

const Lock* lockByOther(const std::vector<Lock>& locks, const std::string& admin) {
  for (const Lock& l : locks) {
    if (l.admin != admin) {
      return &l;
    }
  }
  return nullptr;
}

void installLockFaults(Device& device) {
  std::erase_if(device.config_locks, [](const Lock& l) { return l.injected; });
  std::erase_if(device.commit_locks, [](const Lock& l) { return l.injected; });
  if (!device.faults.config_lock_holder.empty()) {
    device.config_locks.push_back(
        {device.faults.config_lock_holder, "shared", device.now(), "(null)", true});
  }
  if (!device.faults.commit_lock_holder.empty()) {
    device.commit_locks.push_back(
        {device.faults.commit_lock_holder, "shared", device.now(), "(null)", true});
  }
}

void releaseCommitLocksAfterCommit(Device& device, const std::string& admin) {
  // "This lock automatically gets removed after performing a commit" (Palo Alto KB
  // kA14u000000bpo7CAA, config lock vs commit lock); a config lock stays, and only blocks
  // changes to the candidate, not commits.
  std::erase_if(device.commit_locks,
                [&](const Lock& l) { return l.admin == admin && !l.injected; });
}

ApiResponse showLocks(const Device& device, bool commit_locks) {
  const std::vector<Lock>& locks = commit_locks ? device.commit_locks : device.config_locks;
  const std::string name = commit_locks ? "commit-locks" : "config-locks";
  std::string inner = "<" + name + ">";
  for (const Lock& l : locks) {
    inner += "<entry name=\"" + escapeXml(l.admin) + "\"><type>shared</type><name>" +
             escapeXml(l.scope) + "</name><created>" + l.created + "</created><last-activity>" +
             l.created + "</last-activity><loggedin>yes</loggedin><comment>" + cdata(l.comment) +
             "</comment></entry>";
  }
  return opResult(inner + "</" + name + ">");
}

ApiResponse requestLock(Device& device, const pugi::xml_node& node, bool commit_lock,
                        const std::string& admin, const ApiRequest& req) {
  std::vector<Lock>& locks = commit_lock ? device.commit_locks : device.config_locks;
  const std::string kind = commit_lock ? "Commit" : "Config";
  const std::string* vsys = req.param("vsys");
  const std::string scope = vsys != nullptr && !vsys->empty() ? *vsys : "shared";
  // Messages of PAN-OS 11.x (op-config-lock-*.xml, op-commit-lock-*.xml).
  if (pugi::xml_node add = node.child("add")) {
    if (!locks.empty()) {
      return errorLines(std::nullopt, {kind + " lock is already held by " + locks.front().admin},
                        false);
    }
    const char* comment = add.child("comment").text().get();
    locks.push_back({admin, scope, device.now(), *comment != 0 ? comment : "(null)", false});
    return opResult("Successfully acquired lock. Other administrators will not be able to " +
                    std::string(commit_lock ? "commit" : "modify") +
                    " configuration until lock is released by " + escapeXml(admin) + ".");
  }
  if (pugi::xml_node remove = node.child("remove")) {
    const char* named = remove.child("admin").text().get();
    const std::string target = *named != 0 ? named : admin;
    for (auto it = locks.begin(); it != locks.end(); ++it) {
      if (it->admin == target) {
        locks.erase(it);
        std::string& injected =
            commit_lock ? device.faults.commit_lock_holder : device.faults.config_lock_holder;
        if (injected == target) {
          injected.clear();
        }
        return opResult(kind + " lock released for " + escapeXml(target));
      }
    }
    return errorLines(std::nullopt, {kind + " is not currently locked for scope " + scope}, false);
  }
  return errorLines(17, {" request -> " + std::string(node.name()) + "  is unexpected"}, true);
}

}  // namespace trailwall::panossim
