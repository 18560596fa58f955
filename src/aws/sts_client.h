#pragma once
// AWS STS (Query protocol, XML answers): AssumeRole for roles in profiles and cross-account
// reads, GetCallerIdentity to check credentials. API reference: AssumeRole,
// GetCallerIdentity (STS API version 2011-06-15).

#include <string>
#include <string_view>

#include "aws/credentials.h"
#include "aws/service_client.h"

namespace trailwall::aws {

struct CallerIdentity {
  std::string account;
  std::string arn;
  std::string user_id;
};

class StsClient {
 public:
  StsClient(ClientContext context, std::string endpoint)
      : client_(std::move(context), kSts, std::move(endpoint)) {}

  // Temporary credentials of `params.role_arn`. Errors: Denied when the role's trust policy
  // refuses, Auth for bad source credentials, InvalidInput for a bad answer.
  [[nodiscard]] Result<Credentials> assumeRole(const AssumeRoleParams& params);
  [[nodiscard]] Result<CallerIdentity> getCallerIdentity();

  [[nodiscard]] ServiceClient& client() { return client_; }

 private:
  ServiceClient client_;
};

[[nodiscard]] Result<Credentials> parseAssumeRoleResponse(std::string_view body);
[[nodiscard]] Result<CallerIdentity> parseGetCallerIdentityResponse(std::string_view body);

// An AssumeRoleFn calling STS at `endpoint` in `region` with the given collaborators.
[[nodiscard]] AssumeRoleFn makeStsAssumeRole(http::HttpTransport& transport, Clock& clock,
                                             Random& random, std::string region,
                                             std::string endpoint);

}  // namespace trailwall::aws
