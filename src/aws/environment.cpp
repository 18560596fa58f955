#include "aws/environment.h"

#include <cstdlib>

extern char** environ;  // NOLINT: POSIX; read only by front ends, through this class

namespace trailwall::aws {

std::optional<std::string> ProcessEnvironment::get(std::string_view name) const {
  const char* value = std::getenv(std::string(name).c_str());
  if (value == nullptr || *value == '\0') {
    return std::nullopt;
  }
  return std::string(value);
}

std::map<std::string, std::string, std::less<>> ProcessEnvironment::snapshot() {
  std::map<std::string, std::string, std::less<>> out;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string_view entry(*e);
    if (const auto eq = entry.find('='); eq != std::string_view::npos) {
      out.emplace(entry.substr(0, eq), entry.substr(eq + 1));
    }
  }
  return out;
}

}  // namespace trailwall::aws
