#pragma once
// /metrics in the Prometheus text exposition format (version 0.0.4): for each family a # HELP
// and a # TYPE line, then its samples; label values escaped (\\, \", \n). Counters are
// monotonic since the daemon started; the families and their labels are listed in README
// "Deploy".

#include <string>
#include <string_view>

#include "serve/monitor.h"

namespace trailwall::serve {

inline constexpr std::string_view kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

[[nodiscard]] std::string renderMetrics(const Snapshot& snapshot, bool healthy);

// The escaping rules of the format, for label values and for HELP text.
[[nodiscard]] std::string escapeLabelValue(std::string_view value);
[[nodiscard]] std::string escapeHelp(std::string_view text);

}  // namespace trailwall::serve
