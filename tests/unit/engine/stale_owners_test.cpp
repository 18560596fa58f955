#include "engine/stale_owners.h"

#include <gtest/gtest.h>

namespace trailwall::engine {
namespace {

inventory::NetworkInterface eni(std::string id, std::string address, std::string instance,
                                std::vector<std::string> groups) {
  inventory::NetworkInterface e;
  e.id = std::move(id);
  e.primary_ipv4 = net::IpAddress::parse(address).value();
  e.group_ids = std::move(groups);
  e.attachment = inventory::Attachment{std::move(instance), 0, ""};
  return e;
}

policy::SecurityRule managedRule(std::string name, std::vector<std::string> destinations,
                                 bool tagged = true) {
  policy::SecurityRule r;
  r.name = std::move(name);
  r.destination = std::move(destinations);
  if (tagged) r.tag = {"trailwall"};
  return r;
}

class StaleOwnersTest : public ::testing::Test {
 protected:
  StaleOwnersTest() {
    // i-1 now carries only sg-0new; its address is still in sg-0old's rule.
    loaded_.network_interfaces = {eni("eni-1", "10.0.1.5", "i-1", {"sg-0aaa"})};
    loaded_.instances = {{.id = "i-1",
                          .state = inventory::InstanceState::Running,
                          .vpc_id = "vpc-1",
                          .subnet_id = "subnet-1",
                          .network_interface_ids = {"eni-1"},
                          .name = ""}};
    loaded_.coverage = {.everything = false, .group_ids = {"sg-0aaa"}, .instance_ids = {"i-1"}};
    scope_.instance_ids = {"i-1"};
    rulebase_.rules = {
        managedRule("sg-0aaa-tcp-22", {"10.0.1.5"}),
        managedRule("sg-0bbb-tcp-443", {"10.0.1.5", "10.0.1.6"}),
        managedRule("sg-0ccc-tcp-80", {"10.0.1.7"}),
        managedRule("sg-0ddd-tcp-8080", {"10.0.1.5"}, /*tagged=*/false),  // not ours
    };
  }

  inventory::Inventory loaded_;
  inventory::Scope scope_;
  policy::Rulebase rulebase_;
  policy::Options options_;
};

TEST_F(StaleOwnersTest, AGroupWhoseRuleStillNamesTheInstanceIsLookedAtToo) {
  const auto w = staleOwners(loaded_, scope_, rulebase_, options_);
  EXPECT_EQ(w.extra.group_ids, std::set<std::string>{"sg-0bbb"});
  EXPECT_FALSE(w.extra.everything);
  ASSERT_EQ(w.reasons.size(), 1U);
  EXPECT_NE(w.reasons[0].find("sg-0bbb-tcp-443"), std::string::npos);
}

TEST_F(StaleOwnersTest, AnEniScopeIsFollowedTheSameWay) {
  scope_ = {};
  scope_.network_interface_ids = {"eni-1"};
  const auto w = staleOwners(loaded_, scope_, rulebase_, options_);
  EXPECT_EQ(w.extra.group_ids, std::set<std::string>{"sg-0bbb"});
}

TEST_F(StaleOwnersTest, ATerminatedInstanceWithoutInterfacesWidensToItsVpc) {
  loaded_.network_interfaces.clear();
  loaded_.instances[0].state = inventory::InstanceState::Terminated;
  loaded_.instances[0].network_interface_ids.clear();
  const auto w = staleOwners(loaded_, scope_, rulebase_, options_);
  EXPECT_EQ(w.extra.vpc_ids, std::set<std::string>{"vpc-1"});
  EXPECT_FALSE(w.extra.everything);
}

TEST_F(StaleOwnersTest, AGoneInstanceWidensToEverything) {
  loaded_ = {};
  loaded_.coverage = {.everything = false, .group_ids = {}, .instance_ids = {"i-1"}};
  loaded_.gone = {"i-1"};
  const auto w = staleOwners(loaded_, scope_, rulebase_, options_);
  EXPECT_TRUE(w.extra.everything);
}

TEST_F(StaleOwnersTest, NothingToAddWhenEverythingIsLoadedOrInstancesOwnTheirRules) {
  scope_.everything = true;
  EXPECT_TRUE(staleOwners(loaded_, scope_, rulebase_, options_).extra.empty());
  scope_.everything = false;
  options_.layout = policy::Layout::Instance;
  EXPECT_TRUE(staleOwners(loaded_, scope_, rulebase_, options_).extra.empty());
}

}  // namespace
}  // namespace trailwall::engine
