// Provenance: descriptions that say where a rule came from and which change last touched it,
// within PAN-OS's limits, and no rewrite only because a newer event touched a rule.
#include "policy/provenance.h"

#include <gtest/gtest.h>

#include "common/both.h"
#include "policy/desired.h"

namespace trailwall::policy {
namespace {

EventRef startEvent() {
  EventRef e;
  e.name = "StartInstances";
  e.id = "6f1e2d3c-0000-4000-8000-000000000001";
  e.time = "2026-12-03T08:00:00Z";
  e.principal = "arn:aws:iam::123456789012:user/alice";
  e.scope.instance_ids = {"i-01"};
  return e;
}

inventory::Inventory oneInstance() {
  inventory::Inventory inv;
  inventory::NetworkInterface eni;
  eni.id = "eni-01";
  eni.subnet_id = "subnet-01";
  eni.vpc_id = "vpc-01";
  eni.group_ids = {"sg-0a1b2c3d4e5f60718"};
  eni.attachment = inventory::Attachment{"i-01", 0, "eni-attach-01"};
  inv.network_interfaces.push_back(eni);
  return inv;
}

SecurityRule rule(std::string name, std::string description) {
  SecurityRule r;
  r.name = std::move(name);
  r.description = std::move(description);
  r.service = {"application-default"};
  return r;
}

TEST(Provenance, ADescriptionNamesTheOriginAndTheLastChange) {
  const auto text = withProvenance("trailwall: sg-01 (web) tcp 443", eventText(startEvent()));
  EXPECT_EQ(text,
            "trailwall: sg-01 (web) tcp 443 | last change: StartInstances "
            "(6f1e2d3c-0000-4000-8000-000000000001) at 2026-12-03T08:00:00Z by "
            "arn:aws:iam::123456789012:user/alice");
  EXPECT_EQ(descriptionOrigin(text), "trailwall: sg-01 (web) tcp 443");
  EXPECT_EQ(descriptionOrigin("an administrator's text"), "an administrator's text");
  // Only the whole separator ends the origin, the first one.
  EXPECT_EQ(descriptionOrigin("a|b | c | last change: x | last change: y"), "a|b | c");
  EXPECT_EQ(descriptionOrigin("| last change: x"), "| last change: x");
  EXPECT_EQ(descriptionOrigin(" | last change: x"), "");
  EXPECT_EQ(descriptionOrigin("ends with |"), "ends with |");
}

TEST(Provenance, LongAndHostileTextStaysWithinTheLimitAndValid) {
  EventRef e = startEvent();
  e.principal = "arn:aws:sts::123456789012:assumed-role/" + std::string(3000, 'r');
  e.name = std::string("Start\x01\x1f<&>\"'", 11);
  const std::string origin = "trailwall: sg-01 (" + std::string(400, '\xC3') + ") tcp | 443";
  const auto text = withProvenance(origin, eventText(e), 1023);
  EXPECT_LE(text.size(), 1023u);
  EXPECT_EQ(cleanText(text), text);  // no control character, valid UTF-8
  EXPECT_EQ(text.find('\x01'), std::string::npos);
  // The separator stays unambiguous: the origin's '|' is gone.
  EXPECT_EQ(descriptionOrigin(text).find('|'), std::string::npos);
  EXPECT_NE(text.find("assumed-role/rrr"), std::string::npos);
  // A tight limit cuts the origin first, on a character boundary.
  const std::string utf8_origin =
      "trailwall: \xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9 " + std::string(900, 'x');
  const auto tight = withProvenance(utf8_origin, eventText(startEvent()), 200);
  EXPECT_LE(tight.size(), 200u);
  EXPECT_EQ(cleanText(tight), tight);
  EXPECT_NE(tight.find("StartInstances"), std::string::npos);
}

TEST(Provenance, Utf8PrefixNeverCutsASequence) {
  const std::string text =
      "a\xC3\xA9"
      "b";  // a é b
  EXPECT_EQ(utf8Prefix(text, 2), "a");
  EXPECT_EQ(utf8Prefix(text, 3), "a\xC3\xA9");
  EXPECT_EQ(cleanText("ok\xFF\xC3"), "ok??");
}

TEST(Provenance, AnEventTouchesTheGroupsOfTheInstancesItNames) {
  const auto inv = oneInstance();
  EXPECT_EQ(touchedOwners(inv, startEvent().scope, Layout::Group),
            (std::set<std::string, std::less<>>{"sg-0a1b2c3d4e5f60718"}));
  EXPECT_EQ(touchedOwners(inv, startEvent().scope, Layout::Instance),
            (std::set<std::string, std::less<>>{"i-01"}));
  inventory::Scope group;
  group.group_ids = {"sg-0a1b2c3d4e5f60718"};
  EXPECT_EQ(touchedOwners(inv, group, Layout::Instance),
            (std::set<std::string, std::less<>>{"i-01"}));
}

TEST(Provenance, AnnotateWritesTheLatestEventTouchingEachRuleAndSummarisesTheBatch) {
  Plan plan;
  plan.add_rules.push_back(rule("sg-0a1b2c3d4e5f60718-tcp-443", "trailwall: web tcp 443"));
  plan.add_rules.push_back(rule("sg-0ffffffffffffffff-tcp-22", "trailwall: other tcp 22"));
  auto older = startEvent();
  older.id = "older";
  older.time = "2026-12-03T07:00:00Z";
  auto revoke = startEvent();
  revoke.name = "RevokeSecurityGroupIngress";
  revoke.id = "revoke";
  revoke.time = "2026-12-03T09:00:00Z";
  revoke.scope = {};
  revoke.scope.group_ids = {"sg-0ffffffffffffffff"};
  annotate(plan, {older, startEvent(), revoke}, oneInstance(), Options{}, {});
  EXPECT_NE(plan.add_rules[0].description.find("StartInstances (6f1e2d3c"), std::string::npos)
      << plan.add_rules[0].description;
  EXPECT_NE(plan.add_rules[1].description.find("RevokeSecurityGroupIngress (revoke)"),
            std::string::npos);
  EXPECT_EQ(plan.origin,
            "3 events (StartInstances by arn:aws:iam::123456789012:user/alice, "
            "RevokeSecurityGroupIngress by arn:aws:iam::123456789012:user/alice)");

  Plan reconcile;
  reconcile.add_rules.push_back(rule("sg-0a1b2c3d4e5f60718-tcp-443", "trailwall: web tcp 443"));
  annotate(reconcile, {}, oneInstance(), Options{},
           std::chrono::sys_days{std::chrono::year{2026} / 12 / 3});
  EXPECT_EQ(reconcile.origin, "full reconcile");
  EXPECT_NE(reconcile.add_rules[0].description.find(
                "last change: full reconcile at 2026-12-03T00:00:00Z"),
            std::string::npos);
}

// At scale the descriptions are written on two threads: every rule still gets its own owner's
// event, and a service object the text of the first rule that uses it.
TEST(Provenance, ALargePlanGetsEachOwnersEventOnEveryRule) {
  Plan plan;
  std::vector<EventRef> events;
  for (int g = 0; g < 5000; ++g) {
    const std::string owner = "sg-" + std::to_string(100000 + g);
    for (const char* suffix : {"-tcp-22", "-tcp-443", "-udp-53", "-tcp-9000"}) {
      plan.add_rules.push_back(rule(owner + suffix, "trailwall: " + owner));
    }
    plan.add_rules.back().service = {"tw-tcp-9000"};
    if (g % 1000 == 999) {
      EventRef e = startEvent();
      e.name = "AuthorizeSecurityGroupIngress";
      e.id = "event-" + owner;
      e.time = "2026-12-03T08:00:0" + std::to_string(g / 1000) + "Z";  // the last is the latest
      e.scope = {};
      e.scope.group_ids = {owner};
      events.push_back(std::move(e));
    }
  }
  ServiceObject service;
  service.name = "tw-tcp-9000";
  service.description = "trailwall: tcp 9000";
  plan.add_services.push_back(service);
  useSecondCore(SecondCore::Always);  // even on a busy machine
  annotate(plan, events, oneInstance(), Options{}, {});
  useSecondCore(SecondCore::IfIdle);
  for (std::size_t i = 0; i < plan.add_rules.size(); ++i) {
    const auto& r = plan.add_rules[i];
    const std::string owner = r.name.substr(0, r.name.find('-', 3));
    const std::string by = std::stoi(owner.substr(3)) % 1000 == 999 ? "(event-" + owner + ")"
                                                                    : "(" + events.back().id + ")";
    ASSERT_EQ(r.description.find("trailwall: " + owner + " | last change: "), 0U) << i;
    ASSERT_NE(r.description.find(by), std::string::npos) << i << ": " << r.description;
  }
  // The first rule using tw-tcp-9000 is sg-100000's, which no event names: the latest event.
  EXPECT_NE(plan.add_services[0].description.find("(" + events.back().id + ")"), std::string::npos)
      << plan.add_services[0].description;
}

TEST(Provenance, AServiceObjectNamesTheChangeOfTheFirstRuleUsingIt) {
  Plan plan;
  auto web = rule("sg-0a1b2c3d4e5f60718-tcp-8000-8099", "trailwall: web tcp 8000-8099");
  web.service = {"tw-tcp-8000-8099"};
  plan.add_rules.push_back(web);
  ServiceObject used;
  used.name = "tw-tcp-8000-8099";
  used.protocol = "tcp";
  used.port = "8000-8099";
  used.description = "trailwall: tcp 8000-8099";
  ServiceObject unused = used;  // no rule of the plan names it: the batch's latest event
  unused.name = "tw-udp-500";
  unused.description = "trailwall: udp 500";
  plan.add_services = {used, unused};
  auto later = startEvent();
  later.name = "AuthorizeSecurityGroupIngress";
  later.id = "authorize";
  later.time = "2026-12-03T09:00:00Z";
  later.scope = {};
  later.scope.group_ids = {"sg-0ffffffffffffffff"};  // touches no rule of this plan
  annotate(plan, {startEvent(), later}, oneInstance(), Options{}, {});
  EXPECT_EQ(plan.add_services[0].description,
            "trailwall: tcp 8000-8099 | last change: " + eventText(startEvent()));
  EXPECT_EQ(plan.add_services[1].description,
            "trailwall: udp 500 | last change: " + eventText(later));
  EXPECT_EQ(descriptionOrigin(plan.add_services[0].description), "trailwall: tcp 8000-8099");
}

TEST(Provenance, TheCommitSummaryFitsItsLimit) {
  std::vector<EventRef> many;
  for (int i = 0; i < 50; ++i) {
    auto e = startEvent();
    e.principal = "arn:aws:iam::123456789012:user/user-" + std::to_string(i);
    many.push_back(e);
  }
  const auto summary = eventsSummary(many, 200);
  EXPECT_LE(summary.size(), 200u);
  EXPECT_EQ(
      summary.rfind("50 events (StartInstances by arn:aws:iam::123456789012:user/user-0, ", 0), 0u);
  EXPECT_NE(summary.find("more)"), std::string::npos) << summary;
}

TEST(Provenance, ANewerEventAloneDoesNotRewriteAnUnchangedRule) {
  DesiredRule d;
  d.rule = rule("sg-0a1b2c3d4e5f60718-tcp-443", "trailwall: web tcp 443");
  d.rule.tag = {"trailwall"};
  d.rule.action = "allow";
  d.rule.from = {"untrust"};
  d.rule.to = {"trust"};
  d.rule.source_user = {"any"};
  d.rule.category = {"any"};
  d.rule.application = {"ssl"};
  d.owner = "sg-0a1b2c3d4e5f60718";
  d.match.sources = {net::Cidr::anyV4()};
  d.match.destinations = {*net::IpAddress::parse("10.0.1.10")};
  d.match.protocol = net::Protocol::tcp();
  d.match.ports = net::PortRange::single(443);
  d.match.applications = {"ssl"};
  renderMatch(d);
  Desired desired;
  desired.scope.everything = true;
  Rulebase current;
  current.rules.push_back(d.rule);
  current.rules.back().description =
      withProvenance("trailwall: web tcp 443", "StartInstances (old) at 2026-01-01T00:00:00Z");
  desired.rules.push_back(d);
  auto unchanged = plan(desired, current, {}, Options{});
  ASSERT_TRUE(unchanged.has_value());
  EXPECT_TRUE(unchanged->edit_rules.empty());
  // A changed origin is a change, and the rewrite carries the new description.
  desired.rules.front().rule.description = "trailwall: web (renamed) tcp 443";
  auto renamed = plan(desired, current, {}, Options{});
  ASSERT_TRUE(renamed.has_value());
  ASSERT_EQ(renamed->edit_rules.size(), 1u);
  EXPECT_EQ(renamed->edit_rules.front().changed, std::vector<std::string>{"description"});
  EXPECT_EQ(renamed->edit_rules.front().after.description, "trailwall: web (renamed) tcp 443");
}

}  // namespace
}  // namespace trailwall::policy
