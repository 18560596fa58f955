#include "http/ca_index.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace trailwall::http {
namespace {

// Certificates made by the openssl command line, one per subject, concatenated into a bundle.
class CaIndexTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("trailwall-ca-index-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string makeCertificate(const std::string& cn) {
    const auto pem = dir_ / (cn + ".pem");
    const std::string cmd =
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
        "-days 1 -subj /CN=" +
        cn + " -keyout " + (dir_ / (cn + ".key")).string() + " -out " + pem.string() +
        " >/dev/null 2>&1";
    EXPECT_EQ(std::system(cmd.c_str()), 0);
    std::ifstream in(pem);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
  }
  std::filesystem::path dir_;
};

TEST_F(CaIndexTest, SplitsABundleAndFindsEachCertificateBySubjectHash) {
  const std::string bundle = "# a comment line, as system bundles have\n" + makeCertificate("one") +
                             "\n" + makeCertificate("two") + makeCertificate("three");
  const auto ders = pemCertificates(bundle);
  ASSERT_EQ(ders.size(), 3u);
  for (const auto& der : ders) {
    const auto subject = certificateSubject(der);
    ASSERT_TRUE(subject.has_value());
  }
  auto index = CaIndex::fromPem(bundle, "test bundle");
  ASSERT_TRUE(index) << to_string(index.error());
  EXPECT_EQ((*index)->size(), 3u);
}

TEST(CaIndex, TextWithoutCertificatesIsInvalidInput) {
  auto index = CaIndex::fromPem("no certificate here", "x.pem");
  ASSERT_FALSE(index);
  EXPECT_EQ(index.error().code, ErrorCode::InvalidInput);
  EXPECT_NE(index.error().message.find("x.pem"), std::string::npos);
}

TEST(CaIndex, SubjectOfBytesThatAreNoCertificateIsNone) {
  EXPECT_FALSE(certificateSubject("").has_value());
  EXPECT_FALSE(certificateSubject(std::string("\x30\x82\xff\xff", 4)).has_value());
  EXPECT_FALSE(certificateSubject(std::string("\x30\x03\x02\x01\x01", 5)).has_value());
}

}  // namespace
}  // namespace trailwall::http
