#pragma once
// Everything a front end needs to talk to AWS, wired once from the environment and the shared
// config files as the SDKs do it: region, the default credentials chain (with STS for roles),
// and each service's endpoint (AWS_ENDPOINT_URL… overrides included).

#include <memory>
#include <optional>
#include <string>

#include "aws/credentials.h"
#include "aws/environment.h"
#include "aws/service_client.h"
#include "aws/shared_config.h"

namespace trailwall::aws {

class AwsSession {
 public:
  // Errors: Config when no region is set (AWS_REGION, AWS_DEFAULT_REGION, profile region) and
  // `region` is not given; InvalidInput/Io for unreadable shared files. Credentials are looked
  // up on first use, not here.
  [[nodiscard]] static Result<std::unique_ptr<AwsSession>> create(
      const Environment& env, http::HttpTransport& transport, Clock& clock, Random& random,
      std::optional<std::string> region = std::nullopt);

  [[nodiscard]] const std::string& region() const { return region_; }
  [[nodiscard]] CredentialsProvider& credentials() { return *credentials_; }
  [[nodiscard]] std::string endpoint(const ServiceInfo& service) const;
  // The collaborators for a client of this session (default credentials).
  [[nodiscard]] ClientContext context();
  // The same with other credentials (an assumed role of another account).
  [[nodiscard]] ClientContext context(CredentialsProvider& credentials);
  [[nodiscard]] const AssumeRoleFn& assumeRole() const { return assume_role_; }

 private:
  AwsSession(const Environment& env, http::HttpTransport& transport, Clock& clock, Random& random)
      : env_(env), transport_(transport), clock_(clock), random_(random) {}

  const Environment& env_;
  http::HttpTransport& transport_;
  Clock& clock_;
  Random& random_;
  SharedConfig config_;
  std::string region_;
  AssumeRoleFn assume_role_;
  std::unique_ptr<CredentialsChain> credentials_;
};

}  // namespace trailwall::aws
