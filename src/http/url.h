#pragma once
// Absolute URLs split into their parts, and RFC 3986 percent-encoding (the form AWS's
// UriEncode uses: unreserved characters A-Z a-z 0-9 - _ . ~ kept, every other byte %XX).

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.h"

namespace trailwall::http {

struct Url {
  std::string scheme;  // lowercase: http or https
  std::string host;    // without brackets for IPv6 literals
  std::optional<int> port;
  std::string path;   // as written, "/" when empty
  std::string query;  // as written, without '?'

  // host[:port] as the Host header wants it: the port only when it is not the scheme default.
  [[nodiscard]] std::string hostHeader() const;
  // scheme://host[:port]
  [[nodiscard]] std::string origin() const;
};

// Errors: InvalidInput when the scheme is not http/https, the host is empty or the port bad.
[[nodiscard]] Result<Url> parseUrl(std::string_view url);

// The URL without its query and fragment, for error messages (a query may carry a signature).
[[nodiscard]] std::string redactedUrl(std::string_view url);

// Percent-encodes every byte outside the unreserved set; '/' too unless keep_slash.
[[nodiscard]] std::string percentEncode(std::string_view text, bool keep_slash = false);
// Decodes %XX escapes (invalid escapes are kept as written); '+' stays '+'.
[[nodiscard]] std::string percentDecode(std::string_view text);

// name=value&name=value with both sides percent-encoded, in the order given.
[[nodiscard]] std::string formEncode(
    const std::vector<std::pair<std::string, std::string>>& params);

}  // namespace trailwall::http
