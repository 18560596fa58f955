#include "aws/sigv4.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <map>
#include <vector>

#include "http/text.h"
#include "http/url.h"

namespace trailwall::aws {

namespace {

using http::toLower;

// Trims and collapses runs of spaces (folded header lines arrive with their newlines).
std::string canonicalValue(std::string_view value) {
  std::string out;
  bool pending_space = false;
  for (const char c : value) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) {
      out.push_back(' ');
      pending_space = false;
    }
    out.push_back(c);
  }
  return out;
}

std::string formatUtc(std::chrono::system_clock::time_point time, const char* format) {
  const std::time_t t = std::chrono::system_clock::to_time_t(time);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[32];
  const std::size_t n = std::strftime(buffer, sizeof buffer, format, &tm);
  return std::string(buffer, n);
}

bool hasHeader(const http::Headers& headers, std::string_view name) {
  return std::ranges::any_of(headers, [&](const auto& h) { return toLower(h.first) == name; });
}

void setHeader(http::Headers& headers, std::string_view name, std::string value) {
  std::erase_if(headers, [&](const auto& h) { return http::equalsIgnoreCase(h.first, name); });
  headers.emplace_back(std::string(name), std::move(value));
}

}  // namespace

std::string hexEncode(const std::uint8_t* data, std::size_t size) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (std::size_t i = 0; i < size; ++i) {
    out.push_back(kHex[data[i] >> 4]);
    out.push_back(kHex[data[i] & 0x0F]);
  }
  return out;
}

std::string sha256Hex(std::string_view data) {
  Digest digest{};
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), digest.data(), &length, EVP_sha256(), nullptr);
  return hexEncode(digest.data(), length);
}

Digest hmacSha256(std::string_view key, std::string_view data) {
  Digest digest{};
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest.data(), &length);
  return digest;
}

std::string amzDate(std::chrono::system_clock::time_point time) {
  return formatUtc(time, "%Y%m%dT%H%M%SZ");
}

std::string amzDay(std::chrono::system_clock::time_point time) {
  return formatUtc(time, "%Y%m%d");
}

std::string normalizePath(std::string_view path) {
  std::vector<std::string_view> segments;
  std::size_t start = 0;
  while (start <= path.size()) {
    const auto slash = path.find('/', start);
    const auto end = slash == std::string_view::npos ? path.size() : slash;
    const auto segment = path.substr(start, end - start);
    if (segment == "..") {
      if (!segments.empty()) {
        segments.pop_back();
      }
    } else if (!segment.empty() && segment != ".") {
      segments.push_back(segment);
    }
    if (slash == std::string_view::npos) {
      break;
    }
    start = slash + 1;
  }
  std::string out;
  for (const auto segment : segments) {
    out.push_back('/');
    out.append(segment);
  }
  // A trailing slash survives ("//example//" → "/example/"), except after a dot segment.
  const bool trailing = path.ends_with('/') && !segments.empty();
  if (out.empty() || trailing) {
    out.push_back('/');
  }
  return out;
}

std::string canonicalUri(std::string_view path, bool s3) {
  if (path.empty()) {
    return "/";
  }
  if (s3) {
    return std::string(path);
  }
  return http::percentEncode(normalizePath(path), /*keep_slash=*/true);
}

std::string canonicalQuery(std::string_view raw_query) {
  std::vector<std::pair<std::string, std::string>> params;
  std::size_t start = 0;
  while (start < raw_query.size()) {
    auto amp = raw_query.find('&', start);
    if (amp == std::string_view::npos) {
      amp = raw_query.size();
    }
    const auto pair = raw_query.substr(start, amp - start);
    if (!pair.empty()) {
      const auto eq = pair.find('=');
      const auto name = pair.substr(0, eq);
      const auto value = eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
      params.emplace_back(http::percentEncode(http::percentDecode(name)),
                          http::percentEncode(http::percentDecode(value)));
    }
    start = amp + 1;
  }
  std::ranges::sort(params);
  std::string out;
  for (const auto& [name, value] : params) {
    if (!out.empty()) {
      out.push_back('&');
    }
    out += name;
    out.push_back('=');
    out += value;
  }
  return out;
}

CanonicalHeaders canonicalHeaders(const http::Headers& headers) {
  std::map<std::string, std::string> joined;
  for (const auto& [name, value] : headers) {
    auto key = toLower(name);
    if (key == "authorization" || key == "user-agent" || key == "expect") {
      continue;
    }
    auto [it, inserted] = joined.try_emplace(std::move(key), canonicalValue(value));
    if (!inserted) {
      it->second.push_back(',');
      it->second += canonicalValue(value);
    }
  }
  CanonicalHeaders out;
  for (const auto& [name, value] : joined) {
    out.block += name + ":" + value + "\n";
    if (!out.signed_headers.empty()) {
      out.signed_headers.push_back(';');
    }
    out.signed_headers += name;
  }
  return out;
}

std::string canonicalRequest(std::string_view method, std::string_view canonical_uri,
                             std::string_view canonical_query, const CanonicalHeaders& headers,
                             std::string_view payload_hash) {
  std::string out;
  out.reserve(256 + headers.block.size());
  out.append(method).push_back('\n');
  out.append(canonical_uri).push_back('\n');
  out.append(canonical_query).push_back('\n');
  out.append(headers.block).push_back('\n');
  out.append(headers.signed_headers).push_back('\n');
  out.append(payload_hash);
  return out;
}

std::string credentialScope(std::string_view day, std::string_view region,
                            std::string_view service) {
  return std::string(day) + "/" + std::string(region) + "/" + std::string(service) +
         "/aws4_request";
}

std::string stringToSign(std::string_view amz_date, std::string_view scope,
                         std::string_view canonical_request) {
  return std::string(kSigV4Algorithm) + "\n" + std::string(amz_date) + "\n" + std::string(scope) +
         "\n" + sha256Hex(canonical_request);
}

Digest signingKey(std::string_view secret_access_key, std::string_view day, std::string_view region,
                  std::string_view service) {
  std::string secret = "AWS4";
  secret.append(secret_access_key);
  const auto as_view = [](const Digest& d) {
    return std::string_view(reinterpret_cast<const char*>(d.data()), d.size());
  };
  const Digest k_date = hmacSha256(secret, day);
  const Digest k_region = hmacSha256(as_view(k_date), region);
  const Digest k_service = hmacSha256(as_view(k_region), service);
  return hmacSha256(as_view(k_service), "aws4_request");
}

std::string signatureHex(const Digest& key, std::string_view string_to_sign) {
  const Digest sig = hmacSha256(
      std::string_view(reinterpret_cast<const char*>(key.data()), key.size()), string_to_sign);
  return hexEncode(sig.data(), sig.size());
}

std::string authorizationHeader(std::string_view access_key_id, std::string_view scope,
                                std::string_view signed_headers, std::string_view signature) {
  return std::string(kSigV4Algorithm) + " Credential=" + std::string(access_key_id) + "/" +
         std::string(scope) + ", SignedHeaders=" + std::string(signed_headers) +
         ", Signature=" + std::string(signature);
}

Result<SignedParts> signRequest(http::Request& request, const Credentials& credentials,
                                const SigningParams& params) {
  auto url = http::parseUrl(request.url);
  if (!url) {
    return std::unexpected(url.error());
  }
  const std::string date = amzDate(params.time);
  const std::string day = date.substr(0, 8);
  if (!hasHeader(request.headers, "host")) {
    request.headers.emplace_back("Host", url->hostHeader());
  }
  setHeader(request.headers, "X-Amz-Date", date);
  if (!credentials.session_token.empty()) {
    setHeader(request.headers, "X-Amz-Security-Token", credentials.session_token);
  }
  std::string payload_hash = sha256Hex(request.body);
  if (params.s3) {
    setHeader(request.headers, "x-amz-content-sha256", payload_hash);
  }
  const CanonicalHeaders headers = canonicalHeaders(request.headers);
  SignedParts parts;
  parts.canonical_request = canonicalRequest(request.method, canonicalUri(url->path, params.s3),
                                             canonicalQuery(url->query), headers, payload_hash);
  const std::string scope = credentialScope(day, params.region, params.service);
  parts.string_to_sign = stringToSign(date, scope, parts.canonical_request);
  const Digest key = signingKey(credentials.secret_access_key, day, params.region, params.service);
  parts.authorization =
      authorizationHeader(credentials.access_key_id, scope, headers.signed_headers,
                          signatureHex(key, parts.string_to_sign));
  setHeader(request.headers, "Authorization", parts.authorization);
  return parts;
}

}  // namespace trailwall::aws
