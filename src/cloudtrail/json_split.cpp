#include "cloudtrail/json_split.h"

namespace trailwall::cloudtrail {
namespace {

constexpr std::size_t kNone = std::string_view::npos;

bool isSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

std::size_t skipSpace(std::string_view text, std::size_t pos) {
  while (pos < text.size() && isSpace(text[pos])) {
    ++pos;
  }
  return pos;
}

// The position after the string that starts at text[pos] == '"'; kNone when unterminated.
std::size_t skipString(std::string_view text, std::size_t pos) {
  for (std::size_t i = pos + 1; i < text.size(); ++i) {
    if (text[i] == '\\') {
      ++i;
    } else if (text[i] == '"') {
      return i + 1;
    }
  }
  return kNone;
}

std::string_view trim(std::string_view span) {
  while (!span.empty() && isSpace(span.front())) span.remove_prefix(1);
  while (!span.empty() && isSpace(span.back())) span.remove_suffix(1);
  return span;
}

}  // namespace

ArrayScan scanArray(std::string_view text, std::size_t start, std::size_t stop_at) {
  ArrayScan scan;
  int depth = 0;
  std::size_t element_start = start;
  bool content = false;
  std::size_t i = start;
  while (i < text.size()) {
    const char c = text[i];
    if (c == '"') {
      content = true;
      i = skipString(text, i);
      if (i == kNone) {
        i = text.size();
      }
      continue;
    }
    if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      if (depth == 0) {  // the end of the array
        if (content) {
          scan.elements.push_back(trim(text.substr(element_start, i - element_start)));
        }
        scan.close = i;
        return scan;
      }
      --depth;
    } else if (c == ',' && depth == 0) {
      // An empty element between two commas is kept: the parser reports it.
      scan.elements.push_back(trim(text.substr(element_start, i - element_start)));
      if (i >= stop_at) {
        scan.separator = i;
        return scan;
      }
      element_start = i + 1;
      content = false;
      ++i;
      continue;
    } else if (isSpace(c)) {
      ++i;
      continue;
    }
    content = true;
    ++i;
  }
  if (content) {
    scan.elements.push_back(trim(text.substr(element_start)));
  }
  return scan;
}

std::optional<std::vector<std::string_view>> splitTopLevelArray(std::string_view text,
                                                                std::string_view key) {
  int depth = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (c == '"') {
      const std::size_t end = skipString(text, i);
      if (end == kNone) {
        return std::nullopt;
      }
      if (depth == 1 && text.substr(i + 1, end - i - 2) == key) {
        std::size_t j = skipSpace(text, end);
        if (j < text.size() && text[j] == ':') {
          j = skipSpace(text, j + 1);
          if (j < text.size() && text[j] == '[') {
            return scanArray(text, j + 1).elements;
          }
        }
      }
      i = end;
      continue;
    }
    if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      --depth;
    }
    ++i;
  }
  return std::nullopt;
}

}  // namespace trailwall::cloudtrail
