#include "http/url.h"

#include <gtest/gtest.h>

namespace trailwall::http {
namespace {

TEST(Url, SplitsSchemeHostPortPathAndQuery) {
  auto u = parseUrl("HTTP://127.0.0.1:5000/a/b?x=1&y=2#frag");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->scheme, "http");
  EXPECT_EQ(u->host, "127.0.0.1");
  EXPECT_EQ(u->port, 5000);
  EXPECT_EQ(u->path, "/a/b");
  EXPECT_EQ(u->query, "x=1&y=2");
  EXPECT_EQ(u->hostHeader(), "127.0.0.1:5000");
  EXPECT_EQ(u->origin(), "http://127.0.0.1:5000");
}

TEST(Url, DefaultPortIsLeftOutOfTheHostHeaderAndPathDefaultsToSlash) {
  auto u = parseUrl("https://ec2.us-east-1.amazonaws.com:443?Action=X");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->path, "/");
  EXPECT_EQ(u->query, "Action=X");
  EXPECT_EQ(u->hostHeader(), "ec2.us-east-1.amazonaws.com");
}

TEST(Url, Ipv6LiteralsKeepTheirBrackets) {
  auto u = parseUrl("http://[fd00:ec2::23]:8080/creds");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "fd00:ec2::23");
  EXPECT_EQ(u->hostHeader(), "[fd00:ec2::23]:8080");
}

TEST(Url, RejectsWhatItCannotUse) {
  EXPECT_FALSE(parseUrl("ftp://host/"));
  EXPECT_FALSE(parseUrl("host/path"));
  EXPECT_FALSE(parseUrl("http:///path"));
  EXPECT_FALSE(parseUrl("http://host:99999/"));
  EXPECT_FALSE(parseUrl("http://host:12ab/"));
  EXPECT_FALSE(parseUrl("http://user:pw@host/"));
}

TEST(PercentEncoding, KeepsUnreservedAndEncodesEverythingElseUppercase) {
  EXPECT_EQ(percentEncode("aZ09-_.~"), "aZ09-_.~");
  EXPECT_EQ(percentEncode("a b/c+=&"), "a%20b%2Fc%2B%3D%26");
  EXPECT_EQ(percentEncode("a b/c", true), "a%20b/c");
  EXPECT_EQ(percentEncode("\xE1\x88\xB4"), "%E1%88%B4");
}

TEST(PercentEncoding, DecodeInvertsEncodeAndKeepsBadEscapes) {
  EXPECT_EQ(percentDecode(percentEncode("x y/\xE1\x88\xB4")), "x y/\xE1\x88\xB4");
  EXPECT_EQ(percentDecode("%zz%4"), "%zz%4");
  EXPECT_EQ(percentDecode("a+b"), "a+b");
}

TEST(FormEncode, EncodesNamesAndValuesInOrder) {
  EXPECT_EQ(formEncode({{"Action", "DescribeVpcs"}, {"Filter.1.Name", "vpc-id"}, {"v", "a b"}}),
            "Action=DescribeVpcs&Filter.1.Name=vpc-id&v=a%20b");
}

}  // namespace
}  // namespace trailwall::http
