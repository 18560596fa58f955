#include "cli/ca_bundle.h"

#include <set>

#include <gtest/gtest.h>

namespace trailwall::cli {
namespace {

class CaBundleTest : public ::testing::Test {
 protected:
  Result<std::string> find(std::optional<std::string> configured = std::nullopt) {
    return findCaBundle(configured, "firewall.ca_bundle", env_,
                        [this](const std::string& path) { return files_.contains(path); });
  }
  aws::MapEnvironment env_;
  std::set<std::string> files_;
};

TEST_F(CaBundleTest, TheConfiguredBundleWins) {
  files_ = {"/etc/trailwall/ca.pem", "/etc/ssl/certs/ca-certificates.crt"};
  env_.set("SSL_CERT_FILE", "/etc/ssl/certs/ca-certificates.crt");
  EXPECT_EQ(find("/etc/trailwall/ca.pem"), "/etc/trailwall/ca.pem");
}

TEST_F(CaBundleTest, AConfiguredBundleThatIsMissingIsAnErrorNotAFallback) {
  files_ = {"/etc/ssl/certs/ca-certificates.crt"};
  const auto found = find("/etc/trailwall/ca.pem");
  ASSERT_FALSE(found.has_value());
  EXPECT_EQ(found.error().code, ErrorCode::NotFound);
  EXPECT_EQ(found.error().message,
            "firewall.ca_bundle: CA bundle /etc/trailwall/ca.pem does not exist");
}

TEST_F(CaBundleTest, SslCertFileComesNext) {
  files_ = {"/tmp/bundle.pem", "/etc/pki/tls/certs/ca-bundle.crt"};
  env_.set("SSL_CERT_FILE", "/tmp/bundle.pem");
  EXPECT_EQ(find(), "/tmp/bundle.pem");
  env_.set("SSL_CERT_FILE", "/tmp/missing.pem");
  EXPECT_EQ(find().error().message, "SSL_CERT_FILE: CA bundle /tmp/missing.pem does not exist");
}

TEST_F(CaBundleTest, AmazonLinuxsPathIsTriedBeforeDebians) {
  files_ = {"/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/certs/ca-certificates.crt"};
  EXPECT_EQ(find(), "/etc/pki/tls/certs/ca-bundle.crt");
  files_ = {"/etc/ssl/certs/ca-certificates.crt"};
  EXPECT_EQ(find(), "/etc/ssl/certs/ca-certificates.crt");
}

TEST_F(CaBundleTest, NoBundleAnywhereIsAClearError) {
  const auto found = find();
  ASSERT_FALSE(found.has_value());
  EXPECT_EQ(found.error().message,
            "no CA bundle to verify TLS with: set firewall.ca_bundle or SSL_CERT_FILE, or install "
            "one at /etc/pki/tls/certs/ca-bundle.crt, /etc/ssl/certs/ca-certificates.crt, "
            "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem, /etc/ssl/ca-bundle.pem, "
            "/etc/ssl/cert.pem");
}

}  // namespace
}  // namespace trailwall::cli
