#include "panos/xml_util.h"

#include <charconv>
#include <sstream>

#include <fmt/format.h>

namespace trailwall::panos {
namespace {

// Length of the UTF-8 sequence starting at `text[i]`, or 0 when it is malformed.
std::size_t utf8SequenceLength(std::string_view text, std::size_t i) {
  const auto lead = static_cast<unsigned char>(text[i]);
  std::size_t length = 0;
  std::uint32_t min = 0;
  std::uint32_t value = 0;
  if (lead < 0x80) {
    return 1;
  }
  if ((lead & 0xE0U) == 0xC0U) {
    length = 2;
    min = 0x80;
    value = lead & 0x1FU;
  } else if ((lead & 0xF0U) == 0xE0U) {
    length = 3;
    min = 0x800;
    value = lead & 0x0FU;
  } else if ((lead & 0xF8U) == 0xF0U) {
    length = 4;
    min = 0x10000;
    value = lead & 0x07U;
  } else {
    return 0;
  }
  if (i + length > text.size()) {
    return 0;
  }
  for (std::size_t k = 1; k < length; ++k) {
    const auto c = static_cast<unsigned char>(text[i + k]);
    if ((c & 0xC0U) != 0x80U) {
      return 0;
    }
    value = (value << 6U) | (c & 0x3FU);
  }
  const bool surrogate = value >= 0xD800 && value <= 0xDFFF;
  if (value < min || value > 0x10FFFF || surrogate || value == 0xFFFE || value == 0xFFFF) {
    return 0;
  }
  return length;
}

}  // namespace

Status validateXmlText(std::string_view text, std::string_view what) {
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F) {
      return fail(ErrorCode::InvalidInput,
                  fmt::format("{} holds control character {:#04x} at offset {}, which XML cannot "
                              "carry",
                              what, c, i));
    }
    const std::size_t length = utf8SequenceLength(text, i);
    if (length == 0) {
      return fail(ErrorCode::InvalidInput,
                  std::string(what) + " is not valid UTF-8 at offset " + std::to_string(i));
    }
    i += length;
  }
  return {};
}

std::string renderXml(const pugi::xml_node& node) {
  std::ostringstream out;
  node.print(out, "", pugi::format_raw | pugi::format_no_declaration, pugi::encoding_utf8);
  return out.str();
}

Status appendXmlFragment(pugi::xml_node parent, std::string_view fragment) {
  pugi::xml_document doc;
  const auto parsed =
      doc.load_buffer(fragment.data(), fragment.size(), pugi::parse_default | pugi::parse_fragment,
                      pugi::encoding_utf8);
  if (!parsed) {
    return fail(ErrorCode::InvalidInput, std::string("XML element is not well-formed: ") +
                                             parsed.description() + " at offset " +
                                             std::to_string(parsed.offset));
  }
  for (const auto& child : doc.children()) {
    if (child.type() == pugi::node_element || child.type() == pugi::node_pcdata ||
        child.type() == pugi::node_cdata) {
      parent.append_copy(child);
    }
  }
  return {};
}

std::string_view trim(std::string_view text) {
  constexpr std::string_view kSpace = " \t\r\n";
  const auto begin = text.find_first_not_of(kSpace);
  if (begin == std::string_view::npos) {
    return {};
  }
  const auto end = text.find_last_not_of(kSpace);
  return text.substr(begin, end - begin + 1);
}

std::optional<std::int64_t> parseInteger(std::string_view text) {
  text = trim(text);
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return value;
}

std::string directText(const pugi::xml_node& node) {
  std::string text;
  for (const auto& child : node.children()) {
    if (child.type() == pugi::node_pcdata || child.type() == pugi::node_cdata) {
      text += child.value();
    }
  }
  return std::string(trim(text));
}

std::string trimmedText(const pugi::xml_node& node) {
  return std::string(trim(node.text().get()));
}

}  // namespace trailwall::panos
