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

TEST(Config, PanoramaDeviceGroupRulebaseAndPush) {
  const auto defaults = parseConfig("", "t.toml");
  ASSERT_TRUE(defaults);
  EXPECT_EQ(defaults->firewall.device_group, "");
  EXPECT_EQ(defaults->firewall.rulebase, "pre");
  EXPECT_EQ(defaults->firewall.push, "auto");
  const auto c = parseConfig(
      "[firewall]\nhost = \"panorama.example.com\"\ndevice_group = \"dg1\"\nrulebase = "
      "\"post\"\npush = \"never\"\ndevice_hosts = [\"fw1.example.com\", \"10.0.0.2:8443\"]\n",
      "t.toml");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->firewall.device_group, "dg1");
  EXPECT_EQ(c->firewall.rulebase, "post");
  EXPECT_EQ(c->firewall.push, "never");
  EXPECT_EQ(c->firewall.device_hosts,
            (std::vector<std::string>{"fw1.example.com", "10.0.0.2:8443"}));
  const auto env = parseConfig("", "t.toml",
                               {{"TRAILWALL_FIREWALL_DEVICE_GROUP", "dg2"},
                                {"TRAILWALL_FIREWALL_PUSH", "always"},
                                {"TRAILWALL_FIREWALL_DEVICE_HOSTS", "a,b"}});
  ASSERT_TRUE(env) << env.error().message;
  EXPECT_EQ(env->firewall.device_group, "dg2");
  EXPECT_EQ(env->firewall.push, "always");
  EXPECT_EQ(env->firewall.device_hosts, (std::vector<std::string>{"a", "b"}));
}

TEST(Config, PanoramaKeysAreChecked) {
  EXPECT_NE(errorOf("[firewall]\ndevice_group = \"shared\"").find("firewall.device_group"),
            std::string::npos);
  EXPECT_NE(errorOf("[firewall]\ndevice_group = \"" + std::string(64, 'd') + "\"")
                .find("firewall.device_group"),
            std::string::npos);
  EXPECT_NE(
      errorOf("[firewall]\ndevice_group = \"dg\"\nrulebase = \"middle\"").find("firewall.rulebase"),
      std::string::npos);
  EXPECT_NE(
      errorOf("[firewall]\ndevice_group = \"dg\"\npush = \"sometimes\"").find("firewall.push"),
      std::string::npos);
  // Panorama-only keys without a device group say so.
  EXPECT_NE(errorOf("[firewall]\npush = \"never\"").find("set firewall.device_group"),
            std::string::npos);
}

TEST(Config, ErrorsNameFileLineAndKey) {
  EXPECT_EQ(errorOf("[policy]\nlayout = \"zone\"\n"),
            "t.toml:2: policy.layout: unknown layout 'zone' (expected group, instance or tag)");
  EXPECT_EQ(errorOf("[policy]\n\nbottom = \"x\"\n"),
            "t.toml:3: policy.bottom: unknown key (did you mean policy.bottom_rule?)");
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

TEST(Config, TagLayoutKeys) {
  const auto c = parseConfig(R"(
[policy]
layout = "tag"
registration_timeout_seconds = 3600
[firewall]
max_registered_ips = 5000
)",
                             "t.toml");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->policy.layout, policy::Layout::Tag);
  EXPECT_EQ(c->policy.registration_timeout_seconds, 3600);
  EXPECT_EQ(c->policy.max_registered_ips, 5000U);
  const auto defaults = parseConfig("", "t.toml");
  ASSERT_TRUE(defaults);
  EXPECT_EQ(defaults->policy.registration_timeout_seconds, 86400);  // fails closed within a day
  EXPECT_EQ(defaults->policy.max_registered_ips, 0U);
  for (const char* bad : {"0", "2592001", "-1", "\"1h\""}) {
    EXPECT_NE(errorOf(std::string("[policy]\nregistration_timeout_seconds = ") + bad + "\n")
                  .find("policy.registration_timeout_seconds"),
              std::string::npos)
        << bad;
  }
  EXPECT_NE(errorOf("[firewall]\nmax_registered_ips = -3\n").find("firewall.max_registered_ips"),
            std::string::npos);
  const auto env = parseConfig("", "t.toml",
                               {{"TRAILWALL_POLICY_LAYOUT", "tag"},
                                {"TRAILWALL_POLICY_REGISTRATION_TIMEOUT_SECONDS", "600"},
                                {"TRAILWALL_FIREWALL_MAX_REGISTERED_IPS", "100"}});
  ASSERT_TRUE(env) << env.error().message;
  EXPECT_EQ(env->policy.layout, policy::Layout::Tag);
  EXPECT_EQ(env->policy.registration_timeout_seconds, 600);
  EXPECT_EQ(env->policy.max_registered_ips, 100U);
}

TEST(Config, HaPairPeerAndPassiveCheck) {
  const auto c = parseConfig(R"(
[firewall]
host = "fw1-a.example.com"
peer = "fw1-b.example.com:8443"
check_passive = true
)",
                             "t.toml");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->firewall.host, "fw1-a.example.com");
  EXPECT_EQ(c->firewall.peer, "fw1-b.example.com:8443");
  EXPECT_TRUE(c->firewall.check_passive);
  const auto standalone = parseConfig("[firewall]\nhost = \"fw\"\n", "t.toml");
  ASSERT_TRUE(standalone);
  EXPECT_TRUE(standalone->firewall.peer.empty());
  EXPECT_FALSE(standalone->firewall.check_passive);
  EXPECT_NE(errorOf("[firewall]\nhost = \"fw\"\npeer = \"fw\"\n").find("firewall.peer"),
            std::string::npos);
  EXPECT_NE(errorOf("[firewall]\npeer = \"fw2\"\n").find("firewall.peer"), std::string::npos);
  EXPECT_NE(errorOf("[firewall]\nhost = \"fw\"\ncheck_passive = true\n").find("check_passive"),
            std::string::npos);
  const auto env =
      parseConfig("[firewall]\nhost = \"a\"\n", "t.toml",
                  {{"TRAILWALL_FIREWALL_PEER", "b"}, {"TRAILWALL_FIREWALL_CHECK_PASSIVE", "yes"}});
  ASSERT_TRUE(env) << env.error().message;
  EXPECT_EQ(env->firewall.peer, "b");
  EXPECT_TRUE(env->firewall.check_passive);
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

TEST(Config, UnknownKeysSuggestTheClosestValidKey) {
  EXPECT_EQ(errorOf("[polcy]\n"), "t.toml:1: polcy: unknown key (did you mean policy?)");
  EXPECT_EQ(errorOf("[policy]\nlayotu = \"group\"\n"),
            "t.toml:2: policy.layotu: unknown key (did you mean policy.layout?)");
  // A key in the wrong section, and a key outside any section.
  EXPECT_EQ(errorOf("[firewall]\nbottom_rule = \"x\"\n"),
            "t.toml:2: firewall.bottom_rule: unknown key (did you mean policy.bottom_rule?)");
  EXPECT_EQ(errorOf("instance_id = \"i-0123\"\n"),
            "t.toml:1: instance_id: unknown key (did you mean gateway.instance_id?)");
  EXPECT_EQ(errorOf("[aws]\nrequest_timeout = 5\n"),
            "t.toml:2: aws.request_timeout: unknown key (did you mean "
            "aws.request_timeout_seconds?)");
  EXPECT_EQ(errorOf("[policy.app_ids]\nport = []\n"),
            "t.toml:2: policy.app_ids.port: unknown key (did you mean policy.app_ids.ports?)");
  // Nothing close: no suggestion.
  EXPECT_EQ(errorOf("[policy]\ncolour = \"blue\"\n"), "t.toml:2: policy.colour: unknown key");
}

TEST(Config, UnknownTrailwallVariablesAreErrorsWithASuggestion) {
  EXPECT_EQ(errorOf("", {{"TRAILWALL_POLICY_BOTOM_RULE", "deny-all"}}),
            "environment variable TRAILWALL_POLICY_BOTOM_RULE: unknown variable (did you mean "
            "TRAILWALL_POLICY_BOTTOM_RULE?)");
  EXPECT_EQ(errorOf("", {{"TRAILWALL_BOTTOM_RULE", "deny-all"}}),
            "environment variable TRAILWALL_BOTTOM_RULE: unknown variable (did you mean "
            "TRAILWALL_POLICY_BOTTOM_RULE?)");
  EXPECT_EQ(errorOf("", {{"TRAILWALL_FIREWALL_HOSTNAME", "fw"}}),
            "environment variable TRAILWALL_FIREWALL_HOSTNAME: unknown variable (did you mean "
            "TRAILWALL_FIREWALL_HOST?)");
  EXPECT_EQ(errorOf("", {{"trailwall_policy_layout", "instance"}}),
            "environment variable trailwall_policy_layout: unknown variable (did you mean "
            "TRAILWALL_POLICY_LAYOUT?)");
  EXPECT_EQ(errorOf("", {{"TRAILWALL_CONFIGFILE", "/etc/trailwall.toml"}}),
            "environment variable TRAILWALL_CONFIGFILE: unknown variable (did you mean "
            "TRAILWALL_CONFIG?)");
  EXPECT_EQ(errorOf("", {{"TRAILWALL_FOO", "1"}}),
            "environment variable TRAILWALL_FOO: unknown variable");
  // The file's errors come first, and an empty variable counts as unset.
  EXPECT_EQ(errorOf("[polcy]\n", {{"TRAILWALL_FOO", "1"}}),
            "t.toml:1: polcy: unknown key (did you mean policy?)");
  EXPECT_EQ(errorOf("", {{"TRAILWALL_FOO", ""}}), "");
}

TEST(Config, VariablesTrailwallReadsAndTheOriginalOnesStayValid) {
  const Environment env{{"TRAILWALL_CONFIG", "/etc/trailwall.toml"},
                        {"TRAILWALL_PASSWORD", "pw"},
                        {"TRAILWALL_BIN", "/usr/bin/trailwall"},
                        {"TRAILWALL_SHARED_DIR", "/work/shared"},
                        {"TRAILWALL_UPDATE_GOLDEN", "1"},
                        {"TRAILWALL_BENCH_INSTANCES", "500"},
                        {"TRAILWALL_DEMO_API_KEY", "k"},
                        {"TRAILWALL_AWS_REQUEST_TIMEOUT_SECONDS", "2.5"},
                        {"pa_ip", "192.0.2.1"},
                        {"igwId", "i-0123456789abcdef0"},
                        {"UNRELATED", "x"}};
  const auto c = parseConfig("", "t.toml", env);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_DOUBLE_EQ(c->aws.request_timeout_seconds, 2.5);
  EXPECT_EQ(c->firewall.host, "192.0.2.1");
  // The variable the file names as the API key's source is valid too.
  EXPECT_TRUE(parseConfig("[firewall]\napi_key = { env = \"TRAILWALL_KEY\" }\n", "t.toml",
                          {{"TRAILWALL_KEY", "LUFRPT1abc=="}}));
  EXPECT_EQ(errorOf("", {{"TRAILWALL_KEY", "LUFRPT1abc=="}}),
            "environment variable TRAILWALL_KEY: unknown variable");
}

TEST(Config, AwsTimeouts) {
  const auto defaults = parseConfig("", "t.toml");
  ASSERT_TRUE(defaults);
  EXPECT_DOUBLE_EQ(defaults->aws.connect_timeout_seconds, 3.0);
  EXPECT_DOUBLE_EQ(defaults->aws.request_timeout_seconds, 8.0);
  const auto c =
      parseConfig("[aws]\nconnect_timeout_seconds = 1\nrequest_timeout_seconds = 2.5\n", "t.toml");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_DOUBLE_EQ(c->aws.connect_timeout_seconds, 1.0);
  EXPECT_DOUBLE_EQ(c->aws.request_timeout_seconds, 2.5);
  EXPECT_EQ(errorOf("[aws]\nrequest_timeout_seconds = 0\n"),
            "t.toml:2: aws.request_timeout_seconds: expected a number 0.1-3600");
  EXPECT_EQ(errorOf("", {{"TRAILWALL_AWS_CONNECT_TIMEOUT_SECONDS", "soon"}}).substr(0, 60),
            "environment variable TRAILWALL_AWS_CONNECT_TIMEOUT_SECONDS: ");
}

TEST(Config, EditDistance) {
  EXPECT_EQ(editDistance("", ""), 0u);
  EXPECT_EQ(editDistance("layout", "layotu"), 1u);
  EXPECT_EQ(editDistance("bottom", "bottom_rule"), 5u);
  EXPECT_EQ(editDistance("kitten", "sitting"), 3u);
}

}  // namespace
}  // namespace trailwall::config
