#pragma once
// AWS STS (Query protocol, XML answers): AssumeRole for roles in profiles and cross-account
// reads, AssumeRoleWithWebIdentity (unsigned: the token is the proof) for Kubernetes service
// accounts, GetCallerIdentity to check credentials. API reference: AssumeRole,
// AssumeRoleWithWebIdentity, GetCallerIdentity (STS API version 2011-06-15).

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
  // Temporary credentials of `params.role_arn` for the OIDC `token`; construct the client with
  // AnonymousCredentialsProvider. Errors: Denied or Auth when STS refuses the token or the role's
  // trust policy (InvalidIdentityToken, ExpiredTokenException, AccessDenied); never the token.
  [[nodiscard]] Result<Credentials> assumeRoleWithWebIdentity(const WebIdentityParams& params,
                                                              const std::string& token);
  [[nodiscard]] Result<CallerIdentity> getCallerIdentity();

  [[nodiscard]] ServiceClient& client() { return client_; }

 private:
  ServiceClient client_;
};

// `action` names the response's root (<AssumeRoleResponse>, <AssumeRoleWithWebIdentityResponse>).
[[nodiscard]] Result<Credentials> parseAssumeRoleResponse(std::string_view body,
                                                          std::string_view action = "AssumeRole");
[[nodiscard]] Result<CallerIdentity> parseGetCallerIdentityResponse(std::string_view body);

// An AssumeRoleFn calling STS at `endpoint` in `region` with the given collaborators, the
// session's retry policy and per-attempt timeout.
[[nodiscard]] AssumeRoleFn makeStsAssumeRole(
    http::HttpTransport& transport, Clock& clock, Random& random, std::string region,
    std::string endpoint, RetryPolicy retry = {},
    std::optional<std::chrono::milliseconds> request_timeout = std::nullopt);
// The same for AssumeRoleWithWebIdentity (unsigned).
[[nodiscard]] AssumeRoleWithWebIdentityFn makeStsAssumeRoleWithWebIdentity(
    http::HttpTransport& transport, Clock& clock, Random& random, std::string region,
    std::string endpoint, RetryPolicy retry = {},
    std::optional<std::chrono::milliseconds> request_timeout = std::nullopt);

}  // namespace trailwall::aws
