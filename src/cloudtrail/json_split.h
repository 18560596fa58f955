#pragma once
// A forgiving scan of malformed JSON, so the good records of a damaged log file still decode:
// finds the array under a top-level key and cuts it into its elements by bracket depth, without
// validating them (the parser does that per element). Internal to the decoder.

#include <optional>
#include <string_view>
#include <vector>

namespace trailwall::cloudtrail {

// The elements of the array `"<key>": [ … ]` of the top-level object of `text`, as byte spans
// (the last one runs to the end when the text is cut short); nullopt when no such array starts.
[[nodiscard]] std::optional<std::vector<std::string_view>> splitTopLevelArray(std::string_view text,
                                                                              std::string_view key);

}  // namespace trailwall::cloudtrail
