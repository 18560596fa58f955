#include "panos/locks.h"

#include "panos/xml_util.h"

namespace trailwall::panos {

std::vector<Lock> parseLocks(const ApiResponse& response) {
  std::vector<Lock> locks;
  for (const char* container : {"config-locks", "commit-locks"}) {
    for (const auto& entry : response.result().child(container).children("entry")) {
      Lock lock;
      lock.admin = std::string(trim(entry.attribute("name").value()));
      lock.type = trimmedText(entry.child("type"));
      lock.scope = trimmedText(entry.child("name"));
      lock.created = trimmedText(entry.child("created"));
      lock.last_activity = trimmedText(entry.child("last-activity"));
      lock.logged_in = trimmedText(entry.child("loggedin")) == "yes";
      lock.comment = trimmedText(entry.child("comment"));
      if (lock.comment == "(null)") {
        lock.comment.clear();
      }
      locks.push_back(std::move(lock));
    }
  }
  return locks;
}

std::vector<Lock> heldByOthers(const std::vector<Lock>& locks, std::string_view admin) {
  std::vector<Lock> others;
  for (const auto& lock : locks) {
    if (lock.admin != admin) {
      others.push_back(lock);
    }
  }
  return others;
}

std::string describeLocks(const std::vector<Lock>& locks, std::string_view kind) {
  std::string text;
  for (const auto& lock : locks) {
    if (!text.empty()) {
      text += "; ";
    }
    text += std::string(kind) + " lock held by " + (lock.admin.empty() ? "?" : lock.admin);
    text += " (scope " + (lock.scope.empty() ? std::string("?") : lock.scope);
    if (!lock.created.empty()) {
      text += ", since " + lock.created;
    }
    if (!lock.comment.empty()) {
      text += ", comment: " + lock.comment;
    }
    text += ")";
  }
  return text;
}

}  // namespace trailwall::panos
