#pragma once
// application/x-www-form-urlencoded bodies, as PAN-OS clients POST every parameter.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace trailwall::panossim {

// name=value pairs in order; '+' is a space, %XX a byte; malformed escapes stay literal.
[[nodiscard]] std::vector<std::pair<std::string, std::string>> parseForm(std::string_view body);

}  // namespace trailwall::panossim
