// The tag layout (policy/tag_layout.h): rules per group permission pointing at DAGs, the
// registrations the inventory calls for, and the difference to send (prefix-only, scoped,
// refreshed by a full reconcile).
#include <gtest/gtest.h>

#include <algorithm>

#include "inventory/inventory_json.h"
#include "policy/desired.h"
#include "policy/naming.h"
#include "policy/plan.h"
#include "policy/tag_layout.h"
#include "support/files.h"

#include <fmt/format.h>

namespace trailwall::policy {
namespace {

constexpr std::string_view kWeb = "sg-0a1b2c3d4e5f60718";
constexpr std::string_view kAdmin = "sg-0a1b2c3d4e5f60719";
constexpr std::string_view kBastion = "sg-0a1b2c3d4e5f60720";

net::IpAddress ip(std::string_view text) {
  return *net::IpAddress::parse(text);
}

inventory::Inventory sample() {
  auto inv = inventory::parseInventoryJson(test::readFile(test::examplesDir() / "inventory.json"));
  EXPECT_TRUE(inv.has_value());
  return *inv;
}

Options tagOptions() {
  Options o;
  o.layout = Layout::Tag;
  o.bottom_rule = "Clean up";
  o.gateway_instance_id = "i-0f1e2d3c4b5a60001";
  return o;
}

TEST(TagLayout, TagsAndNamesAreDeterministicAndRecognised) {
  const Options o = tagOptions();
  EXPECT_EQ(groupTag(o, kWeb), "trailwall.sg-0a1b2c3d4e5f60718");
  EXPECT_EQ(groupOfTag(o, "trailwall.sg-0a1b2c3d4e5f60718"), kWeb);
  EXPECT_EQ(groupOfTag(o, "trailwallx.sg-1"), "");
  EXPECT_EQ(dagName(kWeb), "tw-dag-sg-0a1b2c3d4e5f60718");
  EXPECT_EQ(groupOfDag("tw-dag-sg-0a1b2c3d4e5f60718"), kWeb);
  EXPECT_EQ(groupOfDag("tw-dag-web"), "");
  EXPECT_EQ(dagFilter("trailwall.sg-01"), "'trailwall.sg-01'");
  EXPECT_EQ(tagRuleName(kWeb, "tcp-443"), "sg-0a1b2c3d4e5f60718-dag-tcp-443");
  EXPECT_TRUE(isTagRuleName("sg-0a1b2c3d4e5f60718-dag-tcp-443"));
  EXPECT_FALSE(isTagRuleName("sg-0a1b2c3d4e5f60718-tcp-443"));
  EXPECT_FALSE(isTagRuleName("i-0a1b2c3d4e5f60101-dag-tcp-443"));
  // Tag rules are in the managed pattern, owned by their group.
  EXPECT_EQ(managedRuleOwner("sg-0a1b2c3d4e5f60718-dag-tcp-443"), kWeb);
  AddressGroup dag = desiredDag(o, kWeb);
  EXPECT_TRUE(isManagedAddressGroup(dag, "trailwall"));
  dag.tag.clear();
  EXPECT_FALSE(isManagedAddressGroup(dag, "trailwall"));  // an administrator's look-alike
}

TEST(TagLayout, RegistrationTagsThatCouldBreakAFilterAreRefused) {
  EXPECT_TRUE(validateRegistrationTag("trailwall.sg-0a1b", "tag"));
  EXPECT_TRUE(validateRegistrationTag("a_b-c.d", "tag"));
  for (std::string_view bad :
       {"", "it's", "a\"b", "two  spaces", "a b", "and", "OR", "Not", "x<y", "ü"}) {
    const auto ok = validateRegistrationTag(bad, "tag");
    EXPECT_FALSE(ok) << bad;
    if (!ok) {
      EXPECT_EQ(ok.error().code, ErrorCode::InvalidInput);
    }
  }
  EXPECT_FALSE(validateRegistrationTag(std::string(128, 'a'), "tag"));
  EXPECT_TRUE(validateRegistrationTag(std::string(127, 'a'), "tag"));
}

TEST(TagLayout, AManagedTagThatCannotPrefixARegistrationTagIsAConfigError) {
  Options o = tagOptions();
  EXPECT_TRUE(o.validate());
  o.managed_tag = "trailwall managed";  // a valid PAN-OS tag name, but not quotable in a filter
  ASSERT_FALSE(o.validate());
  EXPECT_EQ(o.validate().error().code, ErrorCode::Config);
  o.layout = Layout::Group;
  EXPECT_TRUE(o.validate());  // only the tag layout registers tags
  o.layout = Layout::Tag;
  o.managed_tag = std::string(107, 't');
  EXPECT_FALSE(o.validate());
  o.managed_tag = std::string(60, 't');
  EXPECT_TRUE(o.validate());
}

TEST(TagLayout, RulesFollowPermissionsAndPointAtTheGroupsDag) {
  const auto inv = sample();
  auto desired = desiredRules(inv, tagOptions());
  ASSERT_TRUE(desired);
  ASSERT_FALSE(desired->rules.empty());
  std::set<std::string> owners;
  for (const auto& d : desired->rules) {
    EXPECT_TRUE(isTagRuleName(d.rule.name)) << d.rule.name;
    EXPECT_EQ(d.rule.destination, Members{dagName(d.owner)}) << d.rule.name;
    EXPECT_EQ(d.rule.tag, Members{"trailwall"});
    EXPECT_FALSE(d.rule.source.empty());
    owners.insert(d.owner);
  }
  // The bastion's only instance is stopped: the group layout has no rule for it, the tag layout
  // has (instance churn must not cost a commit).
  EXPECT_TRUE(owners.contains(std::string(kBastion)));
  Options by_group = tagOptions();
  by_group.layout = Layout::Group;
  auto group_rules = desiredRules(inv, by_group);
  ASSERT_TRUE(group_rules);
  for (const auto& d : group_rules->rules) {
    EXPECT_FALSE(d.owner != std::string(kBastion) && !owners.contains(d.owner)) << d.owner;
    EXPECT_NE(d.owner, kBastion);
  }
  // One DAG per group with rules, sorted.
  ASSERT_EQ(desired->address_groups.size(), owners.size());
  for (const auto& g : desired->address_groups) {
    EXPECT_EQ(g.filter, dagFilter(groupTag(tagOptions(), groupOfDag(g.name))));
  }
  EXPECT_TRUE(std::is_sorted(desired->address_groups.begin(), desired->address_groups.end(),
                             [](const auto& a, const auto& b) { return a.name < b.name; }));
}

TEST(TagLayout, InstanceChurnLeavesThePlanEmpty) {
  auto inv = sample();
  const Options o = tagOptions();
  auto desired = desiredRules(inv, o);
  ASSERT_TRUE(desired);
  auto first = plan(*desired, Rulebase{}, FlowSet{}, o);
  ASSERT_TRUE(first);
  EXPECT_FALSE(first->set_address_groups.empty());
  EXPECT_TRUE(first->add_tag.has_value());
  const Rulebase after = applyPlan(Rulebase{}, *first);
  // Stop every instance: the rules and DAGs stay as they are.
  for (auto& instance : inv.instances) instance.state = inventory::InstanceState::Stopped;
  auto stopped = desiredRules(inv, o);
  ASSERT_TRUE(stopped);
  auto again = plan(*stopped, after, FlowSet{}, o);
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->empty()) << again->changeCount();
}

TEST(TagLayout, UnusedManagedDagsGoAndAdministratorsOnesStay) {
  const Options o = tagOptions();
  Rulebase current;
  current.address_groups = {desiredDag(o, "sg-0000000000000dead")};
  AddressGroup theirs = desiredDag(o, "sg-0000000000000beef");
  theirs.tag.clear();
  current.address_groups.push_back(theirs);
  Desired none;
  none.scope.everything = true;
  auto p = plan(none, current, FlowSet{}, o);
  ASSERT_TRUE(p);
  ASSERT_EQ(p->delete_address_groups.size(), 1U);
  EXPECT_EQ(p->delete_address_groups.front().name, "tw-dag-sg-0000000000000dead");
  // A rule of the plan cannot point at an administrator's group of the same name.
  auto inv = sample();
  auto desired = desiredRules(inv, o);
  ASSERT_TRUE(desired);
  AddressGroup clash = desiredDag(o, kWeb);
  clash.tag.clear();
  Rulebase with_clash;
  with_clash.address_groups = {clash};
  auto blocked = plan(*desired, with_clash, FlowSet{}, o);
  ASSERT_TRUE(blocked);
  for (const auto& r : blocked->add_rules) EXPECT_FALSE(r.name.starts_with(kWeb)) << r.name;
  EXPECT_TRUE(std::any_of(blocked->warnings.begin(), blocked->warnings.end(),
                          [](const std::string& w) { return w.find("address group") != w.npos; }));
}

TEST(Registrations, ExposedAddressesCarryTheirGroupsTags) {
  const Options o = tagOptions();
  auto desired = desiredRegistrations(sample(), o);
  ASSERT_TRUE(desired);
  const auto web1 = desired->mappings.find(ip("10.0.1.25"));
  ASSERT_NE(web1, desired->mappings.end());
  EXPECT_EQ(web1->second, (std::set<std::string>{groupTag(o, kWeb), groupTag(o, kAdmin)}));
  EXPECT_FALSE(desired->mappings.contains(ip("10.0.1.40")));  // the stopped bastion
  EXPECT_TRUE(desired->scope.everything);
  EXPECT_TRUE(desired->scope.addresses.contains(ip("10.0.1.40")));
}

TEST(Registrations, MoreThan32TagsOnOneAddressIsAnError) {
  auto inv = sample();
  for (auto& eni : inv.network_interfaces) {
    if (eni.id != "eni-0a1b2c3d4e5f60101") continue;
    for (int i = 0; i < 31; ++i) eni.group_ids.push_back(fmt::format("sg-{:08x}", i));
  }
  auto desired = desiredRegistrations(inv, tagOptions());
  ASSERT_FALSE(desired);
  EXPECT_EQ(desired.error().code, ErrorCode::InvalidInput);
  EXPECT_NE(desired.error().message.find("32"), std::string::npos);
}

RegistrationScope everything() {
  RegistrationScope scope;
  scope.everything = true;
  return scope;
}

DesiredRegistrations want(Mappings mappings, RegistrationScope scope) {
  DesiredRegistrations d;
  d.mappings = std::move(mappings);
  d.scope = std::move(scope);
  return d;
}

TEST(Registrations, OnlyTrailwallsPrefixIsEverTouched) {
  const Options o = tagOptions();
  const Mappings registered = {
      {ip("10.0.0.1"), {"malicious", "trailwall.sg-01"}},
      {ip("10.0.0.2"), {"trailwallish.sg-02", "trailwall.sg-02"}},
      {ip("10.0.0.3"), {"quarantine"}},
  };
  auto changes = registrationChanges(want({}, everything()), registered, o, false);
  EXPECT_EQ(changes.unregister_tags, (Mappings{{ip("10.0.0.1"), {"trailwall.sg-01"}},
                                               {ip("10.0.0.2"), {"trailwall.sg-02"}}}));
  EXPECT_TRUE(changes.register_tags.empty());
  EXPECT_EQ(changes.removed, 2U);
  EXPECT_EQ(changes.addresses_after, 3U);  // every address keeps somebody's tag
  EXPECT_EQ(unregisterAll(registered, o), changes);
}

TEST(Registrations, OnlyTheDifferenceUnlessRefreshing) {
  const Options o = tagOptions();
  const Mappings registered = {{ip("10.0.0.1"), {"trailwall.sg-01"}},
                               {ip("10.0.0.2"), {"trailwall.sg-01"}}};
  const auto desired = want({{ip("10.0.0.1"), {"trailwall.sg-01", "trailwall.sg-02"}},
                             {ip("10.0.0.3"), {"trailwall.sg-02"}}},
                            everything());
  auto diff = registrationChanges(desired, registered, o, false);
  EXPECT_EQ(diff.register_tags, (Mappings{{ip("10.0.0.1"), {"trailwall.sg-02"}},
                                          {ip("10.0.0.3"), {"trailwall.sg-02"}}}));
  EXPECT_EQ(diff.unregister_tags, (Mappings{{ip("10.0.0.2"), {"trailwall.sg-01"}}}));
  EXPECT_EQ(diff.added, 2U);
  EXPECT_EQ(diff.refreshed, 0U);
  EXPECT_EQ(diff.addresses_after, 2U);
  // A full reconcile registers every desired mapping again: their timeouts restart.
  auto refresh = registrationChanges(desired, registered, o, true);
  EXPECT_EQ(refresh.register_tags, desired.mappings);
  EXPECT_EQ(refresh.refreshed, 1U);
  EXPECT_EQ(refresh.added, 2U);
  // Nothing to do when they agree.
  auto same = registrationChanges(want(registered, everything()), registered, o, false);
  EXPECT_TRUE(same.empty());
}

TEST(Registrations, AScopedRunTouchesOnlyItsAddressesAndCoveredGroups) {
  const Options o = tagOptions();
  const Mappings registered = {{ip("10.0.0.1"), {"trailwall.sg-01"}},   // in scope (its ENI)
                               {ip("10.0.0.2"), {"trailwall.sg-02"}},   // another instance
                               {ip("10.0.0.9"), {"trailwall.sg-03"}}};  // gone, group covered
  RegistrationScope scope;
  scope.addresses = {ip("10.0.0.1")};
  scope.tags = {"trailwall.sg-03"};
  auto diff = registrationChanges(want({}, scope), registered, o, false);
  EXPECT_EQ(diff.unregister_tags, (Mappings{{ip("10.0.0.1"), {"trailwall.sg-01"}},
                                            {ip("10.0.0.9"), {"trailwall.sg-03"}}}));
}

}  // namespace
}  // namespace trailwall::policy
