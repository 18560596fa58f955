#include "http/proxy.h"

#include <gtest/gtest.h>

namespace trailwall::http {
namespace {

Url url(const std::string& text) {
  return *parseUrl(text);
}

TEST(NoProxy, MatchesHostsDomainsAddressesAndCidrs) {
  const std::string list = "169.254.169.254, .internal.example, example.org,10.0.0.0/8,[fd00::1]";
  EXPECT_TRUE(bypassesProxy(list, "169.254.169.254"));
  EXPECT_TRUE(bypassesProxy(list, "fw.internal.example"));
  EXPECT_TRUE(bypassesProxy(list, "internal.example"));
  EXPECT_TRUE(bypassesProxy(list, "EXAMPLE.org"));
  EXPECT_TRUE(bypassesProxy(list, "api.example.org"));
  EXPECT_TRUE(bypassesProxy(list, "10.1.2.3"));
  EXPECT_TRUE(bypassesProxy(list, "fd00::1"));
  EXPECT_FALSE(bypassesProxy(list, "badexample.org"));
  EXPECT_FALSE(bypassesProxy(list, "11.0.0.1"));
  EXPECT_FALSE(bypassesProxy(list, "ec2.us-east-1.amazonaws.com"));
  EXPECT_TRUE(bypassesProxy("*", "anything"));
  EXPECT_FALSE(bypassesProxy("", "anything"));
}

TEST(ProxyFor, ChoosesBySchemeAndHonoursNoProxy) {
  ProxySettings settings;
  settings.http_proxy = "http://proxy.local:3128";
  settings.https_proxy = "tls-proxy.local:8080";
  settings.no_proxy = "fw.local";
  auto plain = proxyFor(settings, url("http://ec2.amazonaws.com/"));
  ASSERT_TRUE(plain && *plain);
  EXPECT_EQ((*plain)->address(), "proxy.local:3128");
  auto tls = proxyFor(settings, url("https://ec2.amazonaws.com/"));
  ASSERT_TRUE(tls && *tls);
  EXPECT_EQ((*tls)->address(), "tls-proxy.local:8080");
  auto direct = proxyFor(settings, url("https://fw.local/api/"));
  ASSERT_TRUE(direct);
  EXPECT_FALSE(*direct);
}

TEST(ProxyFor, UserInfoBecomesBasicAuthorizationAndThePortDefaultsTo1080) {
  ProxySettings settings;
  settings.https_proxy = "http://user%40corp:p%3Ass@proxy.local";
  auto p = proxyFor(settings, url("https://sqs.amazonaws.com/"));
  ASSERT_TRUE(p && *p);
  EXPECT_EQ((*p)->port, 1080);
  EXPECT_EQ((*p)->host, "proxy.local");
  EXPECT_EQ((*p)->authorization, "Basic dXNlckBjb3JwOnA6c3M=");  // user@corp:p:ss
}

TEST(ProxyFor, UnsupportedSchemeIsInvalidInput) {
  ProxySettings settings;
  settings.https_proxy = "socks5://proxy.local:1080";
  auto p = proxyFor(settings, url("https://sqs.amazonaws.com/"));
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code, ErrorCode::InvalidInput);
}

}  // namespace
}  // namespace trailwall::http
