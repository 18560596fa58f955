#pragma once
// The status page (`/`) for the people who own the firewall: health, the queue, the last runs
// (time, events by name, changes, commit job and duration, outcome and error) and the managed
// rules as they stand with where each came from (the rule's description). Plain HTML rendered
// here, escaped in one place (html.h), inline CSS only: no JavaScript, no outside assets.

#include <string>
#include <string_view>

#include "serve/health.h"
#include "serve/monitor.h"

namespace trailwall::serve {

// A Content-Security-Policy that the page satisfies: nothing from outside, no scripts.
inline constexpr std::string_view kStatusPagePolicy =
    "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'";

[[nodiscard]] std::string renderStatusPage(const Snapshot& snapshot, const Health& health);

}  // namespace trailwall::serve
