#include "config/config.h"

#include <gtest/gtest.h>

#include "support/files.h"

#include <fstream>
#include <sstream>

namespace trailwall::config {
namespace {

std::string sampleToml() {
  return test::readFile(test::examplesDir() / "trailwall.toml");
}

std::string errorOf(std::string_view toml, const Environment& env = {}) {
  const auto c = parseConfig(toml, "t.toml", env);
  return c ? "" : c.error().message;
}

TEST(Config, EmptyTextGivesDefaults) {
  const auto c = parseConfig("", "t.toml");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->policy, policy::Options{});
  EXPECT_EQ(c->policy.from_zone, "untrust");
  EXPECT_EQ(c->policy.managed_tag, "trailwall");
  EXPECT_EQ(c->policy.layout, policy::Layout::Group);
  EXPECT_TRUE(c->policy.check_already_allowed);
  EXPECT_TRUE(c->firewall.tls_verify);
  EXPECT_EQ(c->firewall.vsys, "vsys1");
  EXPECT_EQ(c->firewall.api_key.kind, SecretRef::Kind::None);
  EXPECT_TRUE(c->aws.accepts("999999999999", "us-east-1"));
}

TEST(Config, ReadsTheSampleFile) {
  const auto c = parseConfig(sampleToml(), "trailwall.toml");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->policy.bottom_rule, "deny-all");
  EXPECT_EQ(c->policy.profile_group, "default-protect");
  EXPECT_EQ(c->policy.gateway_instance_id, "i-0f1e2d3c4b5a60001");
  EXPECT_EQ(c->policy.gateway_eni_ids, std::vector<std::string>{"eni-0f1e2d3c4b5a60002"});
  const auto* pg = c->policy.app_ids.forPort(net::Protocol::tcp(), 5432);
  ASSERT_NE(pg, nullptr);
  EXPECT_EQ(*pg, policy::Members{"postgres"});
  // Added to the defaults, not instead of them.
  EXPECT_NE(c->policy.app_ids.forPort(net::Protocol::tcp(), 443), nullptr);
  EXPECT_EQ(c->firewall.host, "10.0.0.10");
  EXPECT_EQ(c->firewall.api_key, (SecretRef{SecretRef::Kind::Env, "PA_KEY"}));
  EXPECT_TRUE(c->aws.accepts("111122223333", "eu-central-1"));
  EXPECT_FALSE(c->aws.accepts("111122223333", "us-east-1"));
  EXPECT_FALSE(c->aws.accepts("444455556666", "eu-central-1"));
}

TEST(Config, ReplacingTheAppIdTable) {
  const auto c = parseConfig(R"(
[policy.app_ids]
replace_defaults = true
ports = [{ protocol = "udp", port = 500, applications = ["ike"] }]
protocols = [{ number = 47, applications = ["gre"] }]
icmp_echo = ["ping"]
)",
                             "t.toml");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->policy.app_ids.forPort(net::Protocol::tcp(), 443), nullptr);
  EXPECT_NE(c->policy.app_ids.forPort(net::Protocol::udp(), 500), nullptr);
  EXPECT_NE(c->policy.app_ids.forProtocol(47), nullptr);
  EXPECT_TRUE(c->policy.app_ids.icmp_all.empty());
}

TEST(Config, SecretSources) {
  for (const auto& [text, kind] :
       {std::pair{R"(api_key = { file = "/run/key" })", SecretRef::Kind::File},
        std::pair{R"(api_key = { secretsmanager = "arn:aws:secretsmanager:x" })",
                  SecretRef::Kind::SecretsManager},
        std::pair{R"(api_key = { ssm = "/trailwall/key" })", SecretRef::Kind::Ssm}}) {
    const auto c = parseConfig(std::string("[firewall]\n") + text, "t.toml");
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_EQ(c->firewall.api_key.kind, kind);
  }
  EXPECT_NE(errorOf("[firewall]\napi_key = \"literal-key\"").find("firewall.api_key"),
            std::string::npos);
  EXPECT_NE(errorOf("[firewall]\napi_key = { vault = \"x\" }").find("unknown secret source"),
            std::string::npos);
}

TEST(Config, ErrorsNameFileLineAndKey) {
  EXPECT_EQ(errorOf("[policy]\nlayout = \"zone\"\n"),
            "t.toml:2: policy.layout: unknown layout 'zone' (expected group or instance)");
  EXPECT_EQ(errorOf("[policy]\n\nbottom = \"x\"\n"), "t.toml:3: policy.bottom: unknown key");
  EXPECT_EQ(errorOf("[policy]\ncheck_already_allowed = \"yes\"\n"),
            "t.toml:2: policy.check_already_allowed: expected true or false");
  EXPECT_NE(errorOf("[policy\n").find("t.toml:1:"), std::string::npos);
  EXPECT_NE(errorOf("[polcy]\n").find("polcy: unknown key"), std::string::npos);
  EXPECT_NE(errorOf("[policy.app_ids]\nports = [{ protocol = \"icmp\", port = 1, applications = "
                    "[\"x\"] }]")
                .find("policy.app_ids.ports[0].protocol"),
            std::string::npos);
  EXPECT_NE(errorOf("[policy.app_ids]\nports = [{ protocol = \"tcp\", port = 70000, "
                    "applications = [\"x\"] }]")
                .find("port: expected an integer 0-65535"),
            std::string::npos);
  EXPECT_NE(errorOf("[gateway]\ninstance_id = \"eni-123\"").find("gateway.instance_id"),
            std::string::npos);
  EXPECT_NE(errorOf("[aws]\naccounts = [\"1234\"]").find("12-digit"), std::string::npos);
  EXPECT_NE(errorOf("[policy]\nmanaged_tag = \"\"").find("policy.managed_tag"), std::string::npos);
  EXPECT_NE(errorOf("[policy]\nbottom_rule = \"bad'name\"").find("policy.bottom_rule"),
            std::string::npos);
}

TEST(Config, OriginalLambdaVariablesOverrideTheFile) {
  const Environment env{{"pa_ip", "192.0.2.1"},          {"pa_key", "secret-value"},
                        {"pa_bottom_rule", "cleanup"},   {"pa_zone_untrust", "outside"},
                        {"pa_zone_trust", "inside"},     {"pa_sgp", "strict"},
                        {"igwId", "i-0123456789abcdef0"}};
  const auto c = parseConfig(sampleToml(), "trailwall.toml", env);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->firewall.host, "192.0.2.1");
  // The key is referenced by variable name; its value never enters Config.
  EXPECT_EQ(c->firewall.api_key, (SecretRef{SecretRef::Kind::Env, "pa_key"}));
  EXPECT_EQ(c->policy.bottom_rule, "cleanup");
  EXPECT_EQ(c->policy.from_zone, "outside");
  EXPECT_EQ(c->policy.to_zone, "inside");
  EXPECT_EQ(c->policy.profile_group, "strict");
  EXPECT_EQ(c->policy.gateway_instance_id, "i-0123456789abcdef0");
}

TEST(Config, TrailwallVariablesWinOverOriginalOnes) {
  const Environment env{{"pa_zone_untrust", "outside"},
                        {"TRAILWALL_POLICY_UNTRUST_ZONE", "internet"},
                        {"TRAILWALL_POLICY_LAYOUT", "instance"},
                        {"TRAILWALL_POLICY_CHECK_ALREADY_ALLOWED", "false"},
                        {"TRAILWALL_FIREWALL_TLS_VERIFY", "no"},
                        {"TRAILWALL_GATEWAY_ENI_IDS", "eni-01, eni-02"},
                        {"TRAILWALL_AWS_REGIONS", "us-east-1,eu-west-1"},
                        {"pa_sgp", ""}};  // empty = not set
  const auto c = parseConfig(sampleToml(), "trailwall.toml", env);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->policy.from_zone, "internet");
  EXPECT_EQ(c->policy.layout, policy::Layout::Instance);
  EXPECT_FALSE(c->policy.check_already_allowed);
  EXPECT_FALSE(c->firewall.tls_verify);
  EXPECT_EQ(c->policy.gateway_eni_ids, (std::vector<std::string>{"eni-01", "eni-02"}));
  EXPECT_EQ(c->aws.regions, (std::set<std::string>{"eu-west-1", "us-east-1"}));
  EXPECT_EQ(c->policy.profile_group, "default-protect");
  EXPECT_NE(errorOf("", {{"TRAILWALL_FIREWALL_TLS_VERIFY", "maybe"}})
                .find("TRAILWALL_FIREWALL_TLS_VERIFY"),
            std::string::npos);
  EXPECT_NE(errorOf("", {{"TRAILWALL_POLICY_LAYOUT", "x"}}).find("TRAILWALL_POLICY_LAYOUT"),
            std::string::npos);
}

TEST(Config, EveryKeyCanComeFromTheEnvironment) {
  const Environment env{
      {"TRAILWALL_POLICY_BOTTOM_RULE", "100"},  // a name that looks like a number stays a name
      {"TRAILWALL_POLICY_APP_IDS",
       R"({ ports = [{ protocol = "tcp", port = 5432, applications = ["postgres"] }] })"},
      {"TRAILWALL_FIREWALL_API_KEY", R"({ ssm = "/trailwall/panos-key" })"},
      {"TRAILWALL_FIREWALL_JOB_POLL_SECONDS", "0.5"},
      {"TRAILWALL_FIREWALL_MAX_POLICY_MATCH_TESTS", "20"},
      {"TRAILWALL_FIREWALL_MULTI_CONFIG", "no"},
      {"TRAILWALL_AWS_ROLES", R"({ "111122223333" = "arn:aws:iam::111122223333:role/r" })"},
      {"TRAILWALL_AWS_ACCOUNTS", R"(["111122223333"])"},
  };
  const auto c = parseConfig("", "t.toml", env);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->policy.bottom_rule, "100");
  ASSERT_NE(c->policy.app_ids.forPort(net::Protocol::tcp(), 5432), nullptr);
  EXPECT_EQ(*c->policy.app_ids.forPort(net::Protocol::tcp(), 5432), policy::Members{"postgres"});
  EXPECT_EQ(c->firewall.api_key, (SecretRef{SecretRef::Kind::Ssm, "/trailwall/panos-key"}));
  EXPECT_DOUBLE_EQ(c->firewall.job_poll_seconds, 0.5);
  EXPECT_EQ(c->firewall.max_policy_match_tests, 20);
  EXPECT_FALSE(c->firewall.multi_config);
  EXPECT_EQ(c->aws.roles.at("111122223333"), "arn:aws:iam::111122223333:role/r");
  EXPECT_EQ(c->aws.accounts, std::set<std::string>{"111122223333"});
}

TEST(Config, AnApiKeyInAVariableIsReadFromItByName) {
  const auto c = parseConfig("", "t.toml", {{"TRAILWALL_FIREWALL_API_KEY", "LUFRPT1abc=="}});
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->firewall.api_key, (SecretRef{SecretRef::Kind::Env, "TRAILWALL_FIREWALL_API_KEY"}));
}

TEST(Config, ABadEnvironmentValueNamesTheVariable) {
  const auto error = errorOf("", {{"TRAILWALL_FIREWALL_JOB_POLL_SECONDS", "soon"}});
  EXPECT_NE(error.find("TRAILWALL_FIREWALL_JOB_POLL_SECONDS"), std::string::npos) << error;
  const auto typed = errorOf("", {{"TRAILWALL_FIREWALL_COMMIT_TIMEOUT_SECONDS", "\"10\""}});
  EXPECT_NE(typed.find("environment variable TRAILWALL_FIREWALL_COMMIT_TIMEOUT_SECONDS"),
            std::string::npos)
      << typed;
}

TEST(Config, FirewallOperationKeys) {
  const auto c = parseConfig(R"(
[firewall]
admin = "trailwall-api"
job_poll_seconds = 0.25
commit_timeout_seconds = 120
lock_wait_seconds = 30
lock_poll_seconds = 5
max_policy_match_tests = 50
policy_match_concurrency = 2
multi_config = false
)",
                             "t.toml");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->firewall.admin, "trailwall-api");
  EXPECT_DOUBLE_EQ(c->firewall.job_poll_seconds, 0.25);
  EXPECT_DOUBLE_EQ(c->firewall.commit_timeout_seconds, 120);
  EXPECT_DOUBLE_EQ(c->firewall.lock_wait_seconds, 30);
  EXPECT_DOUBLE_EQ(c->firewall.lock_poll_seconds, 5);
  EXPECT_EQ(c->firewall.max_policy_match_tests, 50);
  EXPECT_EQ(c->firewall.policy_match_concurrency, 2);
  EXPECT_NE(errorOf("[firewall]\npolicy_match_concurrency = 0\n")
                .find("firewall.policy_match_concurrency"),
            std::string::npos);
  EXPECT_FALSE(c->firewall.multi_config);
  EXPECT_NE(errorOf("[firewall]\njob_poll_seconds = 0\n").find("firewall.job_poll_seconds"),
            std::string::npos);
  EXPECT_NE(errorOf("[firewall]\nadmin = \"a'b\"\n").find("firewall.admin"), std::string::npos);
  const auto env = parseConfig("", "t.toml", {{"TRAILWALL_FIREWALL_ADMIN", "svc"}});
  ASSERT_TRUE(env);
  EXPECT_EQ(env->firewall.admin, "svc");
}

TEST(Config, RolesPerAccount) {
  const auto c = parseConfig(R"(
[aws.roles]
"111122223333" = "arn:aws:iam::111122223333:role/trailwall-read"
)",
                             "t.toml");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->aws.roles.at("111122223333"), "arn:aws:iam::111122223333:role/trailwall-read");
  EXPECT_NE(errorOf("[aws.roles]\n\"1\" = \"arn:aws:iam::1:role/x\"\n").find("aws.roles"),
            std::string::npos);
  EXPECT_NE(errorOf("[aws.roles]\n\"111122223333\" = \"role/x\"\n").find("role ARN"),
            std::string::npos);
}

}  // namespace
}  // namespace trailwall::config
