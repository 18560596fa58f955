#pragma once
// Small XML helpers shared by the request builders and response parsers of the PAN-OS client.
// Elements are always built with pugixml (which escapes text and attributes); these helpers
// refuse the text pugixml cannot make safe and serialise nodes the way the device expects.

#include <pugixml.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/error.h"

namespace trailwall::panos {

// OK when `text` can stand in an XML 1.0 document: valid UTF-8 with no control character other
// than tab, newline and carriage return. InvalidInput naming `what` otherwise.
[[nodiscard]] Status validateXmlText(std::string_view text, std::string_view what);

// The node serialised without indentation or declaration (as sent in a `cmd` or `element`).
[[nodiscard]] std::string renderXml(const pugi::xml_node& node);

// Parses `fragment` (one or more elements) and appends copies of its nodes under `parent`.
// InvalidInput when the fragment is not well-formed XML.
[[nodiscard]] Status appendXmlFragment(pugi::xml_node parent, std::string_view fragment);

// All direct text and CDATA children of the node joined and trimmed (a <line> or <msg> may mix
// them; CDATA lines carry a leading space).
[[nodiscard]] std::string directText(const pugi::xml_node& node);

// The node's text with surrounding whitespace removed (CDATA lines carry a leading space).
[[nodiscard]] std::string trimmedText(const pugi::xml_node& node);
[[nodiscard]] std::string_view trim(std::string_view text);

// A whole decimal integer (surrounding whitespace allowed), or nothing.
[[nodiscard]] std::optional<std::int64_t> parseInteger(std::string_view text);

}  // namespace trailwall::panos
