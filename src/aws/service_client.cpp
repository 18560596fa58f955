#include "aws/service_client.h"

#include <cstdlib>

#include "aws/sigv4.h"
#include "aws/timestamps.h"

namespace trailwall::aws {

namespace {

using namespace std::chrono_literals;

constexpr auto kSkewThreshold = std::chrono::minutes(4);
// Added by send() to an error answer it retried: how often, for errorOf().
constexpr std::string_view kRetryHeader = "X-Trailwall-Retried";

bool isSuccess(int status) {
  return status >= 200 && status < 300;
}

bool isExpiredCredentials(const ApiError& error) {
  return error.code == "ExpiredToken" || error.code == "ExpiredTokenException" ||
         error.code == "TokenRefreshRequired" || error.code == "InvalidToken";
}

std::string attemptsText(int attempts) {
  return std::to_string(attempts) + (attempts == 1 ? " attempt" : " attempts");
}

std::string secondsText(std::chrono::milliseconds duration) {
  const auto ms = duration.count();
  return ms % 1000 == 0 ? std::to_string(ms / 1000) + " s" : std::to_string(ms) + " ms";
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
  Error error = toError(parseApiError(response), service_, operation, creds ? &*creds : nullptr);
  // How often send() tried (kRetryHeader, set only on its answers).
  if (const auto retried = response.header(kRetryHeader)) {
    error.message.append("; ").append(*retried);
  }
  return error;
}

ServiceClient::Outcome ServiceClient::exchange(http::Request request, std::string_view operation) {
  if (!request.url.starts_with("http://") && !request.url.starts_with("https://")) {
    request.url = endpoint_ + (request.url.empty() || request.url.starts_with('/') ||
                                       request.url.starts_with('?')
                                   ? request.url
                                   : "/" + request.url);
  }
  if (!request.timeout) request.timeout = context_.request_timeout;
  const std::string context = std::string(service_.display_name) + " " + std::string(operation);
  const RetryPolicy& policy = context_.retry;
  const int max_attempts = std::max(1, policy.max_attempts);
  bool skew_corrected = false;
  bool credentials_refreshed = false;
  int last_retry_cost = 0;
  Outcome outcome{fail(ErrorCode::Internal, "no attempt"), 0, false};
  for (;;) {
    auto credentials = context_.credentials.credentials();
    if (!credentials) {
      outcome.response = std::unexpected(credentials.error().withContext(context));
      return outcome;
    }
    http::Request signed_request = request;
    if (!credentials->access_key_id.empty()) {  // anonymous credentials: unsigned
      SigningParams params{context_.region, std::string(service_.signing_name),
                           context_.clock.now() + std::chrono::milliseconds(skew_ms_.load()),
                           service_.signing_name == "s3"};
      auto signed_parts = signRequest(signed_request, *credentials, params);
      if (!signed_parts) {
        outcome.response = std::unexpected(signed_parts.error().withContext(context));
        return outcome;
      }
    }
    ++requests_sent_;
    ++outcome.attempts;
    outcome.response = context_.transport.send(signed_request);
    bool retryable = false;
    bool timeout = false;
    if (!outcome.response) {
      const auto code = outcome.response.error().code;
      retryable = code == ErrorCode::Network || code == ErrorCode::Timeout;
      timeout = code == ErrorCode::Timeout;
    } else if (isSuccess(outcome.response->status)) {
      if (policy.quota) policy.quota->release(last_retry_cost);
      return outcome;
    } else {
      const ApiError error = parseApiError(*outcome.response);
      if (!skew_corrected && isClockSkew(error)) {
        if (auto date = outcome.response->header("Date")) {
          if (auto server_time = parseHttpDate(*date)) {
            const auto skew = std::chrono::duration_cast<std::chrono::milliseconds>(
                *server_time - context_.clock.now());
            if (std::chrono::abs(skew - std::chrono::milliseconds(skew_ms_.load())) >
                kSkewThreshold) {
              skew_ms_ = skew.count();
              skew_corrected = true;
              --outcome.attempts;  // no backoff, no attempt: the signature carries AWS's time
              continue;
            }
          }
        }
      }
      if (!credentials_refreshed && isExpiredCredentials(error)) {
        context_.credentials.invalidate();
        credentials_refreshed = true;
        --outcome.attempts;
        continue;
      }
      retryable = isRetryable(error);
    }
    if (!retryable || outcome.attempts >= max_attempts) return outcome;
    if (policy.quota) {
      last_retry_cost = policy.quota->acquire(timeout);
      if (last_retry_cost == 0) {
        outcome.quota_exhausted = true;
        return outcome;
      }
    }
    context_.clock.sleepFor(backoffDelay(policy, outcome.attempts - 1, context_.random.unit()));
  }
}

Error ServiceClient::transportError(const Error& error, const Outcome& outcome,
                                    std::string_view operation) const {
  std::string message = std::string(service_.display_name) + " " + std::string(operation) +
                        ": no answer from " + endpoint_ + " after " +
                        attemptsText(outcome.attempts);
  if (context_.request_timeout) {
    message += " (each limited to " + secondsText(*context_.request_timeout) + ")";
  }
  if (outcome.quota_exhausted) message += " (the retry quota is used up)";
  return Error{error.code, message + ": " + error.message};
}

Result<http::Response> ServiceClient::send(http::Request request, std::string_view operation) {
  auto outcome = exchange(std::move(request), operation);
  if (!outcome.response) {
    if (outcome.attempts == 0) return std::move(outcome.response);  // credentials, signing
    return std::unexpected(transportError(outcome.response.error(), outcome, operation));
  }
  if (!isSuccess(outcome.response->status)) {
    // For errorOf(), whoever turns this answer into an error.
    if (outcome.quota_exhausted) {
      outcome.response->headers.emplace_back(
          kRetryHeader,
          "not retried after " + attemptsText(outcome.attempts) + ": the retry quota is used up");
    } else if (outcome.attempts > 1) {
      outcome.response->headers.emplace_back(kRetryHeader,
                                             "gave up after " + attemptsText(outcome.attempts));
    }
  }
  return std::move(outcome.response);
}

Result<http::Response> ServiceClient::call(http::Request request, std::string_view operation) {
  auto response = send(std::move(request), operation);
  if (!response || isSuccess(response->status)) return response;
  return std::unexpected(errorOf(*response, operation));
}

}  // namespace trailwall::aws
