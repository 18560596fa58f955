#pragma once
// The EC2 calls trailwall acts on (DESIGN §2) and where each names its ids
// (shared/reference/cloudtrail/FIELDS.md §2). Internal to the decoder.

#include <simdjson.h>

#include <optional>
#include <string>
#include <string_view>

#include "common/error.h"
#include "inventory/scope.h"

namespace trailwall::cloudtrail {

struct EventRule;

enum class EventKind {
  NotHandled,  // trailwall does not act on it
  Egress,      // a security-group egress call: out of scope
  Handled,
};

struct EventLookup {
  EventKind kind = EventKind::NotHandled;
  const EventRule* rule = nullptr;  // set when Handled
};

[[nodiscard]] EventLookup findEvent(std::string_view event_name);

// The requestParameters or responseElements of one record, parsed; an absent or null member
// reads as an empty object.
struct Params {
  simdjson::dom::element root;
  bool present = false;
  std::string_view name;  // "requestParameters" or "responseElements", for error messages
  std::string wrapper;    // "<EventName>Request" or "…Response": newer EC2 calls nest PascalCase
                          // members in such an object (ModifySecurityGroupRules, …)
};

struct Extracted {
  inventory::Scope scope;
  // Set when the call changes nothing trailwall looks at (e.g. ModifyInstanceAttribute of
  // userData): what it changes instead.
  std::optional<std::string> attribute_not_acted_on;
};

// The scope the call names. Errors name the missing or wrongly typed field by its path.
[[nodiscard]] Result<Extracted> extractScope(const EventRule& rule, const Params& request,
                                             const Params& response);

}  // namespace trailwall::cloudtrail
