#include "runner/log_text.h"

#include <cctype>

#include <fmt/format.h>

namespace trailwall::runner {
namespace {

bool keyChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '.' || c == '-';
}

}  // namespace

std::string quoteValue(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  out += '"';
  for (const char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
        } else {
          out += c;
        }
    }
  }
  out += '"';
  return out;
}

LogFields splitLogFields(std::string_view line) {
  LogFields out;
  std::size_t i = 0;
  const auto addRest = [&out](std::string_view text) {
    if (text.empty()) return;
    if (!out.rest.empty()) out.rest += ' ';
    out.rest += text;
  };
  while (i < line.size()) {
    while (i < line.size() && line[i] == ' ') ++i;
    if (i >= line.size()) break;
    const std::size_t start = i;
    std::size_t k = i;
    while (k < line.size() && keyChar(line[k])) ++k;
    if (k == start || k >= line.size() || line[k] != '=') {
      // Not a field: a word of free text.
      const auto end = line.find(' ', i);
      addRest(line.substr(start, end == std::string_view::npos ? end : end - start));
      i = end == std::string_view::npos ? line.size() : end;
      continue;
    }
    std::string key(line.substr(start, k - start));
    i = k + 1;
    std::string value;
    if (i < line.size() && line[i] == '"') {
      ++i;
      bool closed = false;
      while (i < line.size()) {
        const char c = line[i++];
        if (c == '"') {
          closed = true;
          break;
        }
        if (c != '\\' || i >= line.size()) {
          value += c;
          continue;
        }
        const char e = line[i++];
        switch (e) {
          case 'n': value += '\n'; break;
          case 'r': value += '\r'; break;
          case 't': value += '\t'; break;
          case 'u':
            if (i + 4 <= line.size()) {
              unsigned code = 0;
              bool ok = true;
              for (std::size_t h = 0; h < 4; ++h) {
                const char d = line[i + h];
                code <<= 4U;
                if (d >= '0' && d <= '9')
                  code |= static_cast<unsigned>(d - '0');
                else if (d >= 'a' && d <= 'f')
                  code |= static_cast<unsigned>(d - 'a' + 10);
                else if (d >= 'A' && d <= 'F')
                  code |= static_cast<unsigned>(d - 'A' + 10);
                else
                  ok = false;
              }
              if (ok && code < 0x80) {
                value += static_cast<char>(code);
                i += 4;
                break;
              }
            }
            value += "\\u";
            break;
          default: value += e;  // \" and \\ (and anything else) stand for themselves
        }
      }
      if (!closed) {
        // An unterminated quote: keep the text as it was written.
        addRest(line.substr(start));
        break;
      }
    } else {
      const auto end = line.find(' ', i);
      value = std::string(line.substr(i, end == std::string_view::npos ? end : end - i));
      i = end == std::string_view::npos ? line.size() : end;
    }
    out.fields.emplace_back(std::move(key), std::move(value));
  }
  return out;
}

}  // namespace trailwall::runner
