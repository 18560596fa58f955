#include "aws/session.h"

#include "aws/sts_client.h"

namespace trailwall::aws {

Result<std::unique_ptr<AwsSession>> AwsSession::create(const Environment& env,
                                                       http::HttpTransport& transport, Clock& clock,
                                                       Random& random,
                                                       std::optional<std::string> region) {
  std::unique_ptr<AwsSession> session(new AwsSession(env, transport, clock, random));
  auto config = SharedConfig::load(env);
  if (!config) {
    return std::unexpected(config.error());
  }
  session->config_ = std::move(*config);
  if (!region) {
    region = resolveRegion(env, session->config_);
  }
  if (!region) {
    return fail(ErrorCode::Config,
                "no AWS region: set AWS_REGION (or AWS_DEFAULT_REGION, or region in profile '" +
                    profileName(env) + "')");
  }
  session->region_ = *region;
  session->assume_role_ =
      makeStsAssumeRole(transport, clock, random, session->region_, session->endpoint(kSts));
  session->credentials_ =
      makeDefaultCredentialsChain(env, session->config_, transport, clock, session->assume_role_);
  return session;
}

std::string AwsSession::endpoint(const ServiceInfo& service) const {
  return resolveEndpoint(service, region_, env_, config_);
}

ClientContext AwsSession::context() {
  return context(*credentials_);
}

ClientContext AwsSession::context(CredentialsProvider& credentials) {
  return ClientContext{transport_, credentials, clock_, random_, region_, {}};
}

}  // namespace trailwall::aws
