#pragma once
// The AWS shared config and credentials files (~/.aws/config, ~/.aws/credentials) as the AWS
// SDKs read them ("Shared config and credentials files", AWS SDKs and Tools reference guide),
// and what is resolved from them together with the environment: profile, region and each
// service's endpoint URL ("Service-specific endpoints").

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aws/environment.h"
#include "common/error.h"

namespace trailwall::aws {

// One [section]: key = value pairs, and indented sub-properties under a key with an empty
// value (`ec2 =` followed by `  endpoint_url = …`).
struct IniSection {
  std::map<std::string, std::string, std::less<>> values;
  std::map<std::string, std::map<std::string, std::string, std::less<>>, std::less<>> sub;

  [[nodiscard]] std::optional<std::string> get(std::string_view key) const;
};

// Parses INI text; sections keyed by their name as written inside the brackets ("profile x").
// Errors: InvalidInput naming `origin` and the line number.
[[nodiscard]] Result<std::map<std::string, IniSection, std::less<>>> parseIni(
    std::string_view text, std::string_view origin);

// A service as the SDKs identify it for endpoints and signing.
struct ServiceInfo {
  std::string_view env_id;         // AWS_ENDPOINT_URL_<env_id>
  std::string_view config_key;     // sub-section key in a [services x] section
  std::string_view signing_name;   // SigV4 service name
  std::string_view endpoint_host;  // first label of the default endpoint host
  std::string_view display_name;   // for error messages
};

inline constexpr ServiceInfo kEc2{"EC2", "ec2", "ec2", "ec2", "EC2"};
inline constexpr ServiceInfo kS3{"S3", "s3", "s3", "s3", "S3"};
inline constexpr ServiceInfo kSqs{"SQS", "sqs", "sqs", "sqs", "SQS"};
inline constexpr ServiceInfo kSecretsManager{"SECRETS_MANAGER", "secrets_manager", "secretsmanager",
                                             "secretsmanager", "Secrets Manager"};
inline constexpr ServiceInfo kSsm{"SSM", "ssm", "ssm", "ssm", "SSM"};
inline constexpr ServiceInfo kSts{"STS", "sts", "sts", "sts", "STS"};

class SharedConfig {
 public:
  // Reads AWS_CONFIG_FILE (default ~/.aws/config) and AWS_SHARED_CREDENTIALS_FILE (default
  // ~/.aws/credentials); a missing file is empty, an unreadable or malformed one an error.
  [[nodiscard]] static Result<SharedConfig> load(const Environment& env);
  // From text (tests, or files read elsewhere).
  [[nodiscard]] static Result<SharedConfig> parse(std::string_view config_text,
                                                  std::string_view credentials_text);

  // The profile's settings: config file [profile name] (or [default]) overlaid by the
  // credentials file [name]. nullopt when neither file has it.
  [[nodiscard]] std::optional<IniSection> profile(std::string_view name) const;
  // A [services name] section of the config file.
  [[nodiscard]] const IniSection* services(std::string_view name) const;

  [[nodiscard]] const std::string& configPath() const { return config_path_; }
  [[nodiscard]] const std::string& credentialsPath() const { return credentials_path_; }

 private:
  std::map<std::string, IniSection, std::less<>> config_;
  std::map<std::string, IniSection, std::less<>> credentials_;
  std::string config_path_;
  std::string credentials_path_;
};

// "true" in any case (the SDKs' boolean settings); unset or anything else is false.
[[nodiscard]] bool isTrueSetting(const std::optional<std::string>& value);

// AWS_PROFILE, else AWS_DEFAULT_PROFILE, else "default".
[[nodiscard]] std::string profileName(const Environment& env);

// AWS_REGION, else AWS_DEFAULT_REGION, else the profile's `region`; nullopt when none is set.
[[nodiscard]] std::optional<std::string> resolveRegion(const Environment& env,
                                                       const SharedConfig& config);

// The endpoint the SDKs would use, in their order: AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL,
// the profile's [services] section, the profile's endpoint_url (all skipped when
// AWS_IGNORE_CONFIGURED_ENDPOINT_URLS or ignore_configured_endpoint_urls is true), else the
// public endpoint https://<service>.<region>.amazonaws.com (.com.cn in China). No trailing '/'.
[[nodiscard]] std::string resolveEndpoint(const ServiceInfo& service, std::string_view region,
                                          const Environment& env, const SharedConfig& config);

// https://<service>.<region>.amazonaws.com (.com.cn in China regions).
[[nodiscard]] std::string publicEndpoint(const ServiceInfo& service, std::string_view region);

}  // namespace trailwall::aws
