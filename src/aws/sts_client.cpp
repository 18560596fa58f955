#include "aws/sts_client.h"

#include "aws/timestamps.h"
#include "aws/xml_util.h"
#include "http/url.h"

namespace trailwall::aws {

namespace {

constexpr std::string_view kStsVersion = "2011-06-15";

http::Request queryRequest(std::vector<std::pair<std::string, std::string>> params) {
  return http::Request{"POST",
                       "/",
                       {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}},
                       http::formEncode(params),
                       {}};
}

}  // namespace

Result<Credentials> parseAssumeRoleResponse(std::string_view body, std::string_view action) {
  const std::string what = "STS " + std::string(action) + " response";
  auto doc = xml::parse(body, what);
  if (!doc) {
    return std::unexpected(doc.error());
  }
  const std::string root_name = std::string(action) + "Response";
  auto root = xml::root(**doc, root_name.c_str(), what);
  if (!root) {
    return std::unexpected(root.error());
  }
  const std::string result_name = std::string(action) + "Result";
  const auto node = root->child(result_name.c_str()).child("Credentials");
  Credentials c;
  c.access_key_id = xml::text(node, "AccessKeyId");
  c.secret_access_key = xml::text(node, "SecretAccessKey");
  c.session_token = xml::text(node, "SessionToken");
  if (c.access_key_id.empty() || c.secret_access_key.empty() || c.session_token.empty()) {
    return fail(ErrorCode::InvalidInput, what + " has incomplete Credentials");
  }
  auto expiration = parseIso8601(xml::text(node, "Expiration"));
  if (!expiration) {
    return std::unexpected(
        expiration.error().withContext("STS " + std::string(action) + " Expiration"));
  }
  c.expiration = *expiration;
  return c;
}

Result<CallerIdentity> parseGetCallerIdentityResponse(std::string_view body) {
  auto doc = xml::parse(body, "STS GetCallerIdentity response");
  if (!doc) {
    return std::unexpected(doc.error());
  }
  auto root = xml::root(**doc, "GetCallerIdentityResponse", "STS GetCallerIdentity response");
  if (!root) {
    return std::unexpected(root.error());
  }
  const auto node = root->child("GetCallerIdentityResult");
  return CallerIdentity{xml::text(node, "Account"), xml::text(node, "Arn"),
                        xml::text(node, "UserId")};
}

Result<Credentials> StsClient::assumeRole(const AssumeRoleParams& params) {
  std::vector<std::pair<std::string, std::string>> form = {
      {"Action", "AssumeRole"},
      {"Version", std::string(kStsVersion)},
      {"RoleArn", params.role_arn},
      {"RoleSessionName", params.session_name},
      {"DurationSeconds", std::to_string(params.duration.count())},
  };
  if (!params.external_id.empty()) {
    form.emplace_back("ExternalId", params.external_id);
  }
  auto response = client_.call(queryRequest(std::move(form)), "AssumeRole");
  if (!response) {
    return std::unexpected(response.error());
  }
  auto credentials = parseAssumeRoleResponse(response->body);
  if (credentials) {
    credentials->source = "role " + params.role_arn;
  }
  return credentials;
}

Result<Credentials> StsClient::assumeRoleWithWebIdentity(const WebIdentityParams& params,
                                                         const std::string& token) {
  auto response = client_.call(queryRequest({{"Action", "AssumeRoleWithWebIdentity"},
                                             {"Version", std::string(kStsVersion)},
                                             {"RoleArn", params.role_arn},
                                             {"RoleSessionName", params.session_name},
                                             {"WebIdentityToken", token}}),
                               "AssumeRoleWithWebIdentity");
  if (!response) {
    return std::unexpected(Error{
        response.error().code,
        redactSecrets(response.error().message, Credentials{"", "", token, std::nullopt, ""})});
  }
  auto credentials = parseAssumeRoleResponse(response->body, "AssumeRoleWithWebIdentity");
  if (credentials) {
    credentials->source = "role " + params.role_arn;
  }
  return credentials;
}

Result<CallerIdentity> StsClient::getCallerIdentity() {
  auto response = client_.call(
      queryRequest({{"Action", "GetCallerIdentity"}, {"Version", std::string(kStsVersion)}}),
      "GetCallerIdentity");
  if (!response) {
    return std::unexpected(response.error());
  }
  return parseGetCallerIdentityResponse(response->body);
}

AssumeRoleFn makeStsAssumeRole(http::HttpTransport& transport, Clock& clock, Random& random,
                               std::string region, std::string endpoint, RetryPolicy retry,
                               std::optional<std::chrono::milliseconds> request_timeout) {
  return [&transport, &clock, &random, region = std::move(region), endpoint = std::move(endpoint),
          retry = std::move(retry),
          request_timeout](CredentialsProvider& source, const AssumeRoleParams& params) {
    StsClient sts(ClientContext{transport, source, clock, random, region, retry, request_timeout},
                  endpoint);
    return sts.assumeRole(params);
  };
}

AssumeRoleWithWebIdentityFn makeStsAssumeRoleWithWebIdentity(
    http::HttpTransport& transport, Clock& clock, Random& random, std::string region,
    std::string endpoint, RetryPolicy retry,
    std::optional<std::chrono::milliseconds> request_timeout) {
  return [&transport, &clock, &random, region = std::move(region), endpoint = std::move(endpoint),
          retry = std::move(retry),
          request_timeout](const WebIdentityParams& params, const std::string& token) {
    AnonymousCredentialsProvider anonymous;
    StsClient sts(
        ClientContext{transport, anonymous, clock, random, region, retry, request_timeout},
        endpoint);
    return sts.assumeRoleWithWebIdentity(params, token);
  };
}

}  // namespace trailwall::aws
