// The proof of enforcement's pure part: sample flows of rules, the flows that prove a plan, and
// what the firewall's answers mean.
#include "policy/proof.h"

#include <gtest/gtest.h>

namespace trailwall::policy {
namespace {

SecurityRule managedRule(std::string name, Members destination, Members application,
                         Members service = {"application-default"}) {
  SecurityRule rule;
  rule.name = std::move(name);
  rule.from = {"untrust"};
  rule.to = {"trust"};
  rule.source = {"any"};
  rule.destination = std::move(destination);
  rule.application = std::move(application);
  rule.service = std::move(service);
  rule.action = "allow";
  rule.tag = {"trailwall"};
  return rule;
}

SecurityRule denyRule(std::string name) {
  SecurityRule rule;
  rule.name = std::move(name);
  rule.from = {"any"};
  rule.to = {"any"};
  rule.source = {"any"};
  rule.destination = {"any"};
  rule.application = {"any"};
  rule.service = {"any"};
  rule.action = "deny";
  return rule;
}

TEST(SampleFlow, AnApplicationDefaultRuleTakesItsPortFromTheAppIdTable) {
  const auto rule =
      managedRule("sg-0a1b2c3d4e5f60718-tcp-443", {"10.0.1.10", "10.0.1.11"}, {"ssl"});
  const auto flow = sampleFlow(rule, Rulebase{}, Options{});
  ASSERT_TRUE(flow.has_value());
  EXPECT_EQ(flow->rule, rule.name);
  EXPECT_EQ(flow->destination.toString(), "10.0.1.10");
  EXPECT_EQ(flow->source.toString(), "0.0.0.0/0");
  EXPECT_TRUE(flow->protocol.isTcp());
  EXPECT_EQ(flow->ports.first(), 443);
  EXPECT_EQ(flow->application, "ssl");
}

TEST(SampleFlow, ACustomPortRuleTakesItsPortFromTheServiceObject) {
  auto rule = managedRule("sg-01-tcp-8000-8099", {"10.0.1.10"}, {"any"}, {"tw-tcp-8000-8099"});
  rule.source = {"198.51.100.0/24"};
  Rulebase rulebase;
  rulebase.services.push_back(ServiceObject{.name = "tw-tcp-8000-8099",
                                            .protocol = "tcp",
                                            .port = "8000-8099",
                                            .source_port = "",
                                            .description = "",
                                            .tag = {},
                                            .extra_xml = {}});
  const auto flow = sampleFlow(rule, rulebase, Options{});
  ASSERT_TRUE(flow.has_value());
  EXPECT_EQ(flow->source.toString(), "198.51.100.0/24");
  EXPECT_EQ(flow->ports.first(), 8000);
  EXPECT_EQ(flow->application, "any");
  // Without the object no port is known: no flow rather than a wrong one.
  EXPECT_FALSE(sampleFlow(rule, Rulebase{}, Options{}).has_value());
}

TEST(SampleFlow, AnIpv6DestinationGetsASourceOfItsFamily) {
  auto rule = managedRule("sg-01-icmpv6", {"2001:db8::10"}, {"ipv6-icmp"});
  rule.source = {"198.51.100.0/24", "2001:db8:ffff::/48"};
  const auto flow = sampleFlow(rule, Rulebase{}, Options{});
  ASSERT_TRUE(flow.has_value());
  EXPECT_EQ(flow->source.toString(), "2001:db8:ffff::/48");
  EXPECT_TRUE(flow->protocol.isIcmpV6());
}

TEST(SampleFlow, NoFlowWithoutAnAddressDestinationOrAKnownApplication) {
  EXPECT_FALSE(sampleFlow(managedRule("r", {"any"}, {"ssl"}), Rulebase{}, Options{}).has_value());
  EXPECT_FALSE(sampleFlow(managedRule("r", {"10.0.0.1"}, {"no-such-app"}), Rulebase{}, Options{})
                   .has_value());
}

TEST(ProofFlows, OneIntendedFlowPerRuleAddedOrChangedAndOneRemovedFlowPerRemoval) {
  Rulebase before;
  const auto kept = managedRule("sg-01-tcp-443", {"10.0.1.10", "10.0.1.20"}, {"ssl"});
  const auto gone = managedRule("sg-02-tcp-22", {"10.0.1.30"}, {"ssh"});
  before.rules = {kept, gone};
  Plan plan;
  plan.add_rules.push_back(managedRule("sg-03-tcp-80", {"10.0.1.40"}, {"web-browsing"}));
  RuleEdit edit;
  edit.before = kept;
  edit.after = kept;
  edit.after.destination = {"10.0.1.10", "10.0.1.11"};  // .11 added, .20 taken out
  edit.changed = {"destination"};
  plan.edit_rules.push_back(edit);
  plan.delete_rules.push_back(gone);
  const auto after = applyPlan(before, plan);

  const auto flows = proofFlows(plan, before, after, Options{});
  ASSERT_EQ(flows.size(), 4u);
  EXPECT_EQ(flows[0].kind, ProofFlow::Kind::Intended);
  EXPECT_EQ(flows[0].rule, "sg-03-tcp-80");
  EXPECT_EQ(flows[1].kind, ProofFlow::Kind::Intended);
  EXPECT_EQ(flows[1].flow.destination.toString(), "10.0.1.11");  // what the edit opened
  EXPECT_EQ(flows[2].kind, ProofFlow::Kind::Removed);
  EXPECT_EQ(flows[2].flow.destination.toString(), "10.0.1.20");  // what the edit closed
  EXPECT_EQ(flows[3].kind, ProofFlow::Kind::Removed);
  EXPECT_EQ(flows[3].rule, "sg-02-tcp-22");
}

class JudgeTest : public ::testing::Test {
 protected:
  JudgeTest() {
    after_.rules = {denyRule("block-inbound"), managedRule("sg-01-tcp-443", {"10.0.1.10"}, {"ssl"}),
                    managedRule("sg-02-tcp-443", {"10.0.1.10"}, {"ssl"}), denyRule("deny-all")};
    after_.rules[0].to = {"trust"};
    item_.rule = "sg-01-tcp-443";
    item_.flow = *sampleFlow(after_.rules[1], after_, Options{});
  }
  Rulebase after_;
  ProofFlow item_;
};

TEST_F(JudgeTest, AnIntendedFlowShadowedByAnAdministratorsDenyIsNotEnforcedNamingIt) {
  const auto result =
      judge(item_, {{"block-inbound", "deny"}, {"sg-01-tcp-443", "allow"}}, after_, {}, Options{});
  EXPECT_EQ(result.verdict, Verdict::NotEnforced);
  EXPECT_EQ(result.matched_rule, "block-inbound");
  EXPECT_FALSE(result.matched_managed);
  EXPECT_NE(result.reason.find("shadowed by rule 'block-inbound' (deny)"), std::string::npos)
      << result.reason;
}

TEST_F(JudgeTest, AnIntendedFlowIsEnforcedWhenAnAllowingRuleDecidesIt) {
  auto result = judge(item_, {{"sg-01-tcp-443", "allow"}}, after_, {}, Options{});
  EXPECT_EQ(result.verdict, Verdict::Enforced);
  EXPECT_TRUE(result.matched_managed);
  // The action the reply leaves out comes from the rulebase.
  result = judge(item_, {{"sg-01-tcp-443", ""}}, after_, {}, Options{});
  EXPECT_EQ(result.verdict, Verdict::Enforced);
  EXPECT_EQ(result.matched_action, "allow");
  // No rule at all: the default rule denies it.
  result = judge(item_, {}, after_, {}, Options{});
  EXPECT_EQ(result.verdict, Verdict::NotEnforced);
}

TEST_F(JudgeTest, ARemovedFlowMustNotStayOpenThroughTheRuleItLeft) {
  item_.kind = ProofFlow::Kind::Removed;
  EXPECT_EQ(judge(item_, {{"sg-01-tcp-443", "allow"}}, after_, {}, Options{}).verdict,
            Verdict::NotEnforced);
  // A deleted managed rule still answering is not enforced either.
  item_.rule = "sg-09-tcp-443";
  EXPECT_EQ(
      judge(item_, {{"sg-01-tcp-443", "allow"}}, after_, {"sg-01-tcp-443"}, Options{}).verdict,
      Verdict::NotEnforced);
  // Another managed rule AWS still calls for, an administrator's rule or the bottom deny: fine.
  EXPECT_EQ(judge(item_, {{"sg-02-tcp-443", "allow"}}, after_, {}, Options{}).verdict,
            Verdict::Enforced);
  EXPECT_EQ(judge(item_, {{"deny-all", "deny"}}, after_, {}, Options{}).verdict, Verdict::Enforced);
  EXPECT_EQ(judge(item_, {}, after_, {}, Options{}).verdict, Verdict::Enforced);
}

}  // namespace
}  // namespace trailwall::policy
