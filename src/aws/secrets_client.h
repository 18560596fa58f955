#pragma once
// Where trailwall's own secrets (the firewall API key) can live: AWS Secrets Manager
// (GetSecretValue) and SSM Parameter Store (GetParameter with decryption). Both speak the AWS
// JSON protocol (awsJson1_1). The values returned are secrets: never log them or put them in
// an error; errors here name the secret id only.

#include <string>

#include "aws/service_client.h"

namespace trailwall::aws {

struct SecretValue {
  std::string arn;
  std::string name;
  std::string version_id;
  std::string value;    // SecretString, or the decoded bytes of SecretBinary
  bool binary = false;  // the value came from SecretBinary
};

class SecretsManagerClient {
 public:
  SecretsManagerClient(ClientContext context, std::string endpoint)
      : client_(std::move(context), kSecretsManager, std::move(endpoint)) {}

  // `secret_id`: name or ARN. `version_stage`: AWSCURRENT when empty. Errors: NotFound
  // (ResourceNotFoundException), Denied (also for a KMS key the caller may not use), Auth,
  // Network, InvalidInput for an answer without a value.
  [[nodiscard]] Result<SecretValue> getSecretValue(const std::string& secret_id,
                                                   const std::string& version_stage = "");

  [[nodiscard]] ServiceClient& client() { return client_; }

 private:
  ServiceClient client_;
};

struct Parameter {
  std::string name;
  std::string type;  // String, StringList or SecureString
  std::string value;
  long long version = 0;
};

class SsmClient {
 public:
  SsmClient(ClientContext context, std::string endpoint)
      : client_(std::move(context), kSsm, std::move(endpoint)) {}

  // A SecureString comes back decrypted when `with_decryption`. Errors: NotFound
  // (ParameterNotFound), Denied, Auth, Network, InvalidInput for an answer without a value.
  [[nodiscard]] Result<Parameter> getParameter(const std::string& name,
                                               bool with_decryption = true);

  [[nodiscard]] ServiceClient& client() { return client_; }

 private:
  ServiceClient client_;
};

// RFC 4648 base64 (SecretBinary). Errors: InvalidInput.
[[nodiscard]] Result<std::string> base64Decode(std::string_view text);

}  // namespace trailwall::aws
