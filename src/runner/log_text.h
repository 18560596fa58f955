#pragma once
// Values in trailwall's key=value log lines: a value that may hold spaces or quotes is written
// quoted with `quoteValue`, so a reader (the Lambda runtime's JSON log lines) can take a line apart
// again with `splitLogFields`.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace trailwall::runner {

// "text" with \ " and control characters escaped (\\ \" \n \r \t \u00XX).
[[nodiscard]] std::string quoteValue(std::string_view text);

// The key=value fields of a log line, values unquoted; `rest` gets what is not a field (text
// before the first key=value pair, or a line that has none).
struct LogFields {
  std::vector<std::pair<std::string, std::string>> fields;
  std::string rest;
};
[[nodiscard]] LogFields splitLogFields(std::string_view line);

}  // namespace trailwall::runner
