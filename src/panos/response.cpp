#include "panos/response.h"

#include <algorithm>
#include <array>

#include "panos/xml_util.h"

namespace trailwall::panos {
namespace {

void addLine(std::vector<std::string>& out, std::string_view line) {
  const auto trimmed = trim(line);
  if (!trimmed.empty()) {
    out.emplace_back(trimmed);
  }
}

// Lines of a <msg>: nested <line><line>…</line></line> are flattened.
void addLines(std::vector<std::string>& out, const pugi::xml_node& msg) {
  for (const auto& line : msg.children("line")) {
    bool nested = false;
    for (const auto& inner : line.children("line")) {
      nested = true;
      addLine(out, directText(inner));
    }
    if (!nested) {
      addLine(out, directText(line));
    }
  }
}

// pan-python's search order: msg/line, result/msg/line, result/msg, msg, result/job/details/line,
// then a bare text result (lock replies).
std::vector<std::string> collectMessages(const pugi::xml_node& response) {
  std::vector<std::string> out;
  const auto msg = response.child("msg");
  const auto result = response.child("result");
  const auto result_msg = result.child("msg");
  addLines(out, msg);
  if (out.empty()) {
    addLines(out, result_msg);
  }
  if (out.empty()) {
    addLine(out, directText(result_msg));
  }
  if (out.empty()) {
    addLine(out, directText(msg));
  }
  if (out.empty()) {
    for (const auto& line : result.child("job").child("details").children("line")) {
      addLine(out, directText(line));
    }
  }
  if (out.empty() && !result.first_child().empty() &&
      !result.find_child([](pugi::xml_node n) { return n.type() == pugi::node_element; })) {
    addLine(out, directText(result));
  }
  return out;
}

std::optional<int> parseCode(const pugi::xml_node& node) {
  const auto value = parseInteger(node.attribute("code").value());
  if (!value || *value < 0 || *value > 100000) {
    return std::nullopt;
  }
  return static_cast<int>(*value);
}

bool isSuccess(const pugi::xml_node& node) {
  return trim(node.attribute("status").value()) == "success";
}

bool containsAny(const std::vector<std::string>& messages,
                 std::initializer_list<std::string_view> needles) {
  return std::ranges::any_of(messages, [&](const std::string& m) {
    return std::ranges::any_of(needles,
                               [&](std::string_view n) { return m.find(n) != std::string::npos; });
  });
}

std::string_view hintFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::Auth:
      return "check the firewall API key (or create one with `trailwall keygen`); a key stops "
             "working when its administrator's password changes or the key expires";
    case ErrorCode::Denied:
      return "the administrator's role lacks this XML API permission (Device > Admin Roles > "
             "XML API)";
    case ErrorCode::Conflict:
      return "another administrator holds a lock or a commit is running; try again later "
             "(trailwall never removes another administrator's lock)";
    case ErrorCode::Timeout: return "the firewall's API session timed out; try again";
    case ErrorCode::Remote:
      return "the firewall reported an internal error; try again, or check its system log";
    default: return {};
  }
}

}  // namespace

ApiResponse::ApiResponse(std::shared_ptr<pugi::xml_document> doc) : doc_(std::move(doc)) {
  const auto response = root();
  success_ = isSuccess(response);
  code_ = parseCode(response);
  messages_ = collectMessages(response);
}

Result<ApiResponse> ApiResponse::parse(std::string_view body) {
  auto doc = std::make_shared<pugi::xml_document>();
  const auto parsed =
      doc->load_buffer(body.data(), body.size(), pugi::parse_default, pugi::encoding_utf8);
  if (!parsed) {
    return fail(ErrorCode::InvalidInput, std::string("the firewall's reply is not XML (") +
                                             parsed.description() + " at offset " +
                                             std::to_string(parsed.offset) + ")");
  }
  if (std::string_view(doc->document_element().name()) != "response") {
    return fail(ErrorCode::InvalidInput,
                std::string("the firewall's reply is not a PAN-OS API <response> (root <") +
                    doc->document_element().name() + ">)");
  }
  return ApiResponse(std::move(doc));
}

std::string ApiResponse::joinedMessages() const {
  std::string joined;
  for (const auto& m : messages_) {
    if (!joined.empty()) {
      joined += "; ";
    }
    joined += m;
  }
  return joined;
}

std::vector<SubResponse> ApiResponse::subResponses() const {
  std::vector<SubResponse> out;
  for (const auto& node : root().children("response")) {
    out.push_back(SubResponse{isSuccess(node), parseCode(node),
                              std::string(trim(node.attribute("id").value())),
                              collectMessages(node)});
  }
  return out;
}

std::string_view apiCodeName(int code) {
  switch (code) {
    case 400: return "bad request";
    case 403: return "forbidden";
    case 1: return "unknown command";
    case 2:
    case 3:
    case 4:
    case 5:
    case 9:
    case 11:
    case 21: return "internal error";
    case 6: return "bad xpath";
    case 7: return "object not present";
    case 8: return "object not unique";
    case 10: return "reference count not zero";
    case 12: return "invalid object";
    case 13: return "operation failed";
    case 14: return "operation not possible";
    case 15: return "operation denied";
    case 16: return "unauthorized";
    case 17: return "invalid command";
    case 18: return "malformed command";
    case 19:
    case 20: return "success";
    case 22: return "session timed out";
    default: return "undocumented code";
  }
}

ErrorCode classifyApiError(std::optional<int> code, const std::vector<std::string>& messages,
                           int http_status) {
  // Message text first: the same code covers different causes (14 = locks held or a no-op move).
  if (containsAny(messages,
                  {"Invalid Credential", "Invalid credentials", "Key Expired", "has expired"})) {
    return ErrorCode::Auth;
  }
  if (containsAny(messages,
                  {"lock is already held", "is currently locked", "already own a config lock",
                   "Configuration is locked", "holding device wide commit locks", "commit locks",
                   "config locks", "commit/validate is in progress", "A commit is in progress",
                   "install is in progress", "Another sync is in progress"})) {
    return ErrorCode::Conflict;
  }
  if (containsAny(messages, {"Session timed out"})) {
    return ErrorCode::Timeout;
  }
  if (containsAny(messages, {"No such node"})) {
    return ErrorCode::NotFound;
  }
  const int effective = code.value_or(http_status >= 400 ? http_status : 0);
  switch (effective) {
    case 403: return ErrorCode::Auth;
    case 400:
    case 6:
    case 8:
    case 12:
    case 17:
    case 18: return ErrorCode::InvalidInput;
    case 1: return ErrorCode::Unsupported;
    case 7: return ErrorCode::NotFound;
    case 10:
    case 14: return ErrorCode::Conflict;
    case 15:
    case 16: return ErrorCode::Denied;
    case 22: return ErrorCode::Timeout;
    default: return ErrorCode::Remote;
  }
}

std::string_view withoutAdvice(std::string_view message) {
  return message.substr(0, message.find(kAdviceSeparator));
}

Error errorFromResponse(const ApiResponse& response, int http_status, std::string_view context) {
  const auto code = response.code();
  const auto kind = classifyApiError(code, response.messages(), http_status);
  std::string message(context);
  message += ": the firewall answered ";
  if (code) {
    message += "error " + std::to_string(*code) + " (" + std::string(apiCodeName(*code)) + ")";
  } else if (http_status >= 400) {
    message += "HTTP " + std::to_string(http_status);
  } else {
    message += "an error";
  }
  const auto text = response.joinedMessages();
  if (!text.empty()) {
    message += ": " + text;
  }
  const auto hint = hintFor(kind);
  if (!hint.empty()) {
    message += kAdviceSeparator;
    message += hint;
  }
  return Error{kind, std::move(message)};
}

}  // namespace trailwall::panos
