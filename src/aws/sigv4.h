#pragma once
// AWS Signature Version 4 for request headers ("Create a signed AWS API request", AWS IAM user
// guide, reference_sigv-create-signed-request). Each step is a free function so the AWS
// test suite can check canonical request, string to sign and authorization separately.

#include <array>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "aws/credentials.h"
#include "common/error.h"
#include "http/transport.h"

namespace trailwall::aws {

inline constexpr std::string_view kSigV4Algorithm = "AWS4-HMAC-SHA256";
// The payload hash S3 accepts instead of hashing the body.
inline constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";

struct SigningParams {
  std::string region;
  std::string service;  // signing name: ec2, s3, sqs, secretsmanager, ssm, sts
  std::chrono::system_clock::time_point time;
  // S3 signs the path as sent and wants x-amz-content-sha256; every other service normalizes
  // the path and encodes it once more.
  bool s3 = false;
};

using Digest = std::array<std::uint8_t, 32>;

[[nodiscard]] std::string hexEncode(const std::uint8_t* data, std::size_t size);
[[nodiscard]] std::string sha256Hex(std::string_view data);
[[nodiscard]] Digest hmacSha256(std::string_view key, std::string_view data);

// 20150830T123600Z and 20150830 (UTC).
[[nodiscard]] std::string amzDate(std::chrono::system_clock::time_point time);
[[nodiscard]] std::string amzDay(std::chrono::system_clock::time_point time);

// Removes "." and ".." segments and repeated slashes, keeping a trailing slash.
[[nodiscard]] std::string normalizePath(std::string_view path);
// The canonical URI: for S3 the path as sent; otherwise normalized and encoded (so an encoded
// path is encoded twice, as AWS requires).
[[nodiscard]] std::string canonicalUri(std::string_view path, bool s3);
// Parameters decoded, re-encoded, sorted by name then value; a name without '=' gets "".
[[nodiscard]] std::string canonicalQuery(std::string_view raw_query);

struct CanonicalHeaders {
  std::string block;           // "name:value\n" per header, lowercase names, sorted
  std::string signed_headers;  // "name;name"
};
// Names lowercased, values trimmed with inner runs of spaces collapsed, repeated names joined
// with ','. Authorization, User-Agent and Expect are never signed.
[[nodiscard]] CanonicalHeaders canonicalHeaders(const http::Headers& headers);

[[nodiscard]] std::string canonicalRequest(std::string_view method, std::string_view canonical_uri,
                                           std::string_view canonical_query,
                                           const CanonicalHeaders& headers,
                                           std::string_view payload_hash);
[[nodiscard]] std::string credentialScope(std::string_view day, std::string_view region,
                                          std::string_view service);
[[nodiscard]] std::string stringToSign(std::string_view amz_date, std::string_view scope,
                                       std::string_view canonical_request);
[[nodiscard]] Digest signingKey(std::string_view secret_access_key, std::string_view day,
                                std::string_view region, std::string_view service);
[[nodiscard]] std::string signatureHex(const Digest& key, std::string_view string_to_sign);
[[nodiscard]] std::string authorizationHeader(std::string_view access_key_id,
                                              std::string_view scope,
                                              std::string_view signed_headers,
                                              std::string_view signature);

struct SignedParts {
  std::string canonical_request;
  std::string string_to_sign;
  std::string authorization;
};

// Signs `request` in place: sets Host (when absent), X-Amz-Date, X-Amz-Security-Token (for
// session credentials), x-amz-content-sha256 (S3) and Authorization. Errors: InvalidInput
// for a URL that cannot be parsed.
[[nodiscard]] Result<SignedParts> signRequest(http::Request& request,
                                              const Credentials& credentials,
                                              const SigningParams& params);

}  // namespace trailwall::aws
