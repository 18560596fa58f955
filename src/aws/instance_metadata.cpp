#include "aws/instance_metadata.h"

#include "aws/environment.h"
#include "aws/shared_config.h"
#include "http/text.h"

namespace trailwall::aws {

namespace {

constexpr auto kMetadataTimeout = std::chrono::milliseconds(1000);
constexpr std::string_view kTokenTtlSeconds = "21600";

}  // namespace

InstanceMetadataClient::InstanceMetadataClient(const Environment& env,
                                               http::HttpTransport& transport)
    : env_(env), transport_(transport) {
  disabled_ = isTrueSetting(env_.get("AWS_EC2_METADATA_DISABLED"));
  base_ = env_.get("AWS_EC2_METADATA_SERVICE_ENDPOINT").value_or("");
  if (base_.empty()) {
    const auto mode = env_.get("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE").value_or("IPv4");
    base_ = mode == "IPv6" ? "http://[fd00:ec2::254]" : "http://169.254.169.254";
  }
  while (base_.ends_with('/')) {
    base_.pop_back();
  }
}

Status InstanceMetadataClient::ensureSession() {
  if (disabled_) {
    return fail(ErrorCode::NotFound, "disabled by AWS_EC2_METADATA_DISABLED");
  }
  if (session_) {
    return {};
  }
  http::Request token_request{
      "PUT",
      base_ + "/latest/api/token",
      {{"X-aws-ec2-metadata-token-ttl-seconds", std::string(kTokenTtlSeconds)}},
      "",
      kMetadataTimeout};
  auto token = transport_.send(token_request);
  if (!token) {
    return fail(ErrorCode::NotFound,
                base_ + " not reachable (not on EC2?): " + token.error().message);
  }
  if (token->status == 200) {
    session_ = http::Headers{{"X-aws-ec2-metadata-token", std::string(http::trim(token->body))}};
  } else if ((token->status == 403 || token->status == 404 || token->status == 405) &&
             !isTrueSetting(env_.get("AWS_EC2_METADATA_V1_DISABLED"))) {
    session_ = http::Headers{};  // IMDSv1 only (or the token call blocked): go on without
  } else {
    return fail(ErrorCode::Auth,
                "instance metadata token request answered HTTP " + std::to_string(token->status));
  }
  return {};
}

Result<std::optional<std::string>> InstanceMetadataClient::lookup(std::string_view path) {
  if (auto ok = ensureSession(); !ok) {
    return std::unexpected(ok.error());
  }
  const std::string url = base_ + "/latest/meta-data/" + std::string(path);
  auto response = transport_.send(http::Request{"GET", url, *session_, "", kMetadataTimeout});
  if (!response) {
    return fail(ErrorCode::NotFound, base_ + " not reachable: " + response.error().message);
  }
  if (response->status == 404) {
    return std::optional<std::string>();
  }
  if (response->status != 200) {
    return fail(ErrorCode::Auth, "instance metadata " + std::string(path) + " answered HTTP " +
                                     std::to_string(response->status));
  }
  return std::optional<std::string>(std::move(response->body));
}

Result<std::string> InstanceMetadataClient::get(std::string_view path) {
  auto found = lookup(path);
  if (!found) {
    return std::unexpected(found.error());
  }
  if (!*found) {
    return fail(ErrorCode::NotFound, "instance metadata has no " + std::string(path));
  }
  return std::move(**found);
}

Result<std::string> instanceRegion(const Environment& env, http::HttpTransport& transport) {
  InstanceMetadataClient imds(env, transport);
  auto region = imds.get("placement/region");
  if (!region) {
    return region;
  }
  const std::string value(http::trim(*region));
  const bool plausible =
      !value.empty() && value.size() < 32 &&
      value.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") == std::string::npos;
  if (!plausible) {
    return fail(ErrorCode::InvalidInput, "instance metadata placement/region is not a region");
  }
  return value;
}

}  // namespace trailwall::aws
