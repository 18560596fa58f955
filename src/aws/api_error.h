#pragma once
// The error an AWS service answers with, read from any of its protocols: EC2 Query
// (<Response><Errors><Error><Code>), AWS Query and REST-XML (<ErrorResponse><Error>, <Error>)
// and JSON ({"__type": "…#Code", "message": …}, x-amzn-query-error header). Its code decides
// retrying and becomes a trailwall Error for the user.

#include <string>
#include <string_view>

#include "aws/credentials.h"
#include "aws/shared_config.h"
#include "common/error.h"
#include "http/transport.h"

namespace trailwall::aws {

struct ApiError {
  int http_status = 0;
  std::string code;  // e.g. "InvalidInstanceID.NotFound", "ThrottlingException"
  std::string message;
  std::string request_id;
};

// Never fails: an unreadable body gives the status as the code ("HTTP 503").
[[nodiscard]] ApiError parseApiError(const http::Response& response);

[[nodiscard]] bool isThrottling(const ApiError& error);
// Worth retrying (the SDKs' standard mode, retry.h): throttling codes, RequestTimeout(Exception),
// PriorRequestNotComplete, HTTP 500, 502, 503 and 504.
[[nodiscard]] bool isRetryable(const ApiError& error);
// The signature's clock is too far from AWS's.
[[nodiscard]] bool isClockSkew(const ApiError& error);
// Auth (bad or expired credentials), Denied, NotFound, Throttled, InvalidInput or Remote.
[[nodiscard]] ErrorCode classify(const ApiError& error);

// "<service> <operation>: <code>: <message> (HTTP 403, request id …)", with any secret of
// `credentials` that the remote side echoed replaced by "***".
[[nodiscard]] Error toError(const ApiError& error, const ServiceInfo& service,
                            std::string_view operation, const Credentials* credentials = nullptr);

// Replaces each occurrence of the secret key and the session token with "***".
[[nodiscard]] std::string redactSecrets(std::string text, const Credentials& credentials);

}  // namespace trailwall::aws
