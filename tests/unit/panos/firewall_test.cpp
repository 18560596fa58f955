#include "panos/firewall.h"

#include <gtest/gtest.h>

#include <pugixml.hpp>

#include "form.h"
#include "http/fake_transport.h"
#include "lock_device.h"
#include "panos/fake_firewall.h"
#include "policy/provenance.h"
#include "policy/rulebase_xml.h"
#include "reference.h"

namespace trailwall::panos {
namespace {

using testing::dataFile;
using testing::formFields;
using testing::referenceFile;

const ConfigPaths& paths() {
  static const ConfigPaths kPaths = ConfigPaths::forLocation({}).value();
  return kPaths;
}

policy::SecurityRule managedRule(std::string name, std::string destination) {
  policy::SecurityRule rule;
  rule.name = std::move(name);
  rule.from = {"untrust"};
  rule.to = {"trust"};
  rule.source = {"any"};
  rule.destination = {std::move(destination)};
  rule.source_user = {"any"};
  rule.category = {"any"};
  rule.application = {"ssl"};
  rule.service = {"application-default"};
  rule.action = "allow";
  rule.tag = {"trailwall"};
  rule.description = "sg-0a1b2c3d4e5f60718 tcp 443 from 0.0.0.0/0";
  return rule;
}

policy::Plan fullPlan() {
  policy::Plan plan;
  plan.placement = {policy::Placement::Where::Before, "Clean up"};
  plan.add_tag = policy::Tag{"trailwall", "", "managed by trailwall"};
  policy::ServiceObject service;
  service.name = "tw-tcp-8000-8099";
  service.protocol = "tcp";
  service.port = "8000-8099";
  service.tag = {"trailwall"};
  plan.add_services.push_back(service);
  plan.add_rules.push_back(managedRule("sg-01-tcp-22", "10.0.1.5"));
  plan.add_rules.push_back(managedRule("sg-02-tcp-80", "10.0.1.6"));
  policy::RuleEdit edit;
  edit.before = managedRule("sg-03-tcp-443", "10.0.1.7");
  edit.after = managedRule("sg-03-tcp-443", "10.0.1.8");
  edit.changed = {"destination"};
  plan.edit_rules.push_back(edit);
  plan.move_rules.push_back("sg-04-all");
  plan.delete_rules.push_back(managedRule("sg-05-udp-53", "10.0.1.9"));
  plan.delete_services.push_back(service);
  plan.delete_tag = policy::Tag{"old-tag", "", "managed by trailwall"};
  return plan;
}

TEST(PlanOps, WritesThePlanInItsOrder) {
  const auto ops = planOps(fullPlan(), paths()).value();
  std::vector<std::string> summary;
  for (const auto& op : ops) {
    std::string line(to_string(op.action));
    line.append(" ").append(op.xpath, paths().vsys().size());
    if (op.action == ConfigAction::Move) {
      line.append(" ").append(to_string(op.where)).append(" ").append(op.destination);
    }
    summary.push_back(line);
  }
  EXPECT_EQ(summary,
            (std::vector<std::string>{
                "set /tag/entry[@name='trailwall']", "set /service/entry[@name='tw-tcp-8000-8099']",
                "set /rulebase/security/rules/entry[@name='sg-01-tcp-22']",
                "move /rulebase/security/rules/entry[@name='sg-01-tcp-22'] before Clean up",
                "set /rulebase/security/rules/entry[@name='sg-02-tcp-80']",
                "move /rulebase/security/rules/entry[@name='sg-02-tcp-80'] before Clean up",
                "edit /rulebase/security/rules/entry[@name='sg-03-tcp-443']",
                "move /rulebase/security/rules/entry[@name='sg-04-all'] before Clean up",
                "delete /rulebase/security/rules/entry[@name='sg-05-udp-53']",
                "delete /service/entry[@name='tw-tcp-8000-8099']",
                "delete /tag/entry[@name='old-tag']"}));
}

TEST(PlanOps, ADeviceGroupsPlanGoesToItsPreRulebaseAndObjects) {
  Location location;
  location.device_group = "dg1";
  const auto dg = ConfigPaths::forLocation(location).value();
  const auto ops = planOps(fullPlan(), dg).value();
  ASSERT_EQ(ops.size(), 11U);
  const std::string root =
      "/config/devices/entry[@name='localhost.localdomain']/device-group/entry[@name='dg1']";
  EXPECT_EQ(ops[0].xpath, root + "/tag/entry[@name='trailwall']");
  EXPECT_EQ(ops[1].xpath, root + "/service/entry[@name='tw-tcp-8000-8099']");
  EXPECT_EQ(ops[2].xpath, root + "/pre-rulebase/security/rules/entry[@name='sg-01-tcp-22']");
  EXPECT_EQ(ops[3].action, ConfigAction::Move);
  EXPECT_EQ(ops[3].destination, "Clean up");
  EXPECT_EQ(ops[8].xpath, root + "/pre-rulebase/security/rules/entry[@name='sg-05-udp-53']");
}

TEST(PlanOps, SetSendsChildrenAndEditSendsTheWholeEntry) {
  const auto ops = planOps(fullPlan(), paths()).value();
  pugi::xml_document set;
  ASSERT_TRUE(set.load_string(("<x>" + ops[2].element + "</x>").c_str()));
  EXPECT_TRUE(set.document_element().child("entry").empty());
  EXPECT_STREQ(set.document_element().child("destination").child("member").text().get(),
               "10.0.1.5");
  pugi::xml_document edit;
  ASSERT_TRUE(edit.load_string(ops[6].element.c_str()));
  EXPECT_STREQ(edit.document_element().name(), "entry");
  EXPECT_STREQ(edit.document_element().attribute("name").value(), "sg-03-tcp-443");
  EXPECT_STREQ(edit.document_element().child("destination").child("member").text().get(),
               "10.0.1.8");
}

TEST(PlanOps, BottomPlacementAppendsNewRulesAndMovesStrays) {
  auto plan = fullPlan();
  plan.placement = {policy::Placement::Where::Bottom, ""};
  const auto ops = planOps(plan, paths()).value();
  EXPECT_EQ(ops[2].action, ConfigAction::Set);
  EXPECT_EQ(ops[3].action, ConfigAction::Set);  // no move after a new rule
  EXPECT_EQ(ops[5].action, ConfigAction::Move);
  EXPECT_EQ(ops[5].where, MoveWhere::Bottom);
}

TEST(PlanOps, HostileTextIsEscapedAndHostileNamesRefused) {
  policy::Plan plan;
  auto rule = managedRule("sg-01-tcp-22", "10.0.1.5");
  rule.description = "group \"web\" <prod> & 'x' ]]> ]";
  plan.add_rules.push_back(rule);
  const auto ops = planOps(plan, paths()).value();
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_string(multiConfigDocument(ops).value().c_str()));
  EXPECT_EQ(std::string(doc.document_element().child("set").child("description").text().get()),
            rule.description);

  for (const std::string name : {"a' or @name='b", "x\"]/../entry[@name=\"y", "t<a>g"}) {
    policy::Plan hostile;
    hostile.add_tag = policy::Tag{name, "", ""};
    EXPECT_FALSE(planOps(hostile, paths()).has_value()) << name;
    policy::Plan deleting;
    deleting.move_rules.push_back(name + "'\"");
    EXPECT_FALSE(planOps(deleting, paths()).has_value()) << name;
  }
}

TEST(PolicyMatchQuery, TestsOneSampleAddressPortAndApplication) {
  policy::Flow flow;
  flow.rule = "sg-01-tcp-443";
  flow.source = net::Cidr::parse("203.0.113.0/24").value();
  flow.destination = net::IpAddress::parse("10.0.1.5").value();
  flow.protocol = net::Protocol::tcp();
  flow.ports = net::PortRange::make(443, 443).value();
  flow.application = "ssl";
  FirewallOptions options;
  const auto q = policyMatchQuery(flow, options);
  EXPECT_EQ(q.from, "untrust");
  EXPECT_EQ(q.to, "trust");
  EXPECT_EQ(q.source, "203.0.113.1");
  EXPECT_EQ(q.destination, "10.0.1.5");
  EXPECT_EQ(q.protocol, 6);
  EXPECT_EQ(q.destination_port, 443);
  EXPECT_EQ(q.application, "ssl");
  EXPECT_TRUE(q.show_all);
  flow.protocol = net::Protocol::icmp();
  flow.application = "any";
  const auto icmp = policyMatchQuery(flow, options);
  EXPECT_FALSE(icmp.destination_port.has_value());
  EXPECT_EQ(icmp.application, "");
}

TEST(AllowedByUnmanagedRule, IgnoresManagedRulesAndTrustsTheFirstOther) {
  const auto rulebase = policy::parseRulebaseXml(dataFile("get-vsys1.xml")).value();
  const std::string managed = "sg-0a1b2c3d4e5f60718-tcp-443";
  EXPECT_FALSE(allowedByUnmanagedRule({{managed, 2, "allow"}, {"Clean up", 3, "deny"}}, rulebase,
                                      "trailwall"));
  EXPECT_TRUE(allowedByUnmanagedRule({{managed, 2, "allow"}, {"allow-web", 1, "allow"}}, rulebase,
                                     "trailwall"));
  EXPECT_TRUE(
      allowedByUnmanagedRule({{"allow-web", 1, ""}}, rulebase, "trailwall"));  // older text shape
  EXPECT_FALSE(allowedByUnmanagedRule({{"unknown", 1, ""}}, rulebase, "trailwall"));
  // Another run's managed rule, committed after this run read the rulebase, allows nothing.
  EXPECT_FALSE(allowedByUnmanagedRule(
      {{"sg-0fedcba987654321f-tcp-8443", 2, "allow"}, {"Clean up", 3, "deny"}}, rulebase,
      "trailwall"));
  EXPECT_FALSE(allowedByUnmanagedRule({}, rulebase, "trailwall"));
  // With another managed tag, the same rule is the administrator's.
  EXPECT_TRUE(allowedByUnmanagedRule({{managed, 2, "allow"}}, rulebase, "other-tag"));
}

// A device scripted per request kind; records every request's form fields. Config locks follow
// LockDevice; shared objects are absent unless scripted.
class ScriptedDevice {
 public:
  std::string get_body = dataFile("get-vsys1.xml");
  std::vector<std::string> get_bodies;  // consumed first when not empty
  std::string shared_services = referenceFile("config-get-not-found-code7.xml");
  std::string shared_tags = referenceFile("config-get-not-found-code7.xml");
  std::vector<std::string> multi_config = {referenceFile("multi-config-success-docs.xml")};
  std::vector<std::string> commits = {enqueued(2)};
  std::vector<std::string> jobs = {referenceFile("job-commit-act-pend-progress75.xml"),
                                   referenceFile("job-commit-fin-ok.xml")};
  std::string all_jobs = "<response status=\"success\"><result></result></response>";

  static std::string enqueued(int job) {
    const auto id = std::to_string(job);
    return "<response status=\"success\" code=\"19\"><result><msg><line>Commit job enqueued "
           "with jobid " +
           id + "</line></msg><job>" + id + "</job></result></response>";
  }
  std::string commit_locks = referenceFile("op-show-commit-locks-none.xml");
  std::string policy_match = referenceFile("op-security-policy-match-rules-entry-fixture.xml");
  // set audit-comment (API-NOTES §15: the reply text known through xmltodict renderings).
  std::string audit_comment =
      "<response status=\"success\"><result>Successfully added comment for xpath</result>"
      "</response>";
  testing::LockDevice locks;
  std::vector<std::map<std::string, std::string>> seen;

  Result<http::Response> operator()(const http::Request& request) {
    auto fields = formFields(request.body);
    seen.push_back(fields);
    const auto& type = fields["type"];
    const auto& action = fields["action"];
    const auto& cmd = fields["cmd"];
    if (type == "config" && action == "get") {
      if (fields["xpath"] == "/config/shared/service") return ok(shared_services);
      if (fields["xpath"] == "/config/shared/tag") return ok(shared_tags);
      if (!get_bodies.empty()) {
        auto body = get_bodies.front();
        get_bodies.erase(get_bodies.begin());
        return ok(body);
      }
      return ok(get_body);
    }
    if (type == "config" && action == "multi-config") return ok(next(multi_config));
    if (type == "config") return ok(referenceFile("config-set-success-code20.xml"));
    if (type == "commit") return ok(next(commits));
    if (cmd == "<show><jobs><all/></jobs></show>") return ok(all_jobs);
    if (cmd.starts_with("<show><jobs>")) return ok(next(jobs));
    if (auto reply = locks.handle(fields, "trailwall")) return *reply;
    if (cmd.starts_with("<show><commit-locks")) return ok(commit_locks);
    if (cmd.starts_with("<revert>")) return ok(referenceFile("op-revert-config-ok.xml"));
    if (cmd.starts_with("<check><pending-changes")) {
      return ok("<response status=\"success\"><result>no</result></response>");
    }
    if (cmd.starts_with("<test>")) return ok(policy_match);
    if (cmd.starts_with("<set><audit-comment>")) return ok(audit_comment);
    return http::Response{200, {}, "<response status='error' code='1'/>"};
  }

  int count(const std::string& type, const std::string& action_or_cmd_prefix = "") const {
    int n = 0;
    for (const auto& f : seen) {
      const auto t = f.find("type");
      if (t == f.end() || t->second != type) continue;
      const auto a = f.find("action");
      const auto c = f.find("cmd");
      if (action_or_cmd_prefix.empty() || (a != f.end() && a->second == action_or_cmd_prefix) ||
          (c != f.end() && c->second.starts_with(action_or_cmd_prefix))) {
        ++n;
      }
    }
    return n;
  }
  // The requests that change the candidate, the running configuration or a lock.
  int changing() const {
    int n = 0;
    for (const auto& f : seen) {
      const auto& type = f.at("type");
      const auto action = f.count("action") != 0U ? f.at("action") : "";
      const auto cmd = f.count("cmd") != 0U ? f.at("cmd") : "";
      if ((type == "config" && action != "get" && action != "show") || type == "commit" ||
          cmd.starts_with("<request>") || cmd.starts_with("<revert>")) {
        ++n;
      }
    }
    return n;
  }

 private:
  static Result<http::Response> ok(std::string body) {
    return http::Response{200, {}, std::move(body)};
  }
  static std::string next(std::vector<std::string>& replies) {
    auto body = replies.front();
    if (replies.size() > 1) replies.erase(replies.begin());
    return body;
  }
};

class FirewallTest : public ::testing::Test {
 protected:
  FirewallTest() {
    transport_.setHandler([this](const http::Request& r) { return device_(r); });
  }
  PanOsFirewall firewall(FirewallOptions options = {}) {
    options.lock_wait_timeout = std::chrono::seconds(60);
    options.lock_poll_interval = std::chrono::seconds(10);
    options.name = "fw.example";
    options.run_id = "tw-run1";
    return PanOsFirewall::create(client_, clock_, std::move(options)).value();
  }
  // Holds the firewall, applies `plan` and releases, as the engine does.
  Status applyHeld(PanOsFirewall& fw, const policy::Plan& plan, ApplyReport& report) {
    auto hold = fw.hold();
    if (!hold) return std::unexpected(hold.error());
    auto status = fw.apply(plan, **hold, report);
    EXPECT_TRUE((*hold)->release().has_value());
    return status;
  }

  ScriptedDevice device_;
  http::FakeTransport transport_;
  FakeClock clock_;
  PanOsClient client_{transport_, clock_, testing::deviceClientOptions()};
};

TEST_F(FirewallTest, ReadsTheRulebaseAndTheSharedObjects) {
  auto fw = firewall();
  const auto rulebase = fw.readRulebase();
  ASSERT_TRUE(rulebase.has_value()) << to_string(rulebase.error());
  ASSERT_EQ(rulebase->rules.size(), 3U);
  EXPECT_EQ(rulebase->rules[1].name, "sg-0a1b2c3d4e5f60718-tcp-443");
  EXPECT_EQ(rulebase->rules[2].name, "Clean up");
  EXPECT_EQ(rulebase->services.size(), 2U);
  EXPECT_EQ(rulebase->tags.at(0).name, "trailwall");
  ASSERT_EQ(device_.seen.size(), 3U);
  EXPECT_EQ(device_.seen[0]["xpath"], paths().vsys());
  EXPECT_EQ(device_.seen[1]["xpath"], "/config/shared/service");
  EXPECT_EQ(device_.seen[2]["xpath"], "/config/shared/tag");
  EXPECT_TRUE(fw.pendingChanges().empty());
  // Shared objects are read once per run.
  ASSERT_TRUE(fw.readRulebase().has_value());
  EXPECT_EQ(device_.seen.size(), 4U);
}

TEST_F(FirewallTest, SharedServicesAndTagsAreKeptApart) {
  device_.shared_services =
      "<response status=\"success\" code=\"19\"><result total-count=\"1\" count=\"1\"><service>"
      "<entry name=\"https-8443\"><protocol><tcp><port>8443</port></tcp></protocol></entry>"
      "</service></result></response>";
  device_.shared_tags =
      "<response status=\"success\" code=\"19\"><result total-count=\"1\" count=\"1\"><tag>"
      "<entry name=\"trailwall\"><color>color3</color></entry></tag></result></response>";
  auto fw = firewall();
  const auto rulebase = fw.readRulebase();
  ASSERT_TRUE(rulebase.has_value()) << to_string(rulebase.error());
  ASSERT_EQ(rulebase->shared_services.size(), 1U);
  EXPECT_EQ(rulebase->shared_services[0].name, "https-8443");
  EXPECT_EQ(rulebase->shared_services[0].port, "8443");
  ASSERT_EQ(rulebase->shared_tags.size(), 1U);
  EXPECT_EQ(rulebase->shared_tags[0].name, "trailwall");
  EXPECT_EQ(rulebase->services.size(), 2U);  // the vsys' own, unchanged
}

TEST_F(FirewallTest, ReadingIsReadOnlyAndReportsThisAdministratorsLeftovers) {
  std::string dirty = device_.get_body;
  const std::string rule = "<entry name=\"allow-web\"";
  dirty.replace(
      dirty.find(rule), rule.size(),
      "<entry name=\"allow-web\" admin=\"trailwall\" dirtyId=\"3\" time=\"2026/01/01 00:00:00\"");
  device_.get_bodies = {dirty};
  auto fw = firewall();
  ASSERT_TRUE(fw.readRulebase().has_value());
  EXPECT_EQ(fw.pendingChanges().nodes, std::vector<std::string>{"security rule 'allow-web'"});
  EXPECT_FALSE(fw.pendingChanges().others);
  EXPECT_EQ(device_.changing(), 0);
  EXPECT_EQ(device_.count("op"), 0);
  EXPECT_EQ(fw.unmarkedChangesPending().value(), false);  // the marks explain it
  EXPECT_EQ(device_.count("op"), 0);
}

TEST_F(FirewallTest, AnotherAdministratorsUncommittedChangeIsLeftAlone) {
  std::string dirty = device_.get_body;
  const std::string rule = "<entry name=\"allow-web\"";
  dirty.replace(dirty.find(rule), rule.size(),
                "<entry name=\"allow-web\" admin=\"bob\" dirtyId=\"3\"");
  device_.get_bodies = {dirty};
  auto fw = firewall();
  ASSERT_TRUE(fw.readRulebase().has_value());
  EXPECT_TRUE(fw.pendingChanges().empty());
  EXPECT_TRUE(fw.pendingChanges().others);
  EXPECT_EQ(device_.count("op"), 0);
}

TEST(PendingChangesIn, NamesTheChangedThingsOnceEach) {
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_string(
      "<result><entry name='vsys1'><rulebase><security><rules admin='tw' dirtyId='1'>"
      "<entry name='r1' admin='tw' dirtyId='1'><description admin='tw'>x</description></entry>"
      "<entry name='r2'><to admin='bob'/></entry></rules></security></rulebase>"
      "<service><entry name='tw-tcp-8443' admin='tw'/></service></entry></result>"));
  const auto pending = pendingChangesIn(doc.document_element(), "tw");
  EXPECT_EQ(pending.nodes, (std::vector<std::string>{"vsys 'vsys1'", "security rule 'r1'",
                                                     "service 'tw-tcp-8443'"}));
  EXPECT_TRUE(pending.others);
  EXPECT_EQ(pendingChangesIn(doc.document_element(), "tw", 1).nodes,
            (std::vector<std::string>{"vsys 'vsys1'", "and 2 more"}));
}

TEST_F(FirewallTest, AppliesAPlanWithOneWriteAndOnePartialCommitWhileHolding) {
  auto fw = firewall();
  ASSERT_TRUE(fw.readRulebase().has_value());
  ApplyReport report;
  const auto status = applyHeld(fw, fullPlan(), report);
  ASSERT_TRUE(status.has_value()) << to_string(status.error());
  EXPECT_TRUE(report.multi_config);
  EXPECT_EQ(report.write_requests, 1);
  EXPECT_EQ(report.rules_added, 2);
  EXPECT_EQ(report.commit_job, 2);
  EXPECT_TRUE(report.written);
  EXPECT_TRUE(report.committed);
  EXPECT_FALSE(report.reverted);
  EXPECT_EQ(report.commit_details,
            std::vector<std::string>{"Configuration committed successfully"});
  EXPECT_EQ(device_.count("config"), 4);  // 3 gets + multi-config
  EXPECT_EQ(fw.requestCounts().config(), 4);
  EXPECT_EQ(fw.requestCounts().commits(), 1);
  EXPECT_EQ(device_.count("config", "multi-config"), 1);
  std::map<std::string, std::string> commit;
  for (const auto& f : device_.seen) {
    if (f.at("type") == "commit") commit = f;
    if (f.count("action") != 0U && f.at("action") == "multi-config") {
      EXPECT_EQ(f.at("strict-transactional"), "yes");
    }
  }
  EXPECT_EQ(commit.at("action"), "partial");
  EXPECT_NE(commit.at("cmd").find("<description>trailwall run tw-run1: +2 ~1 -1 rules"
                                  "</description>"),
            std::string::npos)
      << commit.at("cmd");
  EXPECT_NE(commit.at("cmd").find("<partial><admin><member>trailwall</member></admin></partial>"),
            std::string::npos);
  // Held from before the write to after the commit: lock, write, check, commit, release.
  EXPECT_EQ(device_.locks.adds, 1);
  EXPECT_EQ(device_.locks.removes, 1);
  EXPECT_TRUE(device_.locks.locks.empty());
}

// The index in device_.seen of each request whose cmd starts with `prefix` (or of `type`).
std::vector<std::size_t> requestsOf(const ScriptedDevice& device, const std::string& type,
                                    const std::string& cmd_prefix = "") {
  std::vector<std::size_t> at;
  for (std::size_t i = 0; i < device.seen.size(); ++i) {
    const auto& f = device.seen[i];
    if (f.at("type") != type) continue;
    if (!cmd_prefix.empty() && (f.count("cmd") == 0U || !f.at("cmd").starts_with(cmd_prefix))) {
      continue;
    }
    at.push_back(i);
  }
  return at;
}

TEST(AuditCommentText, KeepsTheChangeAndShortensTheOriginWithinTheLimit) {
  const std::string change =
      "StartInstances (6f1e7c2a-8d3b-4e5f-9a0b-1c2d3e4f5a6b) at 2026-12-03T08:00:00Z by "
      "arn:aws:iam::123456789012:user/alice";
  const std::string description = policy::withProvenance(
      "trailwall: sg-0a1b2c3d4e5f60718 (web) tcp 443 from 0.0.0.0/0 " + std::string(300, 'x'),
      change);
  const auto text = auditCommentText(description);
  EXPECT_LE(text.size(), kMaxAuditCommentLength);
  EXPECT_TRUE(text.starts_with("trailwall: sg-0a1b2c3d4e5f60718 (web)")) << text;
  EXPECT_TRUE(text.ends_with(" | last change: " + change)) << text;
  // A principal longer than the limit still leaves the event name and id.
  const auto long_principal = auditCommentText(policy::withProvenance(
      "origin",
      "StartInstances (abc-123) at 2026-12-03T08:00:00Z by arn:" + std::string(600, 'p')));
  EXPECT_LE(long_principal.size(), kMaxAuditCommentLength);
  EXPECT_NE(long_principal.find("StartInstances (abc-123)"), std::string::npos) << long_principal;
  // A description without provenance (written before it existed) is cut at the limit.
  EXPECT_EQ(auditCommentText(std::string(400, 'd')), std::string(kMaxAuditCommentLength, 'd'));
}

TEST_F(FirewallTest, EveryRuleWrittenGetsAnAuditCommentAfterTheWriteAndBeforeTheCommit) {
  auto plan = fullPlan();
  plan.add_rules[0].description = policy::withProvenance(
      "sg-01 tcp 22", "AuthorizeSecurityGroupIngress (ev-1) at 2026-12-03T08:00:00Z by arn:a");
  auto fw = firewall();
  ASSERT_TRUE(fw.readRulebase().has_value());
  ApplyReport report;
  const auto status = applyHeld(fw, plan, report);
  ASSERT_TRUE(status.has_value()) << to_string(status.error());
  EXPECT_EQ(report.audit_comments, 3);  // two added, one changed; none for moved or deleted
  EXPECT_FALSE(report.audit_comments_unsupported);
  EXPECT_TRUE(report.audit_comment_error.empty()) << report.audit_comment_error;
  const auto comments = requestsOf(device_, "op", "<set><audit-comment>");
  ASSERT_EQ(comments.size(), 3U);
  const auto writes = requestsOf(device_, "config");
  const auto commits = requestsOf(device_, "commit");
  ASSERT_EQ(commits.size(), 1U);
  EXPECT_GT(comments.front(), writes.back());   // after the write (the rules exist)
  EXPECT_LT(comments.back(), commits.front());  // recorded with the commit
  pugi::xml_document first;
  ASSERT_TRUE(first.load_string(device_.seen[comments[0]].at("cmd").c_str()));
  const auto audit = first.child("set").child("audit-comment");
  EXPECT_EQ(std::string(audit.child("xpath").text().get()), paths().rule("sg-01-tcp-22").value());
  EXPECT_EQ(std::string(audit.child("comment").text().get()),
            plan.add_rules[0].description);  // short enough to be the description itself
  pugi::xml_document third;
  ASSERT_TRUE(third.load_string(device_.seen[comments[2]].at("cmd").c_str()));
  EXPECT_EQ(std::string(third.child("set").child("audit-comment").child("xpath").text().get()),
            paths().rule("sg-03-tcp-443").value());
  EXPECT_EQ(fw.requestCounts().of("op/set"), 3);
}

TEST_F(FirewallTest, AFirewallWithoutAuditCommentsIsDetectedOnceAndTheRunCommits) {
  device_.audit_comment =
      "<response status=\"error\" code=\"17\"><msg><line><![CDATA[ set -> audit-comment  is "
      "unexpected]]></line></msg></response>";
  auto fw = firewall();
  ASSERT_TRUE(fw.readRulebase().has_value());
  ApplyReport report;
  ASSERT_TRUE(applyHeld(fw, fullPlan(), report).has_value());
  EXPECT_TRUE(report.committed);
  EXPECT_EQ(report.audit_comments, 0);
  EXPECT_TRUE(report.audit_comments_unsupported);
  EXPECT_NE(report.audit_comment_error.find("is unexpected"), std::string::npos)
      << report.audit_comment_error;
  EXPECT_EQ(requestsOf(device_, "op", "<set><audit-comment>").size(), 1U);  // not once per rule
  // The next run of this process does not ask again.
  ApplyReport again;
  ASSERT_TRUE(applyHeld(fw, fullPlan(), again).has_value());
  EXPECT_TRUE(again.audit_comments_unsupported);
  EXPECT_EQ(requestsOf(device_, "op", "<set><audit-comment>").size(), 1U);
}

TEST_F(FirewallTest, AFailingAuditCommentIsReportedAndTheChangesAreStillCommitted) {
  device_.audit_comment =
      "<response status=\"error\" code=\"7\"><msg><line>Audit comment xpath is not a "
      "rule</line></msg></response>";
  auto fw = firewall();
  ASSERT_TRUE(fw.readRulebase().has_value());
  ApplyReport report;
  ASSERT_TRUE(applyHeld(fw, fullPlan(), report).has_value());
  EXPECT_TRUE(report.committed);
  EXPECT_FALSE(report.audit_comments_unsupported);
  EXPECT_NE(report.audit_comment_error.find("rule 'sg-01-tcp-22'"), std::string::npos)
      << report.audit_comment_error;
  EXPECT_NE(report.audit_comment_error.find("(0 of 3 set)"), std::string::npos)
      << report.audit_comment_error;
  EXPECT_EQ(requestsOf(device_, "op", "<set><audit-comment>").size(), 1U);
}

TEST_F(FirewallTest, AnEmptyPlanWritesAndCommitsNothing) {
  auto fw = firewall();
  auto hold = fw.hold();
  ASSERT_TRUE(hold.has_value());
  const auto before = device_.seen.size();
  ApplyReport report;
  ASSERT_TRUE(fw.apply(policy::Plan{}, **hold, report).has_value());
  EXPECT_FALSE(report.commit_job.has_value());
  EXPECT_FALSE(report.written);
  EXPECT_EQ(device_.seen.size(), before);
}

TEST_F(FirewallTest, ACommitThatFindsNothingToCommitAfterTheWriteIsAnError) {
  device_.commits = {referenceFile("commit-no-changes-docs.xml")};
  auto fw = firewall();
  ApplyReport report;
  const auto status = applyHeld(fw, fullPlan(), report);
  ASSERT_FALSE(status.has_value());
  EXPECT_EQ(status.error().code, ErrorCode::Conflict);
  EXPECT_EQ(status.error().message,
            "committing trailwall's changes: the firewall found nothing to commit although run "
            "tw-run1 had just written 9 change(s) (\"There are no changes to commit.\"): they "
            "were undone before the commit (another run or an administrator reverted "
            "trailwall's uncommitted changes); nothing was committed");
  EXPECT_TRUE(report.written);
  EXPECT_FALSE(report.committed);
}

TEST_F(FirewallTest, LosingTheHoldBeforeTheCommitCommitsNothingAndRevertsNothing) {
  auto fw = firewall();
  auto hold = fw.hold();
  ASSERT_TRUE(hold.has_value());
  // Another run took the hold over (as it would a crashed run's) while this one wrote.
  device_.locks.locks["trailwall"] = "trailwall run tw-other since 2026-05-01T10:00:00Z";
  ApplyReport report;
  const auto status = fw.apply(fullPlan(), **hold, report);
  ASSERT_FALSE(status.has_value());
  EXPECT_EQ(status.error().code, ErrorCode::Conflict);
  EXPECT_NE(status.error().message.find("before committing (nothing committed; the changes "
                                        "written stay in the candidate for the run that holds "
                                        "the firewall to revert): run tw-run1 lost its hold"),
            std::string::npos)
      << status.error().message;
  EXPECT_TRUE(report.written);
  EXPECT_FALSE(report.committed);
  EXPECT_FALSE(report.reverted);
  EXPECT_EQ(device_.count("commit"), 0);
  EXPECT_EQ(device_.count("op", "<revert>"), 0);
  ASSERT_TRUE((*hold)->release().has_value());
  EXPECT_EQ(device_.locks.locks.size(), 1U);  // the other run's lock stays
}

std::string jobsList(const std::string& jobs) {
  return "<response status=\"success\"><result>" + jobs + "</result></response>";
}

std::string commitJob(int id, const std::string& user, const std::string& description,
                      const std::string& status = "ACT") {
  return "<job><tenq>2026/05/01 10:00:01</tenq><id>" + std::to_string(id) + "</id><user>" + user +
         "</user><type>Commit</type><status>" + status + "</status><result>" +
         (status == "FIN" ? "OK" : "PEND") + "</result><description>" + description +
         "</description><progress>" + (status == "FIN" ? "100" : "10") + "</progress></job>";
}

TEST_F(FirewallTest, ALostCommitAnswerIsLookedUpAmongTheJobsAndFollowed) {
  auto fw = firewall();
  bool dropped = false;
  transport_.setHandler([&](const http::Request& r) -> Result<http::Response> {
    const auto fields = formFields(r.body);
    if (fields.at("type") == "commit" && !dropped) {
      dropped = true;
      device_.seen.push_back(fields);
      return fail(ErrorCode::Network, "connection reset by peer after sending the request");
    }
    return device_(r);
  });
  device_.all_jobs =
      jobsList(commitJob(6, "trailwall", "trailwall run tw-other: +1 ~0 -0 rules", "FIN") +
               commitJob(7, "bob", "trailwall run tw-run1: +2 ~1 -1 rules") +
               commitJob(8, "trailwall", "trailwall run tw-run1: +2 ~1 -1 rules"));
  device_.jobs = {
      jobsList(commitJob(8, "trailwall", "trailwall run tw-run1: +2 ~1 -1 rules", "FIN"))};
  ApplyReport report;
  const auto status = applyHeld(fw, fullPlan(), report);
  ASSERT_TRUE(status.has_value()) << to_string(status.error());
  EXPECT_EQ(report.commit_job, 8);
  EXPECT_TRUE(report.committed);
  EXPECT_EQ(device_.count("commit"), 1);  // not sent again
  EXPECT_NE(report.commit_lookup.find("job 8 of run tw-run1 found among the firewall's jobs and "
                                      "followed"),
            std::string::npos)
      << report.commit_lookup;
}

TEST_F(FirewallTest, NothingToCommitBecauseThisRunsCommitIsQueuedIsFollowed) {
  // The transport resent a commit whose answer was lost: the resend finds the changes taken by
  // the first request's job.
  device_.commits = {referenceFile("commit-no-changes-docs.xml")};
  device_.all_jobs = jobsList(commitJob(9, "trailwall", "trailwall run tw-run1: +2 ~1 -1 rules"));
  device_.jobs = {
      jobsList(commitJob(9, "trailwall", "trailwall run tw-run1: +2 ~1 -1 rules", "FIN"))};
  auto fw = firewall();
  ApplyReport report;
  const auto status = applyHeld(fw, fullPlan(), report);
  ASSERT_TRUE(status.has_value()) << to_string(status.error());
  EXPECT_EQ(report.commit_job, 9);
  EXPECT_TRUE(report.committed);
  EXPECT_NE(report.commit_lookup.find("but job 9 of run tw-run1 is among the firewall's jobs"),
            std::string::npos)
      << report.commit_lookup;
}

TEST_F(FirewallTest, ALostCommitWithNoJobIsSentAgain) {
  auto fw = firewall();
  int commits = 0;
  transport_.setHandler([&](const http::Request& r) -> Result<http::Response> {
    const auto fields = formFields(r.body);
    if (fields.at("type") == "commit" && commits++ == 0) {
      device_.seen.push_back(fields);
      return fail(ErrorCode::Network, "connection refused");
    }
    return device_(r);
  });
  ApplyReport report;
  const auto status = applyHeld(fw, fullPlan(), report);
  ASSERT_TRUE(status.has_value()) << to_string(status.error());
  EXPECT_EQ(device_.count("commit"), 2);
  EXPECT_TRUE(report.committed);
  EXPECT_NE(report.commit_lookup.find("no job of run tw-run1 among the firewall's jobs, so the "
                                      "commit was sent again"),
            std::string::npos);
}

TEST_F(FirewallTest, ALostCommitWithUnreadableJobsIsUnknownAndNotReverted) {
  auto fw = firewall();
  bool down = false;
  transport_.setHandler([&](const http::Request& r) -> Result<http::Response> {
    const auto fields = formFields(r.body);
    if (fields.at("type") == "commit") down = true;
    if (down &&
        (fields.at("type") == "commit" || fields.at("cmd") == "<show><jobs><all/></jobs></show>")) {
      device_.seen.push_back(fields);
      return fail(ErrorCode::Network, "connection timed out");
    }
    return device_(r);
  });
  ApplyReport report;
  const auto status = applyHeld(fw, fullPlan(), report);
  ASSERT_FALSE(status.has_value());
  EXPECT_NE(status.error().message.find(
                "the answer to the commit request was lost (firewall request commit to "
                "https://fw.example/api/: connection timed out) and the firewall's job list could "
                "not be read"),
            std::string::npos)
      << status.error().message;
  EXPECT_NE(status.error().message.find("whether run tw-run1's changes are committed is not "
                                        "known; they are not reverted"),
            std::string::npos);
  EXPECT_TRUE(report.commit_unknown);
  EXPECT_FALSE(report.reverted);
  EXPECT_EQ(device_.count("op", "<revert>"), 0);
}

TEST_F(FirewallTest, LeftoversAreRevertedOnlyAfterThisAdministratorsCommitsFinish) {
  device_.all_jobs = jobsList(commitJob(5, "trailwall", "trailwall run tw-gone: +1 ~0 -0 rules") +
                              commitJob(4, "bob", "bob's work"));
  const std::string gone = "trailwall run tw-gone: +1 ~0 -0 rules";
  device_.jobs = {jobsList(commitJob(5, "trailwall", gone)),
                  jobsList(commitJob(5, "trailwall", gone, "FIN"))};
  auto fw = firewall();
  auto hold = fw.hold();
  ASSERT_TRUE(hold.has_value());
  const auto reverted = fw.revertLeftovers(**hold);
  ASSERT_TRUE(reverted.has_value()) << to_string(reverted.error());
  std::vector<std::string> order;
  for (const auto& f : device_.seen) {
    if (f.count("cmd") != 0U && !f.at("cmd").starts_with("<show><config-locks") &&
        !f.at("cmd").starts_with("<request>")) {
      order.push_back(f.at("cmd"));
    }
  }
  EXPECT_EQ(order, (std::vector<std::string>{
                       "<show><jobs><all/></jobs></show>", "<show><jobs><id>5</id></jobs></show>",
                       "<show><jobs><id>5</id></jobs></show>",
                       "<revert><config><partial><admin><member>trailwall</member></admin>"
                       "</partial></config></revert>"}));
}

TEST_F(FirewallTest, AFailedCommitRevertsThisAdministratorsChangesAndReportsTheJob) {
  device_.commits = {ScriptedDevice::enqueued(8)};
  device_.jobs = {referenceFile("job-validate-fin-fail.xml")};
  auto fw = firewall();
  ApplyReport report;
  const auto status = applyHeld(fw, fullPlan(), report);
  ASSERT_FALSE(status.has_value());
  EXPECT_EQ(status.error().code, ErrorCode::Remote);
  EXPECT_NE(
      status.error().message.find("commit job 8 FAIL: Validation Error: | address -> address-3"),
      std::string::npos)
      << status.error().message;
  EXPECT_NE(status.error().message.find("reverted trailwall's uncommitted changes"),
            std::string::npos);
  EXPECT_EQ(device_.count("op", "<revert><config><partial><admin><member>trailwall</member>"), 1);
  EXPECT_TRUE(report.written);
  EXPECT_TRUE(report.reverted);
  EXPECT_FALSE(report.committed);
}

TEST_F(FirewallTest, AFailedMultiConfigChangedNothingAndSaysWhy) {
  device_.multi_config = {referenceFile("multi-config-error-13-pango.xml")};
  auto fw = firewall();
  ApplyReport report;
  const auto status = applyHeld(fw, fullPlan(), report);
  ASSERT_FALSE(status.has_value());
  EXPECT_EQ(status.error().code, ErrorCode::InvalidInput);
  EXPECT_NE(status.error().message.find("test-new unexpected here"), std::string::npos);
  EXPECT_EQ(device_.count("commit"), 0);
  EXPECT_EQ(device_.count("op", "<revert>"), 0);  // all or nothing: there is nothing to revert
  EXPECT_FALSE(report.written);
}

TEST_F(FirewallTest, AWriteWhoseAnswerWasLostIsRevertedNotCommitted) {
  auto fw = firewall();
  transport_.setHandler([this](const http::Request& r) -> Result<http::Response> {
    const auto fields = formFields(r.body);
    if (fields.count("action") != 0U && fields.at("action") == "multi-config") {
      device_.seen.push_back(fields);  // the device may have carried it out
      return fail(ErrorCode::Network, "connection reset by peer");
    }
    return device_(r);
  });
  ApplyReport report;
  const auto status = applyHeld(fw, fullPlan(), report);
  ASSERT_FALSE(status.has_value());
  EXPECT_NE(status.error().message.find("reverted trailwall's uncommitted changes"),
            std::string::npos)
      << status.error().message;
  EXPECT_EQ(device_.count("op", "<revert>"), 1);
  EXPECT_EQ(device_.count("commit"), 0);
  EXPECT_TRUE(report.reverted);
  EXPECT_FALSE(report.committed);
}

TEST_F(FirewallTest, AFailedSingleRequestRevertsWhatWasWritten) {
  device_.multi_config = {"<response status='error' code='1'/>"};
  auto fw = firewall();
  ApplyReport first;
  ASSERT_TRUE(applyHeld(fw, fullPlan(), first).has_value());  // the device refused multi-config
  transport_.setHandler([this](const http::Request& r) -> Result<http::Response> {
    const auto fields = formFields(r.body);
    if (fields.count("action") != 0U && fields.at("action") == "move") {
      device_.seen.push_back(fields);
      return http::Response{200, {}, referenceFile("error-12-invalid-object-multiline.xml")};
    }
    return device_(r);
  });
  ApplyReport report;
  const auto status = applyHeld(fw, fullPlan(), report);
  ASSERT_FALSE(status.has_value());
  EXPECT_NE(status.error().message.find("reverted trailwall's uncommitted changes"),
            std::string::npos)
      << status.error().message;
  EXPECT_EQ(device_.count("op", "<revert>"), 1);
  EXPECT_TRUE(report.written);
  EXPECT_TRUE(report.reverted);
}

TEST_F(FirewallTest, FallsBackToOneRequestPerChange) {
  device_.multi_config = {"<response status='error' code='1'/>"};
  auto fw = firewall();
  ApplyReport report;
  const auto status = applyHeld(fw, fullPlan(), report);
  ASSERT_TRUE(status.has_value()) << to_string(status.error());
  EXPECT_FALSE(report.multi_config);
  EXPECT_EQ(report.write_requests, 12);  // the refused multi-config + 11 changes
  EXPECT_EQ(device_.count("config", "set"), 4);
  EXPECT_EQ(device_.count("config", "move"), 3);
  EXPECT_EQ(device_.count("commit"), 1);
}

TEST_F(FirewallTest, WaitsForAnotherAdministratorsWriteLock) {
  const std::string locked =
      "<response status=\"error\"><msg><line>Configuration is locked by "
      "bob</line></msg></response>";
  device_.multi_config = {locked, locked, referenceFile("multi-config-success-docs.xml")};
  auto fw = firewall();
  ApplyReport report;
  const auto status = applyHeld(fw, fullPlan(), report);
  ASSERT_TRUE(status.has_value()) << to_string(status.error());
  EXPECT_EQ(report.lock_wait, std::chrono::seconds(20));
  EXPECT_EQ(device_.count("config", "multi-config"), 3);
  for (const auto& fields : device_.seen) {
    const auto cmd = fields.find("cmd");
    EXPECT_TRUE(cmd == fields.end() || cmd->second.find("<admin>bob") == std::string::npos);
  }
}

TEST_F(FirewallTest, GivesUpOnAnotherAdministratorsConfigLockAfterTheBoundAndNamesIt) {
  device_.locks.locks["bob"] = "maintenance";
  auto fw = firewall();
  const auto hold = fw.hold();
  ASSERT_FALSE(hold.has_value());
  EXPECT_EQ(hold.error().code, ErrorCode::Conflict);
  EXPECT_NE(hold.error().message.find("config lock held by bob (scope shared, since 2026/05/01 "
                                      "10:00:00, comment: maintenance)"),
            std::string::npos)
      << hold.error().message;
  EXPECT_NE(hold.error().message.find("never removes another administrator's lock"),
            std::string::npos);
  EXPECT_EQ(device_.count("op", "<show><config-locks"), 7);  // at 0, 10, …, 60 s
  EXPECT_EQ(device_.locks.removes, 0);
  EXPECT_EQ(device_.changing(), 0);
}

TEST_F(FirewallTest, WaitsForAnotherAdministratorsCommitLock) {
  device_.commits = {referenceFile("commit-error-14-commit-locks-held.xml"),
                     ScriptedDevice::enqueued(2)};
  auto fw = firewall();
  ApplyReport report;
  const auto status = applyHeld(fw, fullPlan(), report);
  ASSERT_TRUE(status.has_value()) << to_string(status.error());
  EXPECT_EQ(report.lock_wait, std::chrono::seconds(10));
  EXPECT_EQ(device_.count("commit"), 2);
}

policy::Flow flowTo(std::string rule, std::string destination, int port) {
  policy::Flow flow;
  flow.rule = std::move(rule);
  flow.source = net::Cidr::anyV4();
  flow.destination = net::IpAddress::parse(destination).value();
  flow.protocol = net::Protocol::tcp();
  flow.ports = net::PortRange::single(static_cast<std::uint16_t>(port));
  flow.application = "ssl";
  return flow;
}

TEST_F(FirewallTest, AlreadyAllowedTestsEachDistinctFlowOnce) {
  device_.policy_match =
      "<response cmd=\"status\" status=\"success\"><result><rules>"
      "<entry name=\"sg-0a1b2c3d4e5f60718-tcp-443\"><index>2</index><action>allow</action></entry>"
      "<entry "
      "name=\"allow-web\"><index>1</index><action>allow</action></entry></rules></result></"
      "response>";
  auto fw = firewall();
  const std::vector<policy::Flow> flows{flowTo("sg-1-tcp-443", "10.0.1.5", 443),
                                        flowTo("sg-2-tcp-443", "10.0.1.5", 443),
                                        flowTo("sg-1-tcp-443", "10.0.1.6", 443)};
  const auto report = fw.alreadyAllowed(flows);
  ASSERT_TRUE(report.has_value()) << to_string(report.error());
  EXPECT_EQ(report->tests, 2);
  EXPECT_EQ(report->allowed.size(), 3U);
  EXPECT_EQ(device_.count("op", "<test><security-policy-match>"), 2);
  // The rulebase (and the shared objects), to know which rules are managed.
  EXPECT_EQ(device_.count("config", "get"), 3);
  const auto& cmd = device_.seen[3].at("cmd");
  EXPECT_NE(
      cmd.find("<source>0.0.0.1</source><destination>10.0.1.5</destination><protocol>6</protocol>"
               "<destination-port>443</destination-port><application>ssl</application>"
               "<show-all>yes</show-all>"),
      std::string::npos)
      << cmd;
}

TEST_F(FirewallTest, OnlyAManagedAllowIsNotAlreadyAllowed) {
  device_.policy_match =
      "<response cmd=\"status\" status=\"success\"><result><rules>"
      "<entry name=\"sg-0a1b2c3d4e5f60718-tcp-443\"><index>2</index><action>allow</action></entry>"
      "<entry name=\"Clean "
      "up\"><index>3</index><action>deny</action></entry></rules></result></response>";
  auto fw = firewall();
  const auto report = fw.alreadyAllowed({flowTo("sg-1-tcp-443", "10.0.1.5", 443)});
  ASSERT_TRUE(report.has_value());
  EXPECT_TRUE(report->allowed.empty());
}

TEST_F(FirewallTest, AlreadyAllowedStopsTestingAtTheBound) {
  FirewallOptions options;
  options.max_policy_match_tests = 2;
  auto fw = firewall(options);
  std::vector<policy::Flow> flows;
  for (int i = 0; i < 5; ++i) {
    flows.push_back(flowTo("sg-1-tcp-443", "10.0.1." + std::to_string(10 + i), 443));
  }
  const auto report = fw.alreadyAllowed(flows);
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->tests, 2);
  EXPECT_EQ(report->untested, 3);
  EXPECT_EQ(device_.count("op", "<test>"), 2);
}

TEST_F(FirewallTest, AlreadyAllowedRunsTestsConcurrentlyWithTheSameAnswers) {
  // Destinations ending in an even number are allowed by an administrator's rule.
  const std::string allowed =
      "<response cmd=\"status\" status=\"success\"><result><rules><entry "
      "name=\"allow-web\"><index>1</index><action>allow</action></entry></rules></result>"
      "</response>";
  const std::string denied =
      "<response cmd=\"status\" status=\"success\"><result><rules><entry name=\"Clean "
      "up\"><index>3</index><action>deny</action></entry></rules></result></response>";
  transport_.setHandler([&](const http::Request& r) -> Result<http::Response> {
    const auto at = r.body.find("%3Cdestination%3E10.0.1.");
    if (at == std::string::npos) return device_(r);
    const int octet = std::stoi(r.body.substr(at + 24));
    return http::Response{200, {}, octet % 2 == 0 ? allowed : denied};
  });
  FirewallOptions options;
  options.policy_match_concurrency = 4;
  auto fw = firewall(options);
  std::vector<policy::Flow> flows;
  for (int i = 10; i < 30; ++i) {
    flows.push_back(flowTo("sg-1-tcp-443", "10.0.1." + std::to_string(i), 443));
  }
  const auto report = fw.alreadyAllowed(flows);
  ASSERT_TRUE(report.has_value()) << to_string(report.error());
  EXPECT_EQ(report->tests, 20);
  ASSERT_EQ(report->allowed.size(), 10U);
  for (const auto& flow : report->allowed) {
    EXPECT_EQ(flow.destination.toString().back() % 2, 0) << flow.destination.toString();
  }
  EXPECT_EQ(client_.counts().of("op/test"), 20);
}

TEST(FakeFirewall, AppliesPlansInMemoryAndCountsCommits) {
  FakeFirewall fake(policy::parseRulebaseXml(dataFile("get-vsys1.xml")).value());
  policy::Plan plan;
  plan.placement = {policy::Placement::Where::Before, "Clean up"};
  plan.add_rules.push_back(managedRule("sg-01-tcp-22", "10.0.1.5"));
  auto hold = fake.hold();
  ASSERT_TRUE(hold.has_value());
  ApplyReport report;
  ASSERT_TRUE(fake.apply(plan, **hold, report).has_value());
  EXPECT_EQ(fake.commits(), 1);
  const auto& rules = fake.rulebase().rules;
  ASSERT_EQ(rules.size(), 4U);
  EXPECT_EQ(rules[2].name, "sg-01-tcp-22");
  EXPECT_EQ(rules[3].name, "Clean up");
  ASSERT_TRUE(fake.apply(policy::Plan{}, **hold, report).has_value());
  EXPECT_EQ(fake.commits(), 1);
  EXPECT_EQ(fake.requestCounts().commits(), 1);
  fake.failNextCommit(Error{ErrorCode::Remote, "commit job 9 FAIL"});
  plan.add_rules[0].name = "sg-02-tcp-22";
  EXPECT_FALSE(fake.apply(plan, **hold, report).has_value());
  EXPECT_EQ(fake.rulebase().rules.size(), 4U);
  hold->reset();
  EXPECT_EQ(fake.releases(), 1);
}

}  // namespace
}  // namespace trailwall::panos
