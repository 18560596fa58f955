#include "xml_text.h"

#include <sstream>

namespace trailwall::panossim {

std::size_t utf8Length(std::string_view text) {
  std::size_t n = 0;
  for (const char c : text) {
    n += (static_cast<unsigned char>(c) & 0xC0U) != 0x80U ? 1 : 0;
  }
  return n;
}

std::string escapeXml(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string cdata(std::string_view text) {
  std::string out = "<![CDATA[";
  std::size_t start = 0;
  for (std::size_t pos = text.find("]]>"); pos != std::string_view::npos;
       pos = text.find("]]>", start)) {
    out.append(text.substr(start, pos + 2 - start));
    out += "]]><![CDATA[";
    start = pos + 2;
  }
  out.append(text.substr(start));
  return out + "]]>";
}

namespace {

struct StringWriter final : pugi::xml_writer {
  std::string out;
  void write(const void* data, std::size_t size) override {
    out.append(static_cast<const char*>(data), size);
  }
};

}  // namespace

std::string nodeXml(const pugi::xml_node& node) {
  StringWriter writer;
  node.print(writer, "", pugi::format_raw | pugi::format_no_declaration);
  return std::move(writer.out);
}

std::string msgLines(const std::vector<std::string>& lines, bool as_cdata) {
  std::string out = "<msg>";
  for (const std::string& line : lines) {
    out += "<line>";
    out += as_cdata ? cdata(line) : escapeXml(line);
    out += "</line>";
  }
  return out + "</msg>";
}

}  // namespace trailwall::panossim
