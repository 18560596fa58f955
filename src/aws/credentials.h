#pragma once
// AWS credentials and where they come from, in the order of the AWS SDKs' default chain
// ("Standardized credential providers", AWS SDKs and Tools reference guide; the order of the
// SDKs for Java 2.x and Go v2): environment variables, web identity from the environment
// (AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN: Kubernetes service accounts), the shared
// config/credentials files (static keys, role_arn assumed through STS from source_profile /
// credential_source, or with a web_identity_token_file), container credentials (ECS/EKS Pod
// Identity), EC2 instance metadata (IMDSv2). Credentials are cached and refreshed before they
// expire.
//
// The secret and the token never go into a log line or an error message: `describe()` names
// the source and the key id only.

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/error.h"

namespace trailwall::http {
class HttpTransport;
}

namespace trailwall::aws {

class Environment;
class SharedConfig;

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;                                        // empty for long-term keys
  std::optional<std::chrono::system_clock::time_point> expiration;  // unset: never expires
  std::string source;  // where they came from, e.g. "environment", "profile 'prod'"

  // "access key AKID… from environment"; safe to log.
  [[nodiscard]] std::string describe() const;
};

class CredentialsProvider {
 public:
  virtual ~CredentialsProvider() = default;
  // Valid credentials. Errors: Auth, saying which sources were tried and why each gave none
  // (or that the credentials found have expired); Config for a broken profile.
  [[nodiscard]] virtual Result<Credentials> credentials() = 0;
  // Drops cached credentials (a service said they expired); the next call fetches again.
  virtual void invalidate() {}
};

class StaticCredentialsProvider final : public CredentialsProvider {
 public:
  explicit StaticCredentialsProvider(Credentials credentials)
      : credentials_(std::move(credentials)) {}
  [[nodiscard]] Result<Credentials> credentials() override { return credentials_; }

 private:
  Credentials credentials_;
};

// No credentials: requests go unsigned (STS AssumeRoleWithWebIdentity, whose proof is the token).
class AnonymousCredentialsProvider final : public CredentialsProvider {
 public:
  [[nodiscard]] Result<Credentials> credentials() override {
    return Credentials{"", "", "", std::nullopt, "anonymous"};
  }
};

// One place credentials can come from. fetch() fails with NotFound when the source is not
// configured (the message says why, for the chain's "tried" list); any other error means it is
// configured but broken, which stops the chain as in the SDKs.
class CredentialsSource {
 public:
  virtual ~CredentialsSource() = default;
  [[nodiscard]] virtual std::string name() const = 0;
  [[nodiscard]] virtual Result<Credentials> fetch() = 0;
};

// Tries sources in order, remembers the one that answered and caches its credentials until
// `refresh_window` before they expire. When a refresh fails, still-valid cached credentials
// are used. Thread-safe.
class CredentialsChain final : public CredentialsProvider {
 public:
  CredentialsChain(std::vector<std::unique_ptr<CredentialsSource>> sources, Clock& clock,
                   std::chrono::seconds refresh_window = std::chrono::minutes(5));
  [[nodiscard]] Result<Credentials> credentials() override;
  void invalidate() override;

 private:
  [[nodiscard]] Result<Credentials> fetchLocked();

  std::vector<std::unique_ptr<CredentialsSource>> sources_;
  Clock& clock_;
  std::chrono::seconds refresh_window_;
  std::mutex mutex_;
  std::optional<Credentials> cached_;
  CredentialsSource* active_ = nullptr;
};

struct AssumeRoleParams {
  std::string role_arn;
  std::string session_name = "trailwall";
  std::string external_id;  // empty: none
  std::chrono::seconds duration{3600};
};

// Calls STS AssumeRole signed with `source`'s credentials (wired to StsClient by the default
// chain; a lambda in tests).
using AssumeRoleFn =
    std::function<Result<Credentials>(CredentialsProvider& source, const AssumeRoleParams&)>;

// A role assumed with a web identity token (OIDC), read from a file at every fetch (Kubernetes
// rotates it).
struct WebIdentityParams {
  std::string role_arn;
  std::string token_file;
  std::string session_name = "trailwall";
  // The setting that names the file, for errors: AWS_WEB_IDENTITY_TOKEN_FILE or
  // web_identity_token_file.
  std::string where;
};

// Calls STS AssumeRoleWithWebIdentity, unsigned, with `token` (wired to StsClient by the session;
// a lambda in tests). Errors never contain the token.
using AssumeRoleWithWebIdentityFn =
    std::function<Result<Credentials>(const WebIdentityParams&, const std::string& token)>;

// Reads the token file and assumes the role. Errors: Config when the token file cannot be read
// or is empty, or no STS call is wired; STS's errors (Denied, Auth, …) with the role named.
[[nodiscard]] Result<Credentials> assumeRoleWithWebIdentity(
    const WebIdentityParams& params, const AssumeRoleWithWebIdentityFn& assume);

// AWS_WEB_IDENTITY_TOKEN_FILE with AWS_ROLE_ARN (and AWS_ROLE_SESSION_NAME): one set without
// the other is a Config error.
class WebIdentityCredentialsSource final : public CredentialsSource {
 public:
  WebIdentityCredentialsSource(const Environment& env, Clock& clock,
                               AssumeRoleWithWebIdentityFn assume)
      : env_(env), clock_(clock), assume_(std::move(assume)) {}
  [[nodiscard]] std::string name() const override { return "web identity"; }
  [[nodiscard]] Result<Credentials> fetch() override;

 private:
  const Environment& env_;
  Clock& clock_;
  AssumeRoleWithWebIdentityFn assume_;
};

// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN (and AWS_CREDENTIAL_EXPIRATION).
class EnvironmentCredentialsSource final : public CredentialsSource {
 public:
  explicit EnvironmentCredentialsSource(const Environment& env) : env_(env) {}
  [[nodiscard]] std::string name() const override { return "environment variables"; }
  [[nodiscard]] Result<Credentials> fetch() override;

 private:
  const Environment& env_;
};

// Static keys of a profile or a role assumed from it (role_arn with source_profile or
// credential_source = Environment | Ec2InstanceMetadata | EcsContainer, or with
// web_identity_token_file). A profile named by AWS_PROFILE that does not exist is a Config
// error, as in the SDKs.
class ProfileCredentialsSource final : public CredentialsSource {
 public:
  ProfileCredentialsSource(const Environment& env, const SharedConfig& config,
                           http::HttpTransport& transport, Clock& clock, AssumeRoleFn assume_role,
                           AssumeRoleWithWebIdentityFn web_identity = {});
  [[nodiscard]] std::string name() const override;
  [[nodiscard]] Result<Credentials> fetch() override;

 private:
  [[nodiscard]] Result<Credentials> resolve(const std::string& profile,
                                            std::vector<std::string>& visited);

  const Environment& env_;
  const SharedConfig& config_;
  http::HttpTransport& transport_;
  Clock& clock_;
  AssumeRoleFn assume_role_;
  AssumeRoleWithWebIdentityFn web_identity_;
  std::string profile_;
  bool explicit_profile_ = false;
};

// AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (from http://169.254.170.2) or _FULL_URI (https, or
// http to a loopback / ECS / EKS Pod Identity address), with AWS_CONTAINER_AUTHORIZATION_TOKEN
// or _TOKEN_FILE sent as the Authorization header.
class ContainerCredentialsSource final : public CredentialsSource {
 public:
  ContainerCredentialsSource(const Environment& env, http::HttpTransport& transport)
      : env_(env), transport_(transport) {}
  [[nodiscard]] std::string name() const override { return "container credentials"; }
  [[nodiscard]] Result<Credentials> fetch() override;

 private:
  const Environment& env_;
  http::HttpTransport& transport_;
};

// The role credentials of EC2 instance metadata (instance_metadata.h: IMDSv2, its settings).
class InstanceMetadataCredentialsSource final : public CredentialsSource {
 public:
  InstanceMetadataCredentialsSource(const Environment& env, http::HttpTransport& transport)
      : env_(env), transport_(transport) {}
  [[nodiscard]] std::string name() const override { return "EC2 instance metadata"; }
  [[nodiscard]] Result<Credentials> fetch() override;

 private:
  const Environment& env_;
  http::HttpTransport& transport_;
};

// A role assumed with another provider's credentials (cross-account reads).
class AssumeRoleCredentialsSource final : public CredentialsSource {
 public:
  AssumeRoleCredentialsSource(CredentialsProvider& source, AssumeRoleParams params,
                              AssumeRoleFn assume_role)
      : source_(source), params_(std::move(params)), assume_role_(std::move(assume_role)) {}
  [[nodiscard]] std::string name() const override { return "role " + params_.role_arn; }
  [[nodiscard]] Result<Credentials> fetch() override;

 private:
  CredentialsProvider& source_;
  AssumeRoleParams params_;
  AssumeRoleFn assume_role_;
};

// The SDK default chain: environment, web identity, profile, container, instance metadata.
[[nodiscard]] std::unique_ptr<CredentialsChain> makeDefaultCredentialsChain(
    const Environment& env, const SharedConfig& config, http::HttpTransport& transport,
    Clock& clock, AssumeRoleFn assume_role, AssumeRoleWithWebIdentityFn web_identity = {});

// Cached credentials of one assumed role.
[[nodiscard]] std::unique_ptr<CredentialsChain> makeAssumeRoleProvider(CredentialsProvider& source,
                                                                       AssumeRoleParams params,
                                                                       AssumeRoleFn assume_role,
                                                                       Clock& clock);

// One role per AWS account (DESIGN §6: cross-account Describe calls). Accounts without a role
// use the base credentials.
class AccountCredentials {
 public:
  AccountCredentials(CredentialsProvider& base, AssumeRoleFn assume_role, Clock& clock)
      : base_(base), assume_role_(std::move(assume_role)), clock_(clock) {}
  void addRole(const std::string& account_id, AssumeRoleParams params);
  [[nodiscard]] CredentialsProvider& forAccount(const std::string& account_id);

 private:
  CredentialsProvider& base_;
  AssumeRoleFn assume_role_;
  Clock& clock_;
  std::mutex mutex_;
  std::map<std::string, AssumeRoleParams> roles_;
  std::map<std::string, std::unique_ptr<CredentialsChain>> providers_;
};

// Parses the JSON that container and instance-metadata endpoints return
// ({"AccessKeyId", "SecretAccessKey", "Token", "Expiration"}). Errors: Auth naming `source`.
[[nodiscard]] Result<Credentials> parseCredentialsJson(std::string_view body,
                                                       const std::string& source);

}  // namespace trailwall::aws
