#pragma once
// Config locks as a PAN-OS device keeps them (API-NOTES §6.5), for scripted devices in tests:
// one lock per administrator with its comment; adding a lock while any is held fails with the
// device's messages ("You already own a config lock for scope shared", "Config lock is already
// held by X"); removing takes the caller's own lock.

#include <map>
#include <optional>
#include <string>

#include "http/transport.h"
#include "panos/client.h"

namespace trailwall::panos::testing {

// A client of https://fw.example as administrator "trailwall". Not inlined, and the key not a
// one-letter literal: g++ 12 reports a false stringop-overflow otherwise.
[[gnu::noinline]] inline ClientOptions deviceClientOptions() {
  ClientOptions o;
  o.base_url = "https://fw.example";
  o.api_key = "api-key";
  o.admin = "trailwall";
  return o;
}

class LockDevice {
 public:
  // admin → comment of the config locks held.
  std::map<std::string, std::string> locks;
  int adds = 0;
  int removes = 0;
  int shows = 0;

  // The answer when `fields` is a config-lock request or `show config-locks`; nothing otherwise.
  std::optional<http::Response> handle(const std::map<std::string, std::string>& fields,
                                       const std::string& admin) {
    const auto cmd = fields.find("cmd");
    if (cmd == fields.end()) return std::nullopt;
    const std::string& c = cmd->second;
    if (c.starts_with("<show><config-locks")) {
      ++shows;
      std::string body = "<response status=\"success\"><result><config-locks>";
      for (const auto& [holder, comment] : locks) {
        body += "<entry name=\"" + holder +
                "\"><type>shared</type><name>shared</name><created>2026/05/01 10:00:00</created>"
                "<last-activity>2026/05/01 10:00:00</last-activity><loggedin>yes</loggedin>"
                "<comment><![CDATA[" +
                (comment.empty() ? "(null)" : comment) + "]]></comment></entry>";
      }
      return ok(body + "</config-locks></result></response>");
    }
    if (c.starts_with("<request><config-lock><add>")) {
      ++adds;
      if (locks.contains(admin)) {
        return error("You already own a config lock for scope shared");
      }
      if (!locks.empty()) return error("Config lock is already held by " + locks.begin()->first);
      std::string comment;
      const auto open = c.find("<comment>");
      if (open != std::string::npos) {
        const auto start = open + 9;
        comment = c.substr(start, c.find("</comment>") - start);
      }
      locks[admin] = comment;
      return ok(
          "<response status=\"success\"><result>Successfully acquired lock. Other administrators "
          "will not be able to modify configuration until lock is released by " +
          admin + ".</result></response>");
    }
    if (c.starts_with("<request><config-lock><remove")) {
      ++removes;
      if (locks.erase(admin) == 0) return error("Config is not currently locked for scope shared");
      return ok("<response status=\"success\"><result>Config lock released for " + admin +
                "</result></response>");
    }
    return std::nullopt;
  }

 private:
  static http::Response ok(std::string body) { return http::Response{200, {}, std::move(body)}; }
  static http::Response error(const std::string& line) {
    return ok("<response status=\"error\"><msg><line>" + line + "</line></msg></response>");
  }
};

}  // namespace trailwall::panos::testing
