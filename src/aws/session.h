#pragma once
// Everything a front end needs to talk to AWS, wired once from the environment and the shared
// config files as the SDKs do it: region, the default credentials chain (with STS for roles),
// and each service's endpoint (AWS_ENDPOINT_URL… overrides included).

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "aws/credentials.h"
#include "aws/ec2_client.h"
#include "aws/environment.h"
#include "aws/s3_client.h"
#include "aws/secrets_client.h"
#include "aws/service_client.h"
#include "aws/shared_config.h"
#include "aws/sqs_client.h"
#include "aws/sts_client.h"

namespace trailwall::aws {

struct SessionOptions {
  std::optional<std::string> region;           // wins over everything
  std::optional<std::string> fallback_region;  // after the environment and the profile
  // One attempt of an AWS call, whole (aws.request_timeout_seconds); unset: the transport's.
  std::optional<std::chrono::milliseconds> request_timeout;
};

class AwsSession {
 public:
  // The region: options.region, else AWS_REGION, AWS_DEFAULT_REGION, the profile's region,
  // options.fallback_region, else EC2 instance metadata (IMDSv2) when on EC2. The retry policy
  // from AWS_RETRY_MODE / AWS_MAX_ATTEMPTS and the profile (retry.h). Errors: Config when no
  // region is found or a retry setting is bad; InvalidInput/Io for unreadable shared files.
  // Credentials are looked up on first use, not here.
  [[nodiscard]] static Result<std::unique_ptr<AwsSession>> create(const Environment& env,
                                                                  http::HttpTransport& transport,
                                                                  Clock& clock, Random& random,
                                                                  SessionOptions options);
  // (Defined out of line: inlined, g++ 12 warns falsely about the optional<string> under ASan.)
  [[nodiscard]] static Result<std::unique_ptr<AwsSession>> create(
      const Environment& env, http::HttpTransport& transport, Clock& clock, Random& random,
      std::optional<std::string> region = std::nullopt);

  [[nodiscard]] const std::string& region() const { return region_; }
  [[nodiscard]] CredentialsProvider& credentials() { return *credentials_; }
  [[nodiscard]] std::string endpoint(const ServiceInfo& service) const;
  [[nodiscard]] std::string endpoint(const ServiceInfo& service, const std::string& region) const;
  // True when an AWS_ENDPOINT_URL… variable or the config file moved the service.
  [[nodiscard]] bool hasCustomEndpoint(const ServiceInfo& service) const;
  // The collaborators for a client of this session (default credentials).
  [[nodiscard]] ClientContext context();
  // The same with other credentials (an assumed role of another account).
  [[nodiscard]] ClientContext context(CredentialsProvider& credentials);
  [[nodiscard]] const AssumeRoleFn& assumeRole() const { return assume_role_; }
  [[nodiscard]] const RetryPolicy& retryPolicy() const { return retry_; }
  // What the log should say about the settings (e.g. adaptive retries run as standard ones).
  [[nodiscard]] const std::vector<std::string>& notes() const { return notes_; }

  // Clients with the default credentials (or `credentials`, e.g. another account's role).
  [[nodiscard]] std::unique_ptr<Ec2Client> ec2();
  [[nodiscard]] std::unique_ptr<Ec2Client> ec2(CredentialsProvider& credentials);
  [[nodiscard]] std::unique_ptr<S3Client> s3();
  [[nodiscard]] std::unique_ptr<SqsClient> sqs();
  [[nodiscard]] std::unique_ptr<SecretsManagerClient> secretsManager();
  [[nodiscard]] std::unique_ptr<SsmClient> ssm();
  [[nodiscard]] std::unique_ptr<StsClient> sts();

 private:
  AwsSession(const Environment& env, http::HttpTransport& transport, Clock& clock, Random& random)
      : env_(env), transport_(transport), clock_(clock), random_(random) {}

  const Environment& env_;
  http::HttpTransport& transport_;
  Clock& clock_;
  Random& random_;
  SharedConfig config_;
  std::string region_;
  RetryPolicy retry_;
  std::optional<std::chrono::milliseconds> request_timeout_;
  std::vector<std::string> notes_;
  AssumeRoleFn assume_role_;
  std::unique_ptr<CredentialsChain> credentials_;
};

}  // namespace trailwall::aws
