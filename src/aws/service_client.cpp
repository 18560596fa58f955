#include "aws/service_client.h"

#include <cstdlib>

#include "aws/sigv4.h"
#include "aws/timestamps.h"

namespace trailwall::aws {

namespace {

using namespace std::chrono_literals;

constexpr auto kSkewThreshold = std::chrono::minutes(4);

bool isSuccess(int status) {
  return status >= 200 && status < 300;
}

bool isExpiredCredentials(const ApiError& error) {
  return error.code == "ExpiredToken" || error.code == "ExpiredTokenException" ||
         error.code == "TokenRefreshRequired" || error.code == "InvalidToken";
}

}  // namespace

ServiceClient::ServiceClient(ClientContext context, const ServiceInfo& service,
                             std::string endpoint)
    : context_(std::move(context)), service_(service), endpoint_(std::move(endpoint)) {
  while (endpoint_.ends_with('/')) {
    endpoint_.pop_back();
  }
}

Error ServiceClient::errorOf(const http::Response& response, std::string_view operation) {
  auto creds = context_.credentials.credentials();
  return toError(parseApiError(response), service_, operation, creds ? &*creds : nullptr);
}

Result<http::Response> ServiceClient::send(http::Request request, std::string_view operation) {
  if (!request.url.starts_with("http://") && !request.url.starts_with("https://")) {
    request.url = endpoint_ + (request.url.empty() || request.url.starts_with('/') ||
                                       request.url.starts_with('?')
                                   ? request.url
                                   : "/" + request.url);
  }
  const std::string context = std::string(service_.display_name) + " " + std::string(operation);
  bool skew_corrected = false;
  bool credentials_refreshed = false;
  const int max_attempts = std::max(1, context_.retry.max_attempts);
  int retries = 0;
  for (;;) {
    auto credentials = context_.credentials.credentials();
    if (!credentials) {
      return std::unexpected(credentials.error().withContext(context));
    }
    http::Request signed_request = request;
    SigningParams params{context_.region, std::string(service_.signing_name),
                         context_.clock.now() + std::chrono::milliseconds(skew_ms_.load()),
                         service_.signing_name == "s3"};
    auto signed_parts = signRequest(signed_request, *credentials, params);
    if (!signed_parts) {
      return std::unexpected(signed_parts.error().withContext(context));
    }
    ++requests_sent_;
    auto response = context_.transport.send(signed_request);
    const bool last = retries + 1 >= max_attempts;
    if (!response) {
      const auto code = response.error().code;
      if ((code == ErrorCode::Network || code == ErrorCode::Timeout) && !last) {
        context_.clock.sleepFor(backoffDelay(context_.retry, retries++, context_.random.unit()));
        continue;
      }
      return std::unexpected(response.error().withContext(context));
    }
    if (isSuccess(response->status)) {
      return response;
    }
    const ApiError error = parseApiError(*response);
    if (!skew_corrected && isClockSkew(error)) {
      if (auto date = response->header("Date")) {
        if (auto server_time = parseHttpDate(*date)) {
          const auto skew = std::chrono::duration_cast<std::chrono::milliseconds>(
              *server_time - context_.clock.now());
          if (std::chrono::abs(skew - std::chrono::milliseconds(skew_ms_.load())) >
              kSkewThreshold) {
            skew_ms_ = skew.count();
            skew_corrected = true;
            continue;  // no backoff: the next signature carries AWS's time
          }
        }
      }
    }
    if (!credentials_refreshed && isExpiredCredentials(error)) {
      context_.credentials.invalidate();
      credentials_refreshed = true;
      continue;
    }
    if (isRetryable(error) && !last) {
      context_.clock.sleepFor(backoffDelay(context_.retry, retries++, context_.random.unit()));
      continue;
    }
    return response;
  }
}

Result<http::Response> ServiceClient::call(http::Request request, std::string_view operation) {
  auto response = send(std::move(request), operation);
  if (!response) {
    return response;
  }
  if (!isSuccess(response->status)) {
    return std::unexpected(errorOf(*response, operation));
  }
  return response;
}

}  // namespace trailwall::aws
