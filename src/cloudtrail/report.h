#pragma once
// Decoded CloudTrail input as JSON for machines (`trailwall events --output json`, tests).

#include <string>

#include "cloudtrail/change.h"

namespace trailwall::cloudtrail {

// {"records": N, "changes": [{"event", "time", "account", "region", "event_id", "source",
//  "location", "scope": {"instance_ids": […], …}}], "objects": [{"bucket", "key", "region",
//  "source", "location"}], "ignored": {"total": N, "by_reason": {"not-acted-on": N, …},
//  "records": [{"source", "location", "event", "event_id", "reason", "detail"}]},
//  "errors": ["…"]}. Scope sets that are empty are left out; "records" under "ignored" only
// when `with_ignored_records`. Pretty-printed with two spaces.
[[nodiscard]] std::string toJson(const Decoded& decoded, bool with_ignored_records);

}  // namespace trailwall::cloudtrail
