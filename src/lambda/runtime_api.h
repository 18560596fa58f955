#pragma once
// The AWS Lambda Runtime API a custom runtime talks to (Runtime API 2018-06-01; notes in
// shared/reference/lambda/NOTES.md §1): wait for the next invocation, post its response or
// error, or report a failed initialisation. HttpRuntimeApi speaks it over HTTP to
// $AWS_LAMBDA_RUNTIME_API; the loop's tests use a fake.

#include <chrono>
#include <optional>
#include <string>

#include "common/error.h"
#include "http/transport.h"

namespace trailwall::lambda {

// One invocation as GET /runtime/invocation/next hands it over.
struct Invocation {
  std::string request_id;  // Lambda-Runtime-Aws-Request-Id
  std::string body;        // the event, exactly as the invoker sent it
  // Lambda-Runtime-Deadline-Ms: when Lambda stops the invocation.
  std::optional<std::chrono::system_clock::time_point> deadline;
  std::string function_arn;  // Lambda-Runtime-Invoked-Function-Arn
  std::string trace_id;      // Lambda-Runtime-Trace-Id (empty when absent)
};

// What /error and /init/error carry. `type` is sent as Lambda-Runtime-Function-Error-Type and
// as errorType; it follows AWS's Category.Reason form (Runtime.ConfigInvalid, Function.…).
struct FunctionError {
  std::string type;
  std::string message;
};

// The error body both error endpoints take: {"errorMessage", "errorType", "stackTrace": []}.
[[nodiscard]] std::string errorBody(const FunctionError& error);

class RuntimeApi {
 public:
  virtual ~RuntimeApi() = default;
  // Blocks until the next invocation (no total timeout: the sandbox is frozen in between).
  // Errors: Network (the API cannot be reached), Remote (an HTTP status other than 200; a 500
  // means the runtime must exit), InvalidInput (no request id).
  [[nodiscard]] virtual Result<Invocation> next() = 0;
  // Errors: InvalidInput (413: the body is too large), Remote (any other status but 202),
  // Network.
  [[nodiscard]] virtual Status respond(const std::string& request_id, const std::string& body) = 0;
  [[nodiscard]] virtual Status fail(const std::string& request_id, const FunctionError& error) = 0;
  [[nodiscard]] virtual Status initError(const FunctionError& error) = 0;
};

// Reads the /next response: headers and body into an Invocation. InvalidInput when the request
// id is missing or the deadline is not a number.
[[nodiscard]] Result<Invocation> parseNext(const http::Response& response);

class HttpRuntimeApi final : public RuntimeApi {
 public:
  // `address` is $AWS_LAMBDA_RUNTIME_API: host:port, no scheme. The transport must not use a
  // proxy (the API is on loopback).
  HttpRuntimeApi(http::HttpTransport& transport, const std::string& address);

  [[nodiscard]] Result<Invocation> next() override;
  [[nodiscard]] Status respond(const std::string& request_id, const std::string& body) override;
  [[nodiscard]] Status fail(const std::string& request_id, const FunctionError& error) override;
  [[nodiscard]] Status initError(const FunctionError& error) override;

 private:
  [[nodiscard]] Status post(const std::string& path, std::string body,
                            const std::string& error_type);

  http::HttpTransport& transport_;
  std::string base_;  // http://host:port/2018-06-01
};

// A request id as it may appear in a URL path: letters, digits and -_. only (InvalidInput).
[[nodiscard]] Status checkRequestId(const std::string& request_id);

}  // namespace trailwall::lambda
