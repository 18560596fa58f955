// Every case of the AWS SigV4 test suite (shared/reference/sigv4-test-suite): the canonical
// request, the string to sign and the Authorization header, each compared with the files.
#include "aws/sigv4.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "http/url.h"
#include "support/files.h"

namespace trailwall::aws {
namespace {

namespace fs = std::filesystem;

const fs::path kSuite = fs::path(TRAILWALL_SHARED_DIR) / "reference" / "sigv4-test-suite";
constexpr std::string_view kAccessKey = "AKIDEXAMPLE";
constexpr std::string_view kSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

using ::trailwall::test::readFile;

struct SuiteRequest {
  std::string method;
  std::string target;  // path?query as written
  http::Headers headers;
  std::string body;
};

// The .req format: request line, Name:value headers (folded lines continue a value), a blank
// line, the body. The target may hold spaces, so the protocol is cut from the end.
SuiteRequest parseReq(const std::string& text) {
  SuiteRequest r;
  std::size_t pos = text.find('\n');
  const std::string line = text.substr(0, pos);
  r.method = line.substr(0, line.find(' '));
  r.target = line.substr(r.method.size() + 1, line.rfind(" HTTP/") - r.method.size() - 1);
  while (pos != std::string::npos && pos < text.size()) {
    const std::size_t start = pos + 1;
    const std::size_t end = text.find('\n', start);
    const std::string h = text.substr(start, end == std::string::npos ? end : end - start);
    pos = end;
    if (h.empty()) {
      r.body = end == std::string::npos ? "" : text.substr(end + 1);
      break;
    }
    if ((h[0] == ' ' || h[0] == '\t') && !r.headers.empty()) {
      r.headers.back().second += "\n" + h;
      continue;
    }
    const auto colon = h.find(':');
    r.headers.emplace_back(h.substr(0, colon), h.substr(colon + 1));
  }
  return r;
}

std::vector<fs::path> suiteCases() {
  std::vector<fs::path> cases;
  for (const auto& entry : fs::recursive_directory_iterator(kSuite)) {
    if (entry.path().extension() == ".req") {
      cases.push_back(entry.path().parent_path() / entry.path().stem());
    }
  }
  std::ranges::sort(cases);
  return cases;
}

std::string tokenFrom(const std::string& creq) {
  const std::string key = "\nx-amz-security-token:";
  const auto at = creq.find(key);
  if (at == std::string::npos) {
    return "";
  }
  const auto start = at + key.size();
  return creq.substr(start, creq.find('\n', start) - start);
}

SigningParams suiteParams() {
  SigningParams p;
  p.region = "us-east-1";
  p.service = "service";
  p.time = std::chrono::sys_days(std::chrono::year_month_day(
               std::chrono::year(2015), std::chrono::month(8), std::chrono::day(30))) +
           std::chrono::hours(12) + std::chrono::minutes(36);
  return p;
}

class SigV4Suite : public ::testing::TestWithParam<fs::path> {};

TEST_P(SigV4Suite, EachStepMatchesTheSuite) {
  const fs::path base = GetParam();
  const auto file = [&](std::string_view ext) {
    return readFile(base.string() + std::string(ext));
  };
  const SuiteRequest req = parseReq(file(".req"));
  const std::string creq = file(".creq");
  const std::string sts = file(".sts");
  const std::string authz = file(".authz");
  const std::string token = tokenFrom(creq);
  const SigningParams params = suiteParams();

  // The pure steps.
  http::Headers headers = req.headers;
  if (!token.empty() && req.headers.end() == std::ranges::find_if(req.headers, [](auto& h) {
                          return h.first == "X-Amz-Security-Token";
                        })) {
    headers.emplace_back("X-Amz-Security-Token", token);
  }
  const auto q = req.target.find('?');
  const std::string path = req.target.substr(0, q);
  const std::string query = q == std::string::npos ? "" : req.target.substr(q + 1);
  const std::string canonical =
      canonicalRequest(req.method, canonicalUri(path, false), canonicalQuery(query),
                       canonicalHeaders(headers), sha256Hex(req.body));
  EXPECT_EQ(canonical, creq);
  const std::string scope = credentialScope("20150830", params.region, params.service);
  const std::string to_sign = stringToSign("20150830T123600Z", scope, canonical);
  EXPECT_EQ(to_sign, sts);
  const auto key = signingKey(kSecret, "20150830", params.region, params.service);
  EXPECT_EQ(authorizationHeader(kAccessKey, scope, canonicalHeaders(headers).signed_headers,
                                signatureHex(key, to_sign)),
            authz);

  // The whole signer on a request as the clients build it.
  http::Request request{
      req.method, "https://example.amazonaws.com" + req.target, req.headers, req.body, {}};
  Credentials credentials{std::string(kAccessKey), std::string(kSecret), token, {}, "suite"};
  auto parts = signRequest(request, credentials, params);
  ASSERT_TRUE(parts) << to_string(parts.error());
  EXPECT_EQ(parts->canonical_request, creq);
  EXPECT_EQ(parts->string_to_sign, sts);
  EXPECT_EQ(parts->authorization, authz);
  int authorization_headers = 0;
  for (const auto& [name, value] : request.headers) {
    if (name == "Authorization") {
      ++authorization_headers;
      EXPECT_EQ(value, authz);
    }
  }
  EXPECT_EQ(authorization_headers, 1);
}

INSTANTIATE_TEST_SUITE_P(Suite, SigV4Suite, ::testing::ValuesIn(suiteCases()),
                         [](const auto& param_info) {
                           std::string name = param_info.param.filename().string();
                           std::ranges::replace(name, '-', '_');
                           return name;
                         });

TEST(SigV4SuiteFiles, AllThirtyFourCasesArePresent) {
  EXPECT_EQ(suiteCases().size(), 34u);
}

TEST(SigV4, S3KeepsThePathAndSignsThePayloadHash) {
  http::Request request{
      "GET", "https://s3.us-east-1.amazonaws.com/bucket/a//b/../c.json.gz", {}, "", {}};
  SigningParams params = suiteParams();
  params.service = "s3";
  params.s3 = true;
  auto parts = signRequest(request, Credentials{"AKID", "secret", "", {}, ""}, params);
  ASSERT_TRUE(parts);
  EXPECT_NE(parts->canonical_request.find("\n/bucket/a//b/../c.json.gz\n"), std::string::npos);
  EXPECT_NE(parts->canonical_request.find("x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb"),
            std::string::npos);
}

TEST(SigV4, NonS3PathsAreEncodedAgain) {
  EXPECT_EQ(canonicalUri("/a%20b", false), "/a%2520b");
  EXPECT_EQ(canonicalUri("/a%20b", true), "/a%20b");
}

TEST(SigV4, SessionTokenIsSignedAndHostCarriesANonDefaultPort) {
  http::Request request{"POST", "http://127.0.0.1:5000/", {}, "Action=DescribeVpcs", {}};
  auto parts = signRequest(request, Credentials{"AKID", "secret", "tok", {}, ""}, suiteParams());
  ASSERT_TRUE(parts);
  EXPECT_NE(parts->canonical_request.find("host:127.0.0.1:5000\n"), std::string::npos);
  EXPECT_NE(parts->canonical_request.find("x-amz-security-token:tok\n"), std::string::npos);
  EXPECT_NE(parts->authorization.find("SignedHeaders=host;x-amz-date;x-amz-security-token"),
            std::string::npos);
}

TEST(SigV4, DifferentSecretGivesADifferentSignature) {
  http::Request a{"GET", "https://example.amazonaws.com/", {}, "", {}};
  http::Request b = a;
  auto pa = signRequest(a, Credentials{"AKID", "secret1", "", {}, ""}, suiteParams());
  auto pb = signRequest(b, Credentials{"AKID", "secret2", "", {}, ""}, suiteParams());
  ASSERT_TRUE(pa && pb);
  EXPECT_EQ(pa->string_to_sign, pb->string_to_sign);
  EXPECT_NE(pa->authorization, pb->authorization);
}

}  // namespace
}  // namespace trailwall::aws
