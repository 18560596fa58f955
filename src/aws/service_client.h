#pragma once
// What every AWS service client shares: signing with the current credentials (anonymous
// credentials send the request unsigned), sending through the injected transport with the
// per-attempt timeout, and retrying as the SDKs' standard mode does (retry.h: the errors it
// retries, full-jitter exponential backoff on the injected clock, the retry quota). Also
// corrects for a skewed local clock once per call (from the service's Date header) and
// refetches credentials once when the service says they expired.

#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "aws/api_error.h"
#include "aws/credentials.h"
#include "aws/retry.h"
#include "aws/shared_config.h"
#include "common/clock.h"
#include "http/transport.h"

namespace trailwall::aws {

// The injected collaborators of a client. All referenced objects outlive the client.
struct ClientContext {
  http::HttpTransport& transport;
  CredentialsProvider& credentials;
  Clock& clock;
  Random& random;
  std::string region;
  RetryPolicy retry{};
  // The whole of one attempt (a request that sets its own timeout keeps it); unset: the
  // transport's default.
  std::optional<std::chrono::milliseconds> request_timeout{};
};

class ServiceClient {
 public:
  // `endpoint`: scheme://host[:port][/base-path], as resolveEndpoint returns it.
  ServiceClient(ClientContext context, const ServiceInfo& service, std::string endpoint);

  // Signs and sends `request` (its url may be relative to the endpoint: "/path?query" or "")
  // and retries; returns the final response whatever its status. Errors: credentials
  // problems, and transport failures that outlasted the retries ("EC2 DescribeVpcs: no answer
  // from <endpoint> after 3 attempts (each limited to 8 s): <what timed out>").
  [[nodiscard]] Result<http::Response> send(http::Request request, std::string_view operation);
  // send(), with any non-2xx answer turned into an Error (errorOf).
  [[nodiscard]] Result<http::Response> call(http::Request request, std::string_view operation);

  // The error of a non-2xx response, in this client's words (secrets redacted), saying how often
  // send() tried when it retried ("…; gave up after 3 attempts").
  [[nodiscard]] Error errorOf(const http::Response& response, std::string_view operation);

  [[nodiscard]] const std::string& endpoint() const { return endpoint_; }
  [[nodiscard]] const ServiceInfo& service() const { return service_; }
  [[nodiscard]] const std::string& region() const { return context_.region; }
  // HTTP requests sent so far, retries included.
  [[nodiscard]] std::size_t requestsSent() const { return requests_sent_.load(); }

 private:
  struct Outcome {
    Result<http::Response> response;
    int attempts = 0;
    bool quota_exhausted = false;  // a retryable failure the retry quota could not pay for
  };
  [[nodiscard]] Outcome exchange(http::Request request, std::string_view operation);
  [[nodiscard]] Error transportError(const Error& error, const Outcome& outcome,
                                     std::string_view operation) const;

  ClientContext context_;
  const ServiceInfo& service_;
  std::string endpoint_;
  std::atomic<std::size_t> requests_sent_{0};
  std::atomic<long long> skew_ms_{0};  // AWS time minus local time
};

}  // namespace trailwall::aws
