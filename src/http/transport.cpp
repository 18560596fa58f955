#include "http/transport.h"

#include "http/text.h"

namespace trailwall::http {

std::optional<std::string_view> findHeader(const Headers& headers, std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (equalsIgnoreCase(key, name)) {
      return std::string_view(value);
    }
  }
  return std::nullopt;
}

}  // namespace trailwall::http
