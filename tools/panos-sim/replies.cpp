#include "replies.h"

#include <ctime>

#include "xml_text.h"

namespace trailwall::panossim {

std::string formatTime(SysTime t, const char* format) {
  const std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[64];
  const std::size_t n = std::strftime(buf, sizeof buf, format, &tm);
  return std::string(buf, n);
}

std::string dateTime(SysTime t) {
  return formatTime(t, "%Y/%m/%d %H:%M:%S");
}

ApiResponse xmlReply(std::string body) {
  ApiResponse r;
  r.body = std::move(body);
  return r;
}

// Reference error-403-invalid-credential.xml and the terraform-templates #29 HTTP trace.
ApiResponse invalidCredential() {
  ApiResponse r;
  r.http_status = 403;
  r.reason = "Invalid Credential";
  r.body =
      "<response status = 'error' code = '403'><result><msg>Invalid "
      "Credential</msg></result></response>";
  return r;
}

// Code 400 in the shape of reference error-400-export-missing-param.xml; HTTP 400 (ANS:
// "valid XML-API responses can be contained in … 400 Bad Request").
ApiResponse badRequest(const std::string& message) {
  ApiResponse r;
  r.http_status = 400;
  r.body = "<response status = 'error' code = '400'><result><msg>" + escapeXml(message) +
           "</msg></result></response>";
  return r;
}

ApiResponse errorLines(std::optional<int> code, const std::vector<std::string>& lines,
                       bool as_cdata) {
  std::string body = "<response status=\"error\"";
  if (code) {
    body += " code=\"" + std::to_string(*code) + "\"";
  }
  return xmlReply(body + ">" + msgLines(lines, as_cdata) + "</response>");
}

ApiResponse opResult(const std::string& inner) {
  return xmlReply("<response status=\"success\"><result>" + inner + "</result></response>");
}

std::optional<ApiResponse> parseCmd(const std::string* cmd, pugi::xml_document& doc) {
  if (cmd == nullptr) {
    return badRequest("Parameter \"cmd\" is required");
  }
  if (!doc.load_buffer(cmd->data(), cmd->size()) || !doc.document_element()) {
    return errorLines(18, {" Malformed Request"}, true);
  }
  return std::nullopt;
}

}  // namespace trailwall::panossim
