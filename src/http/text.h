#pragma once
// ASCII text helpers for protocol code (header names, config keys): locale-free.

#include <algorithm>
#include <string>
#include <string_view>

namespace trailwall::http {

[[nodiscard]] inline bool isAsciiSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

[[nodiscard]] inline std::string_view trim(std::string_view s) {
  while (!s.empty() && isAsciiSpace(s.front())) {
    s.remove_prefix(1);
  }
  while (!s.empty() && isAsciiSpace(s.back())) {
    s.remove_suffix(1);
  }
  return s;
}

[[nodiscard]] inline char asciiLower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

[[nodiscard]] inline std::string toLower(std::string_view s) {
  std::string out(s);
  std::ranges::transform(out, out.begin(), asciiLower);
  return out;
}

[[nodiscard]] inline bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  return std::ranges::equal(a, b, [](char x, char y) { return asciiLower(x) == asciiLower(y); });
}

[[nodiscard]] inline bool startsWithIgnoreCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && equalsIgnoreCase(s.substr(0, prefix.size()), prefix);
}

}  // namespace trailwall::http
