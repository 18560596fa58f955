#include "lambda/runtime_api.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace trailwall::lambda {
namespace {

constexpr std::chrono::seconds kPostTimeout{30};
// GET /next waits for the next event for as long as it takes (the sandbox may be frozen for
// hours in between): no total timeout, in practice.
constexpr std::chrono::hours kNextTimeout{24 * 365};

Error statusError(std::string_view what, const http::Response& response) {
  std::string body = response.body.substr(0, 300);
  std::replace(body.begin(), body.end(), '\n', ' ');
  return Error{ErrorCode::Remote, fmt::format("Runtime API {}: HTTP {}{}{}", what, response.status,
                                              body.empty() ? "" : " ", body)};
}

}  // namespace

std::string errorBody(const FunctionError& error) {
  nlohmann::json body = {{"errorMessage", error.message},
                         {"errorType", error.type},
                         {"stackTrace", nlohmann::json::array()}};
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Status checkRequestId(const std::string& request_id) {
  const bool ok =
      !request_id.empty() && request_id.size() <= 128 &&
      std::ranges::all_of(request_id, [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_' || c == '.';
      });
  if (!ok) {
    return fail(ErrorCode::InvalidInput,
                fmt::format("Runtime API: request id '{}' is not letters, digits, '-', '_' "
                            "and '.'",
                            request_id.substr(0, 128)));
  }
  return {};
}

Result<Invocation> parseNext(const http::Response& response) {
  Invocation invocation;
  const auto id = response.header("Lambda-Runtime-Aws-Request-Id");
  if (!id || id->empty()) {
    return fail(ErrorCode::InvalidInput,
                "Runtime API next: no Lambda-Runtime-Aws-Request-Id header");
  }
  invocation.request_id = std::string(*id);
  if (auto ok = checkRequestId(invocation.request_id); !ok) return std::unexpected(ok.error());
  if (const auto deadline = response.header("Lambda-Runtime-Deadline-Ms")) {
    long long ms = 0;
    const auto* end = deadline->data() + deadline->size();
    const auto [ptr, ec] = std::from_chars(deadline->data(), end, ms);
    if (ec != std::errc{} || ptr != end || ms <= 0) {
      return fail(ErrorCode::InvalidInput,
                  fmt::format("Runtime API next: Lambda-Runtime-Deadline-Ms '{}' is not a time "
                              "in milliseconds",
                              *deadline));
    }
    invocation.deadline = std::chrono::system_clock::time_point(std::chrono::milliseconds(ms));
  }
  invocation.function_arn =
      std::string(response.header("Lambda-Runtime-Invoked-Function-Arn").value_or(""));
  invocation.trace_id = std::string(response.header("Lambda-Runtime-Trace-Id").value_or(""));
  invocation.body = response.body;
  return invocation;
}

HttpRuntimeApi::HttpRuntimeApi(http::HttpTransport& transport, const std::string& address)
    : transport_(transport), base_("http://" + address + "/2018-06-01") {}

Result<Invocation> HttpRuntimeApi::next() {
  http::Request request;
  request.method = "GET";
  request.url = base_ + "/runtime/invocation/next";
  request.timeout = kNextTimeout;
  auto response = transport_.send(request);
  if (!response) return std::unexpected(response.error().withContext("Runtime API next"));
  if (response->status != 200) return std::unexpected(statusError("next", *response));
  return parseNext(*response);
}

Status HttpRuntimeApi::post(const std::string& path, std::string body,
                            const std::string& error_type) {
  http::Request request;
  request.method = "POST";
  request.url = base_ + path;
  request.body = std::move(body);
  request.timeout = kPostTimeout;
  request.headers.emplace_back("Content-Type", "application/json");
  if (!error_type.empty()) {
    request.headers.emplace_back("Lambda-Runtime-Function-Error-Type", error_type);
  }
  auto response = transport_.send(request);
  if (!response) return std::unexpected(response.error().withContext("Runtime API " + path));
  if (response->status == 413) {
    auto error = statusError(path, *response);
    error.code = ErrorCode::InvalidInput;  // the body is too large: a smaller one may pass
    return std::unexpected(error);
  }
  if (response->status != 202) return std::unexpected(statusError(path, *response));
  return {};
}

Status HttpRuntimeApi::respond(const std::string& request_id, const std::string& body) {
  if (auto ok = checkRequestId(request_id); !ok) return ok;
  return post("/runtime/invocation/" + request_id + "/response", body, "");
}

Status HttpRuntimeApi::fail(const std::string& request_id, const FunctionError& error) {
  if (auto ok = checkRequestId(request_id); !ok) return ok;
  return post("/runtime/invocation/" + request_id + "/error", errorBody(error), error.type);
}

Status HttpRuntimeApi::initError(const FunctionError& error) {
  return post("/runtime/init/error", errorBody(error), error.type);
}

}  // namespace trailwall::lambda
