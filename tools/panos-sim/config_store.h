#pragma once
// Candidate and running configuration with per-administrator change tracking.
//
// Design: the candidate is materialized (every accepted change is applied to it at once) and
// every accepted change is also kept in a journal with its administrator, dirtyId and time.
// A full commit makes the candidate the running configuration; a partial commit by
// administrator replays only that administrator's journal entries onto a copy of the running
// configuration, which is how PAN-OS 8.0+ commits "changes made by" one admin
// (API-NOTES.md section 7). Revert replays the journal entries that remain onto the running
// configuration. The get action reports uncommitted nodes with admin/dirtyId/time attributes
// (reference config-get-dirty-attrs.xml).

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <pugixml.hpp>

#include "common/error.h"

namespace trailwall::panossim {

// One type=config modification as a client sends it (or one multi-config sub-action).
struct ConfigOp {
  std::string action;  // set, edit, delete, move, rename, clone
  std::string xpath;
  std::string element;  // set/edit: the XML fragment
  std::string where;    // move: top, bottom, before, after
  std::string dst;      // move: the sibling entry name (or an absolute xpath)
  std::string newname;  // rename, clone
  std::string from;     // clone: the source node's xpath
};

// The device's answer to one operation: status, code and message lines.
struct OpResult {
  bool ok = true;
  int code = 20;
  std::vector<std::string> lines;         // error lines (CDATA, leading space as on the device)
  std::string msg = "command succeeded";  // success text in <msg>
  bool changed = false;                   // false for "Object doesn't exist" deletes
};

struct JournalEntry {
  std::uint64_t dirty_id = 0;
  std::string admin;
  std::string time;  // YYYY/MM/DD HH:MM:SS
  ConfigOp op;
  std::vector<std::string> touched;  // canonical paths of the nodes the change left behind
};

// Applies one operation to a configuration document. `touched` (optional) receives the
// canonical paths of the nodes changed. Never throws; bad input becomes an error OpResult.
[[nodiscard]] OpResult applyConfigOp(pugi::xml_document& doc, const ConfigOp& op,
                                     std::vector<std::string>* touched);

class ConfigStore {
 public:
  // InvalidInput when the text is not a <config> document.
  [[nodiscard]] static Result<std::unique_ptr<ConfigStore>> fromXml(std::string_view xml);
  // Candidate = running = this document; empty journal.
  void resetTo(const pugi::xml_document& running);

  [[nodiscard]] const pugi::xml_document& running() const { return running_; }
  [[nodiscard]] const pugi::xml_document& candidate() const { return candidate_; }
  [[nodiscard]] const std::vector<JournalEntry>& journal() const { return journal_; }

  // Applies to the candidate and records the change for `admin`.
  OpResult apply(const ConfigOp& op, const std::string& admin, const std::string& time);
  // All or nothing: every op applied to a copy of the candidate; the copy replaces the
  // candidate only when all succeed. One result per op, stopping after the first failure.
  // With `replace_own_changes` the copy starts without `admin`'s uncommitted changes
  // (multi-config strict-transactional), which are dropped only when all ops succeed.
  std::vector<OpResult> applyAll(const std::vector<ConfigOp>& ops, const std::string& admin,
                                 const std::string& time, bool replace_own_changes = false);

  [[nodiscard]] bool hasChanges() const { return !journal_.empty(); }
  [[nodiscard]] std::uint64_t lastDirtyId() const { return next_dirty_id_ - 1; }

  // The configuration a commit would make running: the candidate (all admins) or running plus
  // the given admins' changes. Error lines (as the commit job reports them) when a replayed
  // change no longer applies.
  [[nodiscard]] Result<std::unique_ptr<pugi::xml_document>> prepareCommit(
      const std::set<std::string>& admins, std::uint64_t up_to_dirty_id) const;
  // Installs a committed configuration; drops the journal entries it covered (those of
  // `admins`, or all when empty, with dirtyId <= up_to_dirty_id).
  void finishCommit(std::unique_ptr<pugi::xml_document> running,
                    const std::set<std::string>& admins, std::uint64_t up_to_dirty_id);
  // Replaces (or adds) the top-level element of that name under <config> in both running and
  // candidate configurations, without a journal entry (a Panorama push: /config/panorama).
  void replaceTopLevel(const pugi::xml_node& element);
  // Reverts the candidate to running, for everyone (empty set) or only the given admins.
  void revert(const std::set<std::string>& admins);

  // Copies `source` (a node of the candidate) under `dest`, adding admin/dirtyId/time
  // attributes to the copies of uncommitted nodes.
  void appendAnnotatedCopy(pugi::xml_node dest, const pugi::xml_node& source) const;

 private:
  // `doc` = running plus the journal entries of administrators not in `admins`; returns those
  // entries (an entry that no longer applies is left out).
  std::vector<JournalEntry> replayWithout(const std::set<std::string>& admins,
                                          pugi::xml_document& doc) const;

  pugi::xml_document running_;
  pugi::xml_document candidate_;
  std::vector<JournalEntry> journal_;
  std::uint64_t next_dirty_id_ = 1;
};

}  // namespace trailwall::panossim
