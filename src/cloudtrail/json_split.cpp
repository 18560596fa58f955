#include "cloudtrail/json_split.h"

#include <cstring>

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

// The position after the string that starts at text[pos] == '"'; kNone when unterminated. Jumps
// from quote to quote (memchr): a quote is the string's end unless an odd run of backslashes
// precedes it.
std::size_t skipString(std::string_view text, std::size_t pos) {
  const char* const begin = text.data();
  const char* const end = begin + text.size();
  const char* from = begin + pos + 1;
  while (from < end) {
    const auto* quote =
        static_cast<const char*>(std::memchr(from, '"', static_cast<std::size_t>(end - from)));
    if (quote == nullptr) {
      return kNone;
    }
    const char* back = quote;
    while (back > begin + pos + 1 && back[-1] == '\\') {
      --back;
    }
    if ((quote - back) % 2 == 0) {
      return static_cast<std::size_t>(quote - begin) + 1;
    }
    from = quote + 1;
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
