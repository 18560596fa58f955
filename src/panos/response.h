#pragma once
// The envelope of every PAN-OS XML API reply (API-NOTES §1): <response status=… code=…> with its
// payload under <result> and messages under <msg>, <msg><line> or <result><msg>. Parsed with
// pugixml because quoting, spacing and attribute order vary between releases and reply kinds.

#include <pugixml.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace trailwall::panos {

// One per action of a multi-config reply: the nested <response status code id>.
struct SubResponse {
  bool success = false;
  std::optional<int> code;
  std::string id;
  std::vector<std::string> messages;
};

class ApiResponse {
 public:
  // Parses a reply body. InvalidInput when it is not XML or its root is not <response>.
  [[nodiscard]] static Result<ApiResponse> parse(std::string_view body);

  [[nodiscard]] bool success() const { return success_; }  // status="success"
  [[nodiscard]] std::optional<int> code() const { return code_; }
  // The message lines in the order pan-python searches them, trimmed; empty lines dropped.
  [[nodiscard]] const std::vector<std::string>& messages() const { return messages_; }
  [[nodiscard]] std::string joinedMessages() const;
  [[nodiscard]] pugi::xml_node root() const { return doc_->document_element(); }
  [[nodiscard]] pugi::xml_node result() const { return root().child("result"); }
  // Nested <response> elements (multi-config), in order.
  [[nodiscard]] std::vector<SubResponse> subResponses() const;

 private:
  explicit ApiResponse(std::shared_ptr<pugi::xml_document> doc);
  std::shared_ptr<pugi::xml_document> doc_;
  bool success_ = false;
  std::optional<int> code_;
  std::vector<std::string> messages_;
};

// The name of a documented PAN-OS API error code (API-NOTES §8.1), e.g. 7 → "object not present".
[[nodiscard]] std::string_view apiCodeName(int code);

// The ErrorCode a device error maps to, from its code and message text.
[[nodiscard]] ErrorCode classifyApiError(std::optional<int> code,
                                         const std::vector<std::string>& messages, int http_status);

// Separates an error's facts from the advice errorFromResponse appends.
inline constexpr std::string_view kAdviceSeparator = " — ";

// The message without the advice errorFromResponse appended (for wrappers that give their own).
[[nodiscard]] std::string_view withoutAdvice(std::string_view message);

// The Error for a failed reply, saying what was attempted (`context`), the device's code and
// messages, and what a person can do about it.
[[nodiscard]] Error errorFromResponse(const ApiResponse& response, int http_status,
                                      std::string_view context);

}  // namespace trailwall::panos
