#pragma once
// The EC2 instance metadata service (IMDS) with IMDSv2 session tokens ("Use the Instance Metadata
// Service to access instance metadata", Amazon EC2 user guide): PUT /latest/api/token, then GETs
// under /latest/meta-data/ carrying the token. Falls back to IMDSv1 when the token call is
// refused (403, 404, 405), unless AWS_EC2_METADATA_V1_DISABLED is true. AWS_EC2_METADATA_DISABLED
// turns it off; AWS_EC2_METADATA_SERVICE_ENDPOINT (or _ENDPOINT_MODE=IPv6) moves it. Every
// request is bounded by a one-second timeout, so a machine off EC2 finds out quickly.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "common/error.h"
#include "http/transport.h"

namespace trailwall::aws {

class Environment;

class InstanceMetadataClient {
 public:
  InstanceMetadataClient(const Environment& env, http::HttpTransport& transport);

  // The body of /latest/meta-data/<path>. Errors: NotFound when IMDS is disabled or does not
  // answer (not on EC2), or the path does not exist (404); Auth when IMDS refuses.
  [[nodiscard]] Result<std::string> get(std::string_view path);
  // The same, with a path that does not exist (404) as nullopt.
  [[nodiscard]] Result<std::optional<std::string>> lookup(std::string_view path);

  // "http://169.254.169.254" or where the environment moved it.
  [[nodiscard]] const std::string& endpoint() const { return base_; }

 private:
  [[nodiscard]] Status ensureSession();

  const Environment& env_;
  http::HttpTransport& transport_;
  std::string base_;
  bool disabled_ = false;
  std::optional<http::Headers> session_;  // the token header, or none (IMDSv1)
};

// The region this instance runs in (meta-data/placement/region). Errors as get().
[[nodiscard]] Result<std::string> instanceRegion(const Environment& env,
                                                 http::HttpTransport& transport);

}  // namespace trailwall::aws
