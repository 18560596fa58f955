#include "http/transport.h"

#include <algorithm>
#include <cctype>

namespace trailwall::http {

std::optional<std::string_view> Response::header(std::string_view name) const {
  const auto equal = [](std::string_view a, std::string_view b) {
    return std::ranges::equal(a, b, [](char x, char y) {
      return std::tolower(static_cast<unsigned char>(x)) ==
             std::tolower(static_cast<unsigned char>(y));
    });
  };
  for (const auto& [key, value] : headers) {
    if (equal(key, name)) {
      return std::string_view(value);
    }
  }
  return std::nullopt;
}

}  // namespace trailwall::http
