#pragma once
// The AWS JSON protocol (awsJson1_0 / awsJson1_1): POST / with X-Amz-Target "<prefix>.<Op>"
// and a JSON body. Internal to src/aws: included only from .cpp files, so nlohmann-json stays
// a private dependency.

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

#include "aws/service_client.h"

namespace trailwall::aws::json_protocol {

// Calls `target_prefix.operation` and parses the answer. Errors: those of ServiceClient::call,
// and InvalidInput when a 2xx answer is not a JSON object.
[[nodiscard]] inline Result<nlohmann::json> call(
    ServiceClient& client, std::string_view content_type, std::string_view target_prefix,
    std::string_view operation, const nlohmann::json& body,
    std::optional<std::chrono::milliseconds> timeout = std::nullopt) {
  http::Request request{
      "POST",
      "/",
      {{"Content-Type", std::string(content_type)},
       {"X-Amz-Target", std::string(target_prefix) + "." + std::string(operation)}},
      body.dump(),
      timeout};
  auto response = client.call(std::move(request), operation);
  if (!response) {
    return std::unexpected(response.error());
  }
  auto json = nlohmann::json::parse(response->body, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) {
    return fail(ErrorCode::InvalidInput, std::string(client.service().display_name) + " " +
                                             std::string(operation) +
                                             ": the answer is not a JSON object");
  }
  return json;
}

// The string member `key`, "" when absent or not a string.
[[nodiscard]] inline std::string text(const nlohmann::json& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace trailwall::aws::json_protocol
