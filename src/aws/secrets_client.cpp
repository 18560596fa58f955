#include "aws/secrets_client.h"

#include <openssl/evp.h>

#include "aws/json_protocol.h"

namespace trailwall::aws {

namespace {

constexpr std::string_view kJson11 = "application/x-amz-json-1.1";

}  // namespace

Result<std::string> base64Decode(std::string_view text) {
  std::string clean;
  for (const char c : text) {
    if (c != '\n' && c != '\r' && c != ' ') {
      clean.push_back(c);
    }
  }
  if (clean.size() % 4 != 0) {
    return fail(ErrorCode::InvalidInput, "base64 text length is not a multiple of 4");
  }
  std::string out(clean.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(clean.data()),
                                static_cast<int>(clean.size()));
  if (n < 0) {
    return fail(ErrorCode::InvalidInput, "invalid base64 text");
  }
  // EVP_DecodeBlock counts padding as zero bytes; drop them.
  std::size_t size = static_cast<std::size_t>(n);
  if (clean.ends_with("==")) {
    size -= 2;
  } else if (clean.ends_with('=')) {
    size -= 1;
  }
  out.resize(size);
  return out;
}

Result<SecretValue> SecretsManagerClient::getSecretValue(const std::string& secret_id,
                                                         const std::string& version_stage) {
  nlohmann::json body = {{"SecretId", secret_id}};
  if (!version_stage.empty()) {
    body["VersionStage"] = version_stage;
  }
  auto json = json_protocol::call(client_, kJson11, "secretsmanager", "GetSecretValue", body);
  if (!json) {
    return std::unexpected(json.error().withContext("secret " + secret_id));
  }
  SecretValue secret{json_protocol::text(*json, "ARN"), json_protocol::text(*json, "Name"),
                     json_protocol::text(*json, "VersionId"), "", false};
  if (auto s = json->find("SecretString"); s != json->end() && s->is_string()) {
    secret.value = s->get<std::string>();
  } else if (auto b = json->find("SecretBinary"); b != json->end() && b->is_string()) {
    auto decoded = base64Decode(b->get<std::string>());
    if (!decoded) {
      return std::unexpected(decoded.error().withContext("secret " + secret_id + " SecretBinary"));
    }
    secret.value = std::move(*decoded);
    secret.binary = true;
  } else {
    return fail(ErrorCode::InvalidInput,
                "Secrets Manager GetSecretValue: secret " + secret_id + " has no value");
  }
  return secret;
}

Result<Parameter> SsmClient::getParameter(const std::string& name, bool with_decryption) {
  auto json = json_protocol::call(client_, kJson11, "AmazonSSM", "GetParameter",
                                  {{"Name", name}, {"WithDecryption", with_decryption}});
  if (!json) {
    return std::unexpected(json.error().withContext("parameter " + name));
  }
  const auto p = json->find("Parameter");
  if (p == json->end() || !p->is_object() || !p->contains("Value")) {
    return fail(ErrorCode::InvalidInput, "SSM GetParameter: parameter " + name + " has no value");
  }
  Parameter parameter{json_protocol::text(*p, "Name"), json_protocol::text(*p, "Type"),
                      json_protocol::text(*p, "Value"), 0};
  if (auto v = p->find("Version"); v != p->end() && v->is_number_integer()) {
    parameter.version = v->get<long long>();
  }
  return parameter;
}

}  // namespace trailwall::aws
