#include "aws/session.h"

#include "aws/instance_metadata.h"
#include "aws/sts_client.h"

namespace trailwall::aws {

Result<std::unique_ptr<AwsSession>> AwsSession::create(const Environment& env,
                                                       http::HttpTransport& transport, Clock& clock,
                                                       Random& random, SessionOptions options) {
  std::unique_ptr<AwsSession> session(new AwsSession(env, transport, clock, random));
  auto config = SharedConfig::load(env);
  if (!config) {
    return std::unexpected(config.error());
  }
  session->config_ = std::move(*config);
  auto retry = resolveRetrySettings(env, session->config_);
  if (!retry) {
    return std::unexpected(retry.error());
  }
  session->retry_ = std::move(retry->policy);
  if (!retry->note.empty()) {
    session->notes_.push_back(std::move(retry->note));
  }
  session->request_timeout_ = options.request_timeout;
  std::optional<std::string> region = std::move(options.region);
  if (!region) {
    region = resolveRegion(env, session->config_);
  }
  if (!region) {
    region = std::move(options.fallback_region);
  }
  if (!region) {
    // On EC2 the instance's own region (the SDKs' last region provider).
    auto from_imds = instanceRegion(env, transport);
    if (!from_imds) {
      return fail(ErrorCode::Config,
                  "no AWS region: set AWS_REGION (or AWS_DEFAULT_REGION, or region in profile '" +
                      profileName(env) +
                      "'), or run on EC2 (instance metadata: " + from_imds.error().message + ")");
    }
    region = std::move(*from_imds);
    session->notes_.push_back("region " + *region + " from EC2 instance metadata");
  }
  session->region_ = *region;
  session->assume_role_ =
      makeStsAssumeRole(transport, clock, random, session->region_, session->endpoint(kSts),
                        session->retry_, session->request_timeout_);
  session->credentials_ = makeDefaultCredentialsChain(
      env, session->config_, transport, clock, session->assume_role_,
      makeStsAssumeRoleWithWebIdentity(transport, clock, random, session->region_,
                                       session->endpoint(kSts), session->retry_,
                                       session->request_timeout_));
  return session;
}

Result<std::unique_ptr<AwsSession>> AwsSession::create(const Environment& env,
                                                       http::HttpTransport& transport, Clock& clock,
                                                       Random& random,
                                                       std::optional<std::string> region) {
  SessionOptions options;
  options.region = std::move(region);
  return create(env, transport, clock, random, std::move(options));
}

std::string AwsSession::endpoint(const ServiceInfo& service) const {
  return resolveEndpoint(service, region_, env_, config_);
}

std::string AwsSession::endpoint(const ServiceInfo& service, const std::string& region) const {
  return resolveEndpoint(service, region, env_, config_);
}

bool AwsSession::hasCustomEndpoint(const ServiceInfo& service) const {
  return endpoint(service) != publicEndpoint(service, region_);
}

std::unique_ptr<Ec2Client> AwsSession::ec2() {
  return ec2(*credentials_);
}

std::unique_ptr<Ec2Client> AwsSession::ec2(CredentialsProvider& credentials) {
  return std::make_unique<Ec2Client>(context(credentials), endpoint(kEc2));
}

std::unique_ptr<S3Client> AwsSession::s3() {
  return std::make_unique<S3Client>(
      context(), [this](const std::string& region) { return endpoint(kS3, region); },
      hasCustomEndpoint(kS3));
}

std::unique_ptr<SqsClient> AwsSession::sqs() {
  return std::make_unique<SqsClient>(context(), endpoint(kSqs));
}

std::unique_ptr<SecretsManagerClient> AwsSession::secretsManager() {
  return std::make_unique<SecretsManagerClient>(context(), endpoint(kSecretsManager));
}

std::unique_ptr<SsmClient> AwsSession::ssm() {
  return std::make_unique<SsmClient>(context(), endpoint(kSsm));
}

std::unique_ptr<StsClient> AwsSession::sts() {
  return std::make_unique<StsClient>(context(), endpoint(kSts));
}

ClientContext AwsSession::context() {
  return context(*credentials_);
}

ClientContext AwsSession::context(CredentialsProvider& credentials) {
  return ClientContext{transport_, credentials, clock_, random_, region_, retry_, request_timeout_};
}

}  // namespace trailwall::aws
