// Config and commit locks as PAN-OS documents them:
// - A config lock blocks OTHER administrators from changing the candidate; its holder keeps
//   changing and committing. A commit does not remove it; only its holder or a superuser can
//   (Palo Alto KB kA14u000000bpo7CAA "config lock vs commit lock"; PAN-OS 9.1 web interface
//   help "Lock Configurations").
// - A commit lock blocks OTHER administrators from committing (code 14, reference
//   commit-error-14-commit-locks-held.xml) and is removed when its holder's commit finishes
//   (same KB). Who may remove it by hand is not documented: the config lock's rule is applied
//   (assumption).
// - Scope: the vsys parameter of the request (default shared). A shared lock covers the whole
//   device (a single-vsys firewall has only that); a vsysN lock covers changes under that
//   vsys. Locks of different administrators conflict when their scopes overlap.
// Messages of PAN-OS 11.x (op-config-lock-*.xml, op-commit-lock-*.xml, API-NOTES.md 6.5);
// "You already own a config lock for scope …" is the wording pan-os-python matches; the
// others are marked "assumption" where they are.
#include "api.h"
#include "xml_text.h"

namespace trailwall::panossim {
namespace {

bool overlaps(const std::string& a, const std::string& b) {
  return a == "shared" || b == "shared" || a == b;
}

// Whether a change at `xpath` falls under a lock of `scope`.
bool covers(const std::string& scope, std::string_view xpath) {
  if (scope == "shared") {
    return true;
  }
  return xpath.find("vsys/entry[@name='" + scope + "']") != std::string_view::npos ||
         xpath.find("vsys/entry[@name=\"" + scope + "\"]") != std::string_view::npos;
}

std::string requestScope(const ApiRequest& req) {
  const std::string* vsys = req.param("vsys");
  return vsys != nullptr && vsys->starts_with("vsys") ? vsys->substr(0, 32) : "shared";
}

std::string lockEntryXml(const Lock& l) {
  // Shape of op-show-config-locks-present.xml; <type> for a vsys lock is an assumption.
  return "<entry name=\"" + escapeXml(l.admin) + "\"><type>" +
         (l.scope == "shared" ? "shared" : "vsys") + "</type><name>" + escapeXml(l.scope) +
         "</name><created>" + dateTime(l.created) + "</created><last-activity>" +
         dateTime(l.last_activity) + "</last-activity><loggedin>yes</loggedin><comment>" +
         cdata(l.comment) + "</comment></entry>";
}

ApiResponse addLock(Device& device, std::vector<Lock>& locks, const std::string& kind,
                    const pugi::xml_node& add, const std::string& admin, const std::string& scope) {
  for (const Lock& l : locks) {
    if (l.admin == admin && l.scope == scope) {
      // pan-os-python's wording for the config lock; the commit lock's is an assumption.
      return errorLines(
          std::nullopt,
          {"You already own a " + std::string(kind == "Commit" ? "commit" : "config") +
           " lock for scope " + scope},
          false);
    }
    if (l.admin != admin && overlaps(l.scope, scope)) {
      return errorLines(std::nullopt, {kind + " lock is already held by " + l.admin}, false);
    }
  }
  const char* comment = add.child("comment").text().get();
  Lock lock;
  lock.admin = admin;
  lock.scope = scope;
  lock.created = device.clock.now();
  lock.last_activity = lock.created;
  lock.comment = *comment != 0 ? comment : "(null)";
  locks.push_back(std::move(lock));
  return opResult("Successfully acquired lock. Other administrators will not be able to " +
                  std::string(kind == "Commit" ? "commit" : "modify") +
                  " configuration until lock is released by " + escapeXml(admin) + ".");
}

ApiResponse removeLock(Device& device, std::vector<Lock>& locks, const std::string& kind,
                       const pugi::xml_node& remove, const std::string& admin,
                       const std::string& scope) {
  const char* named = remove.child("admin").text().get();
  const std::string target = *named != 0 ? named : admin;
  const auto it = std::find_if(locks.begin(), locks.end(), [&](const Lock& l) {
    return l.admin == target && l.scope == scope;
  });
  if (it == locks.end()) {
    const bool locked =
        std::any_of(locks.begin(), locks.end(), [&](const Lock& l) { return l.scope == scope; });
    if (locked) {
      // Prefix matched by pan-os-python ("Commit lock is not currently held by"); assumption.
      return errorLines(std::nullopt, {kind + " lock is not currently held by " + target}, false);
    }
    return errorLines(std::nullopt, {kind + " is not currently locked for scope " + scope}, false);
  }
  if (target != admin && !isSuperuser(device, admin)) {
    // "Only a superuser or the administrator who set the lock can remove it" (9.1 web help);
    // the wire wording is an assumption.
    return errorLines(16,
                      {kind + " lock is held by " + target + "; only " + target +
                       " or a superuser can remove it"},
                      false);
  }
  if (it->from_fault) {
    std::string& holder =
        kind == "Commit" ? device.faults.commit_lock_holder : device.faults.config_lock_holder;
    holder.clear();
  }
  locks.erase(it);
  return opResult(kind + " lock released for " + escapeXml(target));
}

}  // namespace

const Lock* configLockAgainst(const Device& device, const std::string& admin,
                              std::string_view xpath) {
  for (const Lock& l : device.config_locks) {
    if (l.admin != admin && covers(l.scope, xpath)) {
      return &l;
    }
  }
  return nullptr;
}

const Lock* commitLockAgainst(const Device& device, const std::string& admin) {
  for (const Lock& l : device.commit_locks) {
    if (l.admin != admin) {
      return &l;
    }
  }
  return nullptr;
}

void touchLocks(Device& device, const std::string& admin) {
  for (std::vector<Lock>* locks : {&device.config_locks, &device.commit_locks}) {
    for (Lock& l : *locks) {
      if (l.admin == admin) {
        l.last_activity = device.clock.now();
      }
    }
  }
}

void installLockFaults(Device& device) {
  const auto install = [&](std::vector<Lock>& locks, const std::string& holder) {
    // A lock the fault already installed for the same holder stays as it is (created time).
    std::erase_if(locks, [&](const Lock& l) { return l.from_fault && l.admin != holder; });
    const bool present =
        std::any_of(locks.begin(), locks.end(), [&](const Lock& l) { return l.from_fault; });
    if (holder.empty() || present) {
      return;
    }
    Lock lock;
    lock.admin = holder;
    lock.created = device.clock.now();
    lock.last_activity = lock.created;
    lock.from_fault = true;
    locks.push_back(std::move(lock));
  };
  install(device.config_locks, device.faults.config_lock_holder);
  install(device.commit_locks, device.faults.commit_lock_holder);
}

void releaseCommitLocksAfterCommit(Device& device, const std::string& admin) {
  // "This lock automatically gets removed after performing a commit" (KB kA14u000000bpo7CAA).
  // Released whatever the commit's result (assumption); config locks stay.
  std::erase_if(device.commit_locks, [&](const Lock& l) { return l.admin == admin; });
  if (device.faults.commit_lock_holder == admin) {
    device.faults.commit_lock_holder.clear();
  }
}

ApiResponse showLocks(const Device& device, const pugi::xml_node& what, bool commit_locks) {
  const std::vector<Lock>& locks = commit_locks ? device.commit_locks : device.config_locks;
  // <vsys>vsysN</vsys> (PAN-OS 9.1+) lists that vsys's locks and the shared ones; all/none:
  // every lock.
  const std::string vsys = what.child("vsys").text().get();
  const std::string name = commit_locks ? "commit-locks" : "config-locks";
  std::string inner = "<" + name + ">";
  for (const Lock& l : locks) {
    if (!vsys.starts_with("vsys") || l.scope == "shared" || l.scope == vsys) {
      inner += lockEntryXml(l);
    }
  }
  return opResult(inner + "</" + name + ">");
}

ApiResponse requestLock(Device& device, const pugi::xml_node& node, bool commit_lock,
                        const std::string& admin, const ApiRequest& req) {
  std::vector<Lock>& locks = commit_lock ? device.commit_locks : device.config_locks;
  const std::string kind = commit_lock ? "Commit" : "Config";
  const std::string scope = requestScope(req);
  if (pugi::xml_node add = node.child("add")) {
    return addLock(device, locks, kind, add, admin, scope);
  }
  if (pugi::xml_node remove = node.child("remove")) {
    return removeLock(device, locks, kind, remove, admin, scope);
  }
  return errorLines(17, {" request -> " + std::string(node.name()) + "  is unexpected"}, true);
}

}  // namespace trailwall::panossim
