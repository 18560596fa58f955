#pragma once
// A forgiving scan of malformed JSON, so the good records of a damaged log file still decode:
// finds the array under a top-level key and cuts it into its elements by bracket depth, without
// validating them (the parser does that per element). Internal to the decoder.

#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

namespace trailwall::cloudtrail {

struct ArrayScan {
  std::vector<std::string_view> elements;          // trimmed
  std::size_t close = std::string_view::npos;      // the closing bracket, when reached
  std::size_t separator = std::string_view::npos;  // the comma it stopped at, when it did
};

// The elements of an array from `start` (just after its '[' or after a comma between its
// elements): up to its closing bracket, up to the first comma between elements at or after
// `stop_at`, or to the end of the text (the last element then runs to the end).
[[nodiscard]] ArrayScan scanArray(std::string_view text, std::size_t start,
                                  std::size_t stop_at = std::string_view::npos);

// The elements of the array `"<key>": [ … ]` of the top-level object of `text`, as byte spans
// (the last one runs to the end when the text is cut short); nullopt when no such array starts.
[[nodiscard]] std::optional<std::vector<std::string_view>> splitTopLevelArray(std::string_view text,
                                                                              std::string_view key);

}  // namespace trailwall::cloudtrail
