#pragma once
// Reply bodies and request pieces every API area of the simulator shares: the device's
// envelopes (error lines, op results, 400 and 403 replies), its time formats and the cmd
// parameter parsed as XML. Shapes follow shared/reference/panos/ (files named where used).

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <pugixml.hpp>

#include "simulator.h"

namespace trailwall::panossim {

using SysTime = std::chrono::system_clock::time_point;

// strftime in UTC.
[[nodiscard]] std::string formatTime(SysTime t, const char* format);
// YYYY/MM/DD HH:MM:SS (UTC), the device's timestamps in jobs, locks and the journal.
[[nodiscard]] std::string dateTime(SysTime t);

// HTTP 200, the XML body as given.
[[nodiscard]] ApiResponse xmlReply(std::string body);
// HTTP 403 "Invalid Credential" with the device's 97-byte body.
[[nodiscard]] ApiResponse invalidCredential();
// HTTP 400 with a code-400 body (missing or illegal parameter).
[[nodiscard]] ApiResponse badRequest(const std::string& message);
// <response status="error" [code="N"]><msg><line>…</line>…</msg></response>.
[[nodiscard]] ApiResponse errorLines(std::optional<int> code, const std::vector<std::string>& lines,
                                     bool as_cdata);
// <response status="success"><result>INNER</result></response>.
[[nodiscard]] ApiResponse opResult(const std::string& inner);

// The cmd parameter as XML into `doc`, or the device's error for a missing or malformed one.
[[nodiscard]] std::optional<ApiResponse> parseCmd(const std::string* cmd, pugi::xml_document& doc);

}  // namespace trailwall::panossim
