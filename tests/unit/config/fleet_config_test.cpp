// [[firewall]] entries (issue 13): names, per-firewall policy and gateway, strictness.
#include <gtest/gtest.h>

#include "config/config.h"
#include "support/files.h"

namespace trailwall::config {
namespace {

constexpr std::string_view kTwoFirewalls = R"(
[policy]
bottom_rule = "deny-all"
untrust_zone = "outside"

[[firewall]]
name = "east"
host = "fw-east.example.com"
admin = "trailwall"
api_key = { env = "EAST_KEY" }
[firewall.gateway]
instance_id = "i-0aaaaaaaaaaaaaaa1"

[[firewall]]
name = "west"
host = "fw-west.example.com"
vsys = "vsys2"
admin = "tw"
lock_wait_seconds = 30
api_key = { ssm = "/tw/west" }
[firewall.gateway]
eni_ids = ["eni-0bbbbbbbbbbbbbbb1"]
[firewall.policy]
bottom_rule = "west-cleanup"
layout = "instance"
)";

std::string fleetError(std::string_view toml, const Environment& env = {}) {
  const auto c = parseConfig(toml, "t.toml", env);
  return c ? "" : c.error().message;
}

TEST(FleetConfig, EachEntryHasItsConnectionAndItsPolicyOverTheDefaults) {
  const Environment env{{"EAST_KEY", "secret"}};
  const auto c = parseConfig(kTwoFirewalls, "t.toml", env);
  ASSERT_TRUE(c) << c.error().message;
  const auto fleet = c->fleet();
  ASSERT_EQ(fleet.size(), 2U);
  EXPECT_EQ(fleet[0].name, "east");
  EXPECT_EQ(fleet[0].firewall.host, "fw-east.example.com");
  EXPECT_EQ(fleet[0].firewall.api_key, (SecretRef{SecretRef::Kind::Env, "EAST_KEY"}));
  EXPECT_EQ(fleet[0].policy.bottom_rule, "deny-all");  // the top-level default
  EXPECT_EQ(fleet[0].policy.from_zone, "outside");
  EXPECT_EQ(fleet[0].policy.gateway_instance_id, "i-0aaaaaaaaaaaaaaa1");
  EXPECT_EQ(fleet[1].name, "west");
  EXPECT_EQ(fleet[1].firewall.vsys, "vsys2");
  EXPECT_EQ(fleet[1].firewall.lock_wait_seconds, 30);
  EXPECT_EQ(fleet[1].policy.bottom_rule, "west-cleanup");
  EXPECT_EQ(fleet[1].policy.layout, policy::Layout::Instance);
  EXPECT_EQ(fleet[1].policy.from_zone, "outside");
  EXPECT_TRUE(fleet[1].policy.gateway_instance_id.empty());
  EXPECT_EQ(fleet[1].policy.gateway_eni_ids, std::vector<std::string>{"eni-0bbbbbbbbbbbbbbb1"});
  ASSERT_TRUE(c->member("west"));
  EXPECT_EQ(c->member("west")->firewall.host, "fw-west.example.com");
  EXPECT_FALSE(c->member("default"));
}

TEST(FleetConfig, TheFleetExampleParses) {
  const auto c = parseConfig(test::readFile(test::examplesDir() / "trailwall-fleet.toml"),
                             "trailwall-fleet.toml");
  ASSERT_TRUE(c) << c.error().message;
  ASSERT_EQ(c->fleet().size(), 2U);
  EXPECT_EQ(c->fleet()[1].policy.bottom_rule, "us-cleanup");
  EXPECT_EQ(c->fleet()[1].policy.profile_group, "default-protect");
}

TEST(FleetConfig, TheSingleFirewallIsAFleetOfOneNamedDefault) {
  const Environment env{{"pa_ip", "10.0.0.1"}, {"igwId", "i-0123456789abcdef0"}};
  const auto c = parseConfig("[policy]\nbottom_rule = \"x\"\n", "t.toml", env);
  ASSERT_TRUE(c) << c.error().message;
  const auto fleet = c->fleet();
  ASSERT_EQ(fleet.size(), 1U);
  EXPECT_EQ(fleet[0].name, kDefaultFirewallName);
  EXPECT_EQ(fleet[0].firewall.host, "10.0.0.1");
  EXPECT_EQ(fleet[0].policy.gateway_instance_id, "i-0123456789abcdef0");
  EXPECT_EQ(fleet[0].policy.bottom_rule, "x");
}

TEST(FleetConfig, UnknownEntryKeysAreErrorsWithASuggestion) {
  EXPECT_EQ(fleetError("[[firewall]]\nname = \"a\"\nhots = \"x\"\n"),
            "t.toml:3: firewall[0].hots: unknown key (did you mean firewall[0].host?)");
  EXPECT_EQ(fleetError("[[firewall]]\nname = \"a\"\n[firewall.policy]\nbotom_rule = \"x\"\n"),
            "t.toml:4: firewall[0].policy.botom_rule: unknown key (did you mean "
            "firewall[0].policy.bottom_rule?)");
}

TEST(FleetConfig, NamesAreRequiredValidAndUnique) {
  EXPECT_EQ(fleetError("[[firewall]]\nhost = \"x\"\n"),
            "t.toml:1: firewall[0].name: missing: every [[firewall]] needs a name");
  EXPECT_NE(fleetError("[[firewall]]\nname = \"a b\"\n").find("firewall[0].name: 'a b' is not"),
            std::string::npos);
  const std::string twice = R"(
[[firewall]]
name = "a"
gateway = { instance_id = "i-01" }
[[firewall]]
name = "a"
gateway = { instance_id = "i-02" }
)";
  EXPECT_EQ(fleetError(twice),
            "t.toml: firewall[1] (a): name 'a' is already used by firewall[0] (a)");
}

TEST(FleetConfig, TwoFirewallsOnOneGatewayAreAnError) {
  const std::string shared = R"(
[[firewall]]
name = "a"
gateway = { instance_id = "i-01", eni_ids = ["eni-01"] }
[[firewall]]
name = "b"
gateway = { eni_ids = ["eni-01"] }
)";
  EXPECT_EQ(
      fleetError(shared),
      "t.toml: firewall[1] (b): gateway eni-01 is also firewall 'a''s: one gateway, one firewall");
  const std::string none = R"(
[[firewall]]
name = "a"
gateway = { instance_id = "i-01" }
[[firewall]]
name = "b"
)";
  EXPECT_NE(fleetError(none).find("firewall[1] (b): no gateway"), std::string::npos);
}

TEST(FleetConfig, EntriesAreValidatedLikeTheSingleFirewall) {
  EXPECT_EQ(fleetError("[[firewall]]\nname = \"a\"\nvsys = \"\"\n"),
            "t.toml: firewall[0] (a): firewall.vsys: must not be empty");
  EXPECT_EQ(fleetError("[[firewall]]\nname = \"a\"\ngateway = { instance_id = \"x\" }\n"),
            "t.toml: firewall[0] (a): gateway.instance_id: 'x' is not an instance id (i-…)");
  EXPECT_EQ(fleetError("[[firewall]]\nname = \"a\"\napi_key = { vault = \"x\" }\n"),
            "t.toml:3: firewall[0].api_key.vault: unknown secret source");
}

TEST(FleetConfig, FirewallVariablesAreRefusedWithEntriesAndPolicyOnesStillApply) {
  const std::string one = "[[firewall]]\nname = \"a\"\n";
  EXPECT_EQ(fleetError(one, {{"TRAILWALL_FIREWALL_HOST", "x"}}),
            "environment variable TRAILWALL_FIREWALL_HOST: the configuration lists [[firewall]] "
            "entries, which are not overridden from the environment");
  EXPECT_NE(fleetError(one, {{"pa_ip", "x"}}).find("environment variable pa_ip"),
            std::string::npos);
  const auto c = parseConfig(one, "t.toml", {{"TRAILWALL_POLICY_BOTTOM_RULE", "from-env"}});
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->fleet().at(0).policy.bottom_rule, "from-env");
  // An entry's key variable is valid (the strict-variable check knows it).
  EXPECT_EQ(fleetError("[[firewall]]\nname = \"a\"\napi_key = { env = \"TRAILWALL_KEY_A\" }\n",
                       {{"TRAILWALL_KEY_A", "k"}}),
            "");
  EXPECT_NE(fleetError(one, {{"TRAILWALL_KEY_A", "k"}}).find("unknown variable"),
            std::string::npos);
}

}  // namespace
}  // namespace trailwall::config
