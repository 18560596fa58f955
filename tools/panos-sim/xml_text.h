#pragma once
// Small text helpers for writing the device's XML replies by hand (the replies' exact spelling
// matters: single vs double quotes, CDATA lines; see shared/reference/panos/).

#include <string>
#include <string_view>
#include <vector>

#include <pugixml.hpp>

namespace trailwall::panossim {

// Escapes &, <, >, " and ' for text and attribute values.
[[nodiscard]] std::string escapeXml(std::string_view text);

// Characters (UTF-8 code points) in a text, as PAN-OS counts lengths.
[[nodiscard]] std::size_t utf8Length(std::string_view text);

// A CDATA section; "]]>" inside the text is split across two sections.
[[nodiscard]] std::string cdata(std::string_view text);

// Serializes a node (and its subtree) without declaration or indentation.
[[nodiscard]] std::string nodeXml(const pugi::xml_node& node);

// <msg><line>…</line>…</msg>; CDATA lines carry the device's leading space themselves.
[[nodiscard]] std::string msgLines(const std::vector<std::string>& lines, bool as_cdata);

}  // namespace trailwall::panossim
