#include "cli/ca_bundle.h"

#include <sys/stat.h>

#include <fmt/format.h>

namespace trailwall::cli {

bool fileExists(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode);
}

Result<std::string> findCaBundle(const std::optional<std::string>& configured,
                                 std::string_view configured_name, const aws::Environment& env,
                                 const std::function<bool(const std::string&)>& exists) {
  if (configured && !configured->empty()) {
    if (!exists(*configured)) {
      return fail(ErrorCode::NotFound,
                  fmt::format("{}: CA bundle {} does not exist", configured_name, *configured));
    }
    return *configured;
  }
  if (const auto from_env = env.get("SSL_CERT_FILE")) {
    if (!exists(*from_env)) {
      return fail(ErrorCode::NotFound,
                  fmt::format("SSL_CERT_FILE: CA bundle {} does not exist", *from_env));
    }
    return *from_env;
  }
  for (const auto path : kDistributionCaBundles) {
    if (exists(std::string(path))) return std::string(path);
  }
  return fail(ErrorCode::NotFound,
              fmt::format("no CA bundle to verify TLS with: set {} or SSL_CERT_FILE, or install "
                          "one at {}",
                          configured_name, fmt::join(kDistributionCaBundles, ", ")));
}

}  // namespace trailwall::cli
