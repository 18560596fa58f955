#pragma once
// Provenance (issue 12): every rule and service object trailwall writes says where it came from
// — the group and permission (the description desiredRules gives it, its *origin*) and the
// CloudTrail change that last touched it (event name, id, time, principal) — and the commit's
// description summarises the batch. Pure: the events come in as EventRefs.
//
// Descriptions read "<origin> | last change: <event> (<id>) at <time> by <principal>", at most
// kMaxDescriptionLength bytes, control characters and invalid UTF-8 replaced, never cut inside a
// UTF-8 sequence. plan() compares only the origin, so a rule whose content is unchanged is not
// rewritten because a newer event touched it; a rule that is written anyway gets the new text.

#include <chrono>
#include <cstddef>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "inventory/inventory.h"
#include "inventory/scope.h"
#include "policy/options.h"
#include "policy/plan.h"

namespace trailwall::policy {

// One CloudTrail change of the batch.
struct EventRef {
  std::string name;       // eventName
  std::string id;         // eventID
  std::string time;       // eventTime as recorded (ISO-8601 UTC)
  std::string principal;  // userIdentity.arn (or invokedBy / type)
  inventory::Scope scope;
};

inline constexpr std::string_view kProvenanceSeparator = " | last change: ";
// The commit description's limit (API-NOTES §15: up to 512 characters, DOCS-7.1).
inline constexpr std::size_t kMaxCommitDescriptionLength = 512;

// The part of a description before the provenance (all of it when there is none).
[[nodiscard]] std::string_view descriptionOrigin(std::string_view description);

// Text XML can carry: control characters become spaces, invalid UTF-8 becomes '?'.
[[nodiscard]] std::string cleanText(std::string_view text);
// A description origin as written: cleanText, with '|' (which would make the separator
// ambiguous) replaced by '/'. desiredRules writes origins this way, so they compare equal to what
// withProvenance wrote.
[[nodiscard]] std::string originText(std::string_view origin);
// originText in place, at most `limit` bytes (utf8Prefix): what desiredRules writes as a rule's
// description. Copies nothing when the text is printable ASCII without '|' and fits.
void makeOriginText(std::string& text, std::size_t limit = kMaxDescriptionLength);
// The longest prefix of `text` of at most `limit` bytes that ends on a UTF-8 boundary.
[[nodiscard]] std::string_view utf8Prefix(std::string_view text, std::size_t limit);

// "StartInstances (1c2d…) at 2024-08-01T12:04:19Z by arn:aws:iam::…", each field capped.
[[nodiscard]] std::string eventText(const EventRef& event);

// origin + separator + provenance, cleaned, at most `limit` bytes: the origin is shortened
// (ending in "...") before the provenance is.
[[nodiscard]] std::string withProvenance(std::string_view origin, std::string_view provenance,
                                         std::size_t limit = kMaxDescriptionLength);

// The rule owners (group ids in the group layout, instance ids in the instance layout) whose
// rules an event with `scope` may change, as far as `inventory` tells.
[[nodiscard]] std::set<std::string, std::less<>> touchedOwners(
    const inventory::Inventory& inventory, const inventory::Scope& scope, Layout layout);

// Writes the provenance into the descriptions of the rules `plan` adds and edits and the service
// objects it adds: the latest event (by eventTime) that touches the rule's owner, else the
// latest event of the batch (it caused the run), else "full reconcile at <now>" when the batch
// has none. Sets plan.origin to the batch summary for the commit description.
void annotate(Plan& plan, const std::vector<EventRef>& events,
              const inventory::Inventory& inventory, const Options& options,
              std::chrono::system_clock::time_point now);

// "3 events (StartInstances by arn:…, StopInstances by arn:…)", or "full reconcile"; at most
// `limit` bytes ("and N more" when names and principals do not fit).
[[nodiscard]] std::string eventsSummary(const std::vector<EventRef>& events, std::size_t limit);

}  // namespace trailwall::policy
