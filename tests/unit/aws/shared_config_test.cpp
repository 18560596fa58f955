#include "aws/shared_config.h"

#include <gtest/gtest.h>

namespace trailwall::aws {
namespace {

constexpr std::string_view kConfig = R"ini(
# comment
[default]
region = eu-west-1
endpoint_url = http://global.example:1

[profile  moto]
region=us-east-2
services = local
; another comment
[services local]
ec2 =
  endpoint_url = http://127.0.0.1:5000/
secrets_manager =
  endpoint_url = http://127.0.0.1:5001

[profile ignoring]
endpoint_url = http://global.example:1
ignore_configured_endpoint_urls = true
)ini";

constexpr std::string_view kCredentials = R"ini(
[default]
aws_access_key_id = AKIDDEFAULT
aws_secret_access_key = secretdefault
[moto]
aws_access_key_id=AKIDMOTO
aws_secret_access_key=secretmoto
)ini";

SharedConfig config() {
  auto c = SharedConfig::parse(kConfig, kCredentials);
  EXPECT_TRUE(c) << to_string(c.error());
  return *c;
}

TEST(Ini, ParsesSectionsValuesAndIndentedSubProperties) {
  auto ini = parseIni(kConfig, "test");
  ASSERT_TRUE(ini);
  EXPECT_EQ(ini->at("default").get("region"), "eu-west-1");
  EXPECT_EQ(ini->at("profile moto").get("region"), "us-east-2");
  EXPECT_EQ(ini->at("services local").sub.at("ec2").at("endpoint_url"), "http://127.0.0.1:5000/");
}

TEST(Ini, MalformedLineNamesTheLine) {
  auto ini = parseIni("[a]\nkey value\n", "myfile");
  ASSERT_FALSE(ini);
  EXPECT_EQ(ini.error().code, ErrorCode::InvalidInput);
  EXPECT_NE(ini.error().message.find("myfile line 2"), std::string::npos);
}

TEST(SharedConfig, ProfileMergesConfigAndCredentialsFiles) {
  auto p = config().profile("moto");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->get("region"), "us-east-2");
  EXPECT_EQ(p->get("aws_access_key_id"), "AKIDMOTO");
  EXPECT_FALSE(config().profile("absent"));
}

TEST(Region, EnvironmentBeatsProfile) {
  MapEnvironment env;
  EXPECT_EQ(resolveRegion(env, config()), "eu-west-1");
  env.set("AWS_PROFILE", "moto");
  EXPECT_EQ(resolveRegion(env, config()), "us-east-2");
  env.set("AWS_DEFAULT_REGION", "ap-south-1");
  EXPECT_EQ(resolveRegion(env, config()), "ap-south-1");
  env.set("AWS_REGION", "sa-east-1");
  EXPECT_EQ(resolveRegion(env, config()), "sa-east-1");
  EXPECT_FALSE(resolveRegion(MapEnvironment{}, *SharedConfig::parse("", "")));
}

TEST(Endpoint, DefaultIsThePublicRegionalEndpoint) {
  const auto empty = *SharedConfig::parse("", "");
  MapEnvironment env;
  EXPECT_EQ(resolveEndpoint(kEc2, "us-east-1", env, empty), "https://ec2.us-east-1.amazonaws.com");
  EXPECT_EQ(resolveEndpoint(kSecretsManager, "eu-west-1", env, empty),
            "https://secretsmanager.eu-west-1.amazonaws.com");
  EXPECT_EQ(resolveEndpoint(kSts, "cn-north-1", env, empty),
            "https://sts.cn-north-1.amazonaws.com.cn");
}

TEST(Endpoint, PrecedenceIsServiceEnvGlobalEnvServicesSectionProfile) {
  MapEnvironment env{{{"AWS_PROFILE", "moto"}}};
  const auto c = config();
  // [services local] for ec2 and secrets_manager; sqs has none there and the profile has no
  // endpoint_url, so it gets the public endpoint.
  EXPECT_EQ(resolveEndpoint(kEc2, "us-east-2", env, c), "http://127.0.0.1:5000");
  EXPECT_EQ(resolveEndpoint(kSecretsManager, "us-east-2", env, c), "http://127.0.0.1:5001");
  EXPECT_EQ(resolveEndpoint(kSqs, "us-east-2", env, c), "https://sqs.us-east-2.amazonaws.com");
  env.set("AWS_ENDPOINT_URL", "http://localhost:4566");
  EXPECT_EQ(resolveEndpoint(kEc2, "us-east-2", env, c), "http://localhost:4566");
  env.set("AWS_ENDPOINT_URL_EC2", "http://localhost:9999/");
  EXPECT_EQ(resolveEndpoint(kEc2, "us-east-2", env, c), "http://localhost:9999");
  EXPECT_EQ(resolveEndpoint(kSqs, "us-east-2", env, c), "http://localhost:4566");
  env.set("AWS_ENDPOINT_URL_SECRETS_MANAGER", "http://localhost:7");
  EXPECT_EQ(resolveEndpoint(kSecretsManager, "us-east-2", env, c), "http://localhost:7");
}

TEST(Endpoint, ProfileEndpointUrlAppliesToEveryService) {
  MapEnvironment env;  // default profile
  EXPECT_EQ(resolveEndpoint(kSsm, "eu-west-1", env, config()), "http://global.example:1");
}

TEST(Endpoint, IgnoreConfiguredEndpointUrlsWins) {
  MapEnvironment env{{{"AWS_PROFILE", "ignoring"}, {"AWS_ENDPOINT_URL", "http://x:1"}}};
  EXPECT_EQ(resolveEndpoint(kEc2, "us-east-1", env, config()),
            "https://ec2.us-east-1.amazonaws.com");
  MapEnvironment env2{
      {{"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"}, {"AWS_ENDPOINT_URL_EC2", "http://x:1"}}};
  EXPECT_EQ(resolveEndpoint(kEc2, "us-east-1", env2, config()),
            "https://ec2.us-east-1.amazonaws.com");
}

}  // namespace
}  // namespace trailwall::aws
