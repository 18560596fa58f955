#include "http/url.h"

#include "http/text.h"

#include "common/percent.h"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace trailwall::http {

namespace {

bool isUnreserved(unsigned char c) {
  return std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~';
}

}  // namespace

namespace {

// IPv6 literals go in brackets. (Built by appending: g++ 12 warns falsely on "[" + string.)
std::string bracketed(const std::string& host) {
  if (host.find(':') == std::string::npos) {
    return host;
  }
  std::string out = "[";
  out.append(host).push_back(']');
  return out;
}

}  // namespace

std::string Url::hostHeader() const {
  std::string h = bracketed(host);
  const int default_port = scheme == "https" ? 443 : 80;
  if (port && *port != default_port) {
    h.append(":").append(std::to_string(*port));
  }
  return h;
}

std::string Url::origin() const {
  std::string o = scheme;
  o.append("://").append(bracketed(host));
  if (port) {
    o.append(":").append(std::to_string(*port));
  }
  return o;
}

Result<Url> parseUrl(std::string_view text) {
  Url url;
  const auto sep = text.find("://");
  if (sep == std::string_view::npos) {
    return fail(ErrorCode::InvalidInput, "URL '" + std::string(text) + "' has no scheme");
  }
  url.scheme = std::string(text.substr(0, sep));
  url.scheme = toLower(url.scheme);
  if (url.scheme != "http" && url.scheme != "https") {
    return fail(ErrorCode::InvalidInput, "URL scheme '" + url.scheme + "' is not http or https");
  }
  std::string_view rest = text.substr(sep + 3);
  const auto fragment = rest.find('#');
  rest = rest.substr(0, fragment);
  const auto path_start = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, path_start);
  std::string_view path_and_query =
      path_start == std::string_view::npos ? std::string_view() : rest.substr(path_start);
  if (authority.find('@') != std::string_view::npos) {
    return fail(ErrorCode::InvalidInput, "URLs with user information are not supported");
  }
  std::string_view port_text;
  if (authority.starts_with('[')) {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) {
      return fail(ErrorCode::InvalidInput, "URL has an unterminated IPv6 literal");
    }
    url.host = std::string(authority.substr(1, close - 1));
    const auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (!after.starts_with(':')) {
        return fail(ErrorCode::InvalidInput, "URL has junk after the IPv6 literal");
      }
      port_text = after.substr(1);
    }
  } else {
    const auto colon = authority.rfind(':');
    url.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
    }
  }
  if (url.host.empty()) {
    return fail(ErrorCode::InvalidInput, "URL '" + std::string(text) + "' has no host");
  }
  if (!port_text.empty()) {
    int port = 0;
    const auto [end, ec] =
        std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || port <= 0 ||
        port > 65535) {
      return fail(ErrorCode::InvalidInput, "URL port '" + std::string(port_text) + "' is invalid");
    }
    url.port = port;
  }
  const auto q = path_and_query.find('?');
  url.path = std::string(path_and_query.substr(0, q));
  if (url.path.empty()) {
    url.path = "/";
  }
  if (q != std::string_view::npos) {
    url.query = std::string(path_and_query.substr(q + 1));
  }
  return url;
}

std::string redactedUrl(std::string_view url) {
  return std::string(url.substr(0, url.find_first_of("?#")));
}

std::string percentEncode(std::string_view text, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (isUnreserved(c) || (keep_slash && c == '/')) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0x0F]);
    }
  }
  return out;
}

std::string percentDecode(std::string_view text) {
  return trailwall::percentDecode(text, PlusIs::Plus);
}

std::string formEncode(const std::vector<std::pair<std::string, std::string>>& params) {
  std::string out;
  for (const auto& [name, value] : params) {
    if (!out.empty()) {
      out.push_back('&');
    }
    out += percentEncode(name);
    out.push_back('=');
    out += percentEncode(value);
  }
  return out;
}

}  // namespace trailwall::http
