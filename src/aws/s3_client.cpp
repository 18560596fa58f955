#include "aws/s3_client.h"

#include <fmt/format.h>

#include "http/url.h"

namespace trailwall::aws {

S3Client::S3Client(ClientContext context,
                   std::function<std::string(const std::string&)> endpoint_for_region,
                   bool custom_endpoint)
    : context_(std::move(context)),
      endpoint_for_region_(std::move(endpoint_for_region)),
      custom_endpoint_(custom_endpoint) {}

ServiceClient& S3Client::clientFor(const std::string& region) {
  std::lock_guard lock(mutex_);
  auto& client = clients_[region];
  if (!client) {
    ClientContext context = context_;
    context.region = region;
    client = std::make_unique<ServiceClient>(context, kS3, endpoint_for_region_(region));
  }
  return *client;
}

std::string S3Client::objectUrl(const std::string& region, const std::string& bucket,
                                const std::string& key) const {
  const std::string endpoint = endpoint_for_region_(region);
  const std::string path = fmt::format("/{}", http::percentEncode(key, /*keep_slash=*/true));
  // Virtual-hosted style needs a DNS- and TLS-safe bucket name: no dots.
  if (!custom_endpoint_ && bucket.find('.') == std::string::npos) {
    auto url = http::parseUrl(endpoint);
    if (url) {
      return fmt::format("{}://{}.{}{}", url->scheme, bucket, url->hostHeader(), path);
    }
  }
  return fmt::format("{}/{}{}", endpoint, http::percentEncode(bucket), path);
}

Result<S3Object> S3Client::getObject(const std::string& bucket, const std::string& key) {
  std::string region = context_.region;
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto& client = clientFor(region);
    auto response = client.send(
        http::Request{"GET", objectUrl(region, bucket, key), {}, "", std::nullopt}, "GetObject");
    if (!response) {
      return std::unexpected(response.error());
    }
    if (response->status == 200) {
      const auto header = [&](const char* name) {
        return std::string(response->header(name).value_or(""));
      };
      return S3Object{std::move(response->body), header("Content-Type"), header("Content-Encoding"),
                      header("ETag")};
    }
    // Wrong region: S3 says which one is right; ask there once.
    const auto bucket_region = response->header("x-amz-bucket-region");
    if (attempt == 0 && !custom_endpoint_ && bucket_region && *bucket_region != region &&
        (response->status == 301 || response->status == 400 || response->status == 307)) {
      region = std::string(*bucket_region);
      continue;
    }
    return std::unexpected(
        client.errorOf(*response, "GetObject").withContext(fmt::format("s3://{}/{}", bucket, key)));
  }
  return fail(ErrorCode::Remote, "S3 GetObject: redirected more than once");
}

}  // namespace trailwall::aws
