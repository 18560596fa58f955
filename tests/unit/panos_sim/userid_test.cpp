// type=user-id registrations, show object registered-ip / dynamic-address-group, and dynamic
// address groups in security-policy-match, on the fake clock.
#include <gtest/gtest.h>

#include "sim_test_util.h"

namespace trailwall::panossim::test {
namespace {

using std::chrono::seconds;

ApiResponse userId(SimHarness& h, const std::string& cmd, const std::string& vsys = "") {
  std::vector<std::pair<std::string, std::string>> params = {{"type", "user-id"}, {"cmd", cmd}};
  if (!vsys.empty()) {
    params.emplace_back("vsys", vsys);
  }
  return h.call(std::move(params));
}

// <uid-message> registering (or unregistering) `tags` on each address.
std::string uidMessage(const std::string& op, const std::vector<std::string>& ips,
                       const std::vector<std::string>& tags, const std::string& timeout = "") {
  std::string out = "<uid-message><version>1.0</version><type>update</type><payload><" + op + ">";
  for (const std::string& ip : ips) {
    out += "<entry ip=\"" + ip + "\"><tag>";
    for (const std::string& t : tags) {
      out += timeout.empty() ? "<member>" : "<member timeout=\"" + timeout + "\">";
      out += t + "</member>";
    }
    out += "</tag></entry>";
  }
  return out + "</" + op + "></payload></uid-message>";
}

std::string showRegistered(const std::string& inner = "<all/>") {
  return "<show><object><registered-ip>" + inner + "</registered-ip></object></show>";
}

// ip -> tags as `show object registered-ip` lists them.
std::map<std::string, std::vector<std::string>> registered(SimHarness& h,
                                                           const std::string& inner = "<all/>") {
  std::map<std::string, std::vector<std::string>> out;
  const pugi::xml_document doc = parse(h.op(showRegistered(inner)).body);
  for (const pugi::xpath_node& e : doc.select_nodes("/response/result/entry")) {
    auto& tags = out[e.node().attribute("ip").value()];
    for (const pugi::xpath_node& m : e.node().select_nodes("tag/member")) {
      tags.emplace_back(m.node().text().get());
    }
  }
  return out;
}

std::vector<std::string> entryMessages(const ApiResponse& r) {
  std::vector<std::string> out;
  // Kept in a variable: GCC 12 ends a temporary's life before the body of a range-for runs.
  const pugi::xml_document doc = parse(r.body);
  for (const pugi::xpath_node& e :
       doc.select_nodes("/response/msg/line/uid-response/payload/*/entry")) {
    out.emplace_back(std::string(e.node().attribute("ip").value()) + ": " +
                     e.node().attribute("message").value());
  }
  return out;
}

TEST(UserId, RegisterAndShowAnswerLikeTheDevice) {
  SimHarness h;
  EXPECT_EQ(canonicalXml(userId(h, reference("userid-register-request-pandev.xml")).body),
            canonicalXml(reference("userid-register-success-pandev.xml")));
  EXPECT_EQ(canonicalXml(h.op(showRegistered()).body),
            canonicalXml(reference("op-show-registered-ip-all-pandev.xml")));
  EXPECT_EQ(canonicalXml(userId(h, reference("userid-unregister-request-pandev.xml")).body),
            canonicalXml(reference("userid-unregister-success-pandev.xml")));
  const pugi::xml_document empty = parse(h.op(showRegistered()).body);
  EXPECT_STREQ(empty.select_node("/response/result/count").node().text().get(), "0");
  EXPECT_FALSE(empty.select_node("/response/result/entry"));
}

TEST(UserId, DuplicateRegistrationAnswersAlreadyExistsAsTheDeviceDoes) {
  SimHarness h;
  const std::string msg = uidMessage("register", {"192.168.1.2", "192.168.1.3"}, {"your-tag"});
  EXPECT_EQ(statusOf(userId(h, msg)), "success");
  EXPECT_EQ(canonicalXml(userId(h, msg).body),
            canonicalXml(reference("userid-register-error-already-exists-panpython-pr1.xml")));
}

TEST(UserId, SeveralOperationsInOneMessageAreEchoedInOrder) {
  SimHarness h;
  ASSERT_EQ(statusOf(userId(h, uidMessage("register", {"1.1.1.1"}, {"old"}))), "success");
  const std::string both =
      "<uid-message><type>update</type><payload>"
      "<unregister><entry ip=\"1.1.1.1\"><tag><member>old</member></tag></entry></unregister>"
      "<register><entry ip=\"1.1.1.1\"><tag><member>new</member></tag></entry></register>"
      "</payload></uid-message>";
  EXPECT_EQ(canonicalXml(userId(h, both).body),
            canonicalXml(reference("userid-register-unregister-success-panoslib.xml")));
  EXPECT_EQ(registered(h), (std::map<std::string, std::vector<std::string>>{{"1.1.1.1", {"new"}}}));
}

TEST(UserId, EntriesWithoutErrorsAreAppliedWhenOthersFail) {
  SimHarness h;
  ASSERT_EQ(statusOf(userId(h, uidMessage("register", {"10.0.0.1"}, {"tag1"}))), "success");
  // pango issue #98: tag1 already present, tag2 new: an error reply, tag2 registered.
  const ApiResponse r = userId(h, uidMessage("register", {"10.0.0.1", "bogus"}, {"tag1", "tag2"}));
  EXPECT_EQ(statusOf(r), "error");
  EXPECT_EQ(entryMessages(r), (std::vector<std::string>{"10.0.0.1: tag tag1 already exists, ignore",
                                                        "bogus: Invalid IP address"}));
  EXPECT_EQ(registered(h)["10.0.0.1"], (std::vector<std::string>{"tag1", "tag2"}));
}

TEST(UserId, MappingDisappearsWhenItsTimeoutPasses) {
  SimHarness h;
  ASSERT_EQ(statusOf(userId(h, uidMessage("register", {"10.1.1.1"}, {"short"}, "60"))), "success");
  ASSERT_EQ(statusOf(userId(h, uidMessage("register", {"10.1.1.1"}, {"forever"}, "0"))), "success");
  h.clock.advance(seconds(59));
  EXPECT_EQ(registered(h)["10.1.1.1"], (std::vector<std::string>{"short", "forever"}));
  h.clock.advance(seconds(1));
  EXPECT_EQ(registered(h)["10.1.1.1"], (std::vector<std::string>{"forever"}));
  h.clock.advance(seconds(kMaxTagTimeoutSeconds * 10));
  EXPECT_EQ(registered(h)["10.1.1.1"], (std::vector<std::string>{"forever"}));
}

TEST(UserId, RegisteringAgainRestartsTheTimeout) {
  SimHarness h;
  const std::string msg = uidMessage("register", {"10.1.1.2"}, {"refreshed"}, "60");
  ASSERT_EQ(statusOf(userId(h, msg)), "success");
  h.clock.advance(seconds(50));
  // The device answers "already exists" and the timeout starts again (MineMeld's canary).
  EXPECT_EQ(entryMessages(userId(h, msg)),
            (std::vector<std::string>{"10.1.1.2: tag refreshed already exists, ignore"}));
  h.clock.advance(seconds(50));
  EXPECT_EQ(registered(h).count("10.1.1.2"), 1U);
  h.clock.advance(seconds(10));
  EXPECT_EQ(registered(h).count("10.1.1.2"), 0U);
  // A refresh with timeout 0 makes it permanent.
  ASSERT_EQ(statusOf(userId(h, msg)), "success");
  userId(h, uidMessage("register", {"10.1.1.2"}, {"refreshed"}, "0"));
  h.clock.advance(seconds(3600));
  EXPECT_EQ(registered(h).count("10.1.1.2"), 1U);
}

TEST(UserId, TimeoutOutOfRangeIsRefusedPerEntry) {
  SimHarness h;
  const ApiResponse r = userId(h, uidMessage("register", {"10.1.1.3"}, {"t"}, "2592001"));
  EXPECT_EQ(statusOf(r), "error");
  ASSERT_EQ(entryMessages(r).size(), 1U);
  EXPECT_NE(entryMessages(r)[0].find("2592000"), std::string::npos);
  EXPECT_TRUE(registered(h).empty());
  EXPECT_EQ(statusOf(userId(h, uidMessage("register", {"10.1.1.3"}, {"t"}, "2592000"))), "success");
}

TEST(UserId, UnregisterTouchesOnlyTheNamedTags) {
  SimHarness h;
  ASSERT_EQ(statusOf(userId(h, uidMessage("register", {"10.2.0.1", "10.2.0.2"},
                                          {"trailwall.sg-1", "other.team"}))),
            "success");
  ASSERT_EQ(
      statusOf(userId(h, uidMessage("unregister", {"10.2.0.1", "10.2.0.2"}, {"trailwall.sg-1"}))),
      "success");
  EXPECT_EQ(registered(h), (std::map<std::string, std::vector<std::string>>{
                               {"10.2.0.1", {"other.team"}}, {"10.2.0.2", {"other.team"}}}));
  const ApiResponse again =
      userId(h, uidMessage("unregister", {"10.2.0.1", "10.9.9.9"}, {"trailwall.sg-1"}));
  EXPECT_EQ(entryMessages(again),
            (std::vector<std::string>{"10.2.0.1: tag trailwall.sg-1 does not exist, ignore unreg",
                                      "10.9.9.9: ip 10.9.9.9 does not exist, ignore unreg"}));
}

TEST(UserId, LegacyIdentifierEntriesAndEntriesWithoutTags) {
  SimHarness h;
  ASSERT_EQ(statusOf(userId(h, uidMessage("register", {"10.0.0.3", "10.0.0.4"}, {"tag1", "tag2"}))),
            "success");
  // pan-python a4b92c8 against a PA-200 (PAN-OS 6.0): identifier="TAG".
  const ApiResponse r =
      userId(h, reference("userid-unregister-request-v2-identifier-panpython.xml"));
  EXPECT_EQ(entryMessages(r), (std::vector<std::string>{"xxx: Invalid IP address"}));
  EXPECT_EQ(registered(h),
            (std::map<std::string, std::vector<std::string>>{{"10.0.0.4", {"tag2"}}}));
  // An unregister entry without tags removes the address (assumption).
  ASSERT_EQ(statusOf(userId(h,
                            "<uid-message><payload><unregister><entry ip=\"10.0.0.4\"/>"
                            "</unregister></payload></uid-message>")),
            "success");
  EXPECT_TRUE(registered(h).empty());
}

TEST(UserId, ShowFiltersByIpAndByTag) {
  SimHarness h;
  userId(h, uidMessage("register", {"10.3.0.1", "10.3.0.2"}, {"a"}));
  userId(h, uidMessage("register", {"10.3.0.2", "10.3.0.3"}, {"b"}));
  EXPECT_EQ(registered(h, "<ip>10.3.0.2</ip>"),
            (std::map<std::string, std::vector<std::string>>{{"10.3.0.2", {"a", "b"}}}));
  EXPECT_EQ(registered(h, "<tag><entry name=\"b\"/></tag>").size(), 2U);
  EXPECT_EQ(registered(h, "<tag><entry name=\"b\"/></tag>").count("10.3.0.1"), 0U);
  EXPECT_TRUE(registered(h, "<ip>10.9.9.9</ip>").empty());
}

TEST(UserId, PagesHoldAtMost500EntriesAndCountThePage) {
  SimHarness h;
  std::vector<std::string> ips;
  for (int i = 0; i < 1200; ++i) {
    ips.push_back("10.4." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1));
  }
  ASSERT_EQ(statusOf(userId(h, uidMessage("register", ips, {"bulk"}))), "success");
  std::set<std::string> seen;
  std::vector<std::size_t> pages;
  for (std::size_t start = 1;;) {
    const pugi::xml_document doc =
        parse(h.op(showRegistered("<all/><limit>500</limit><start-point>" + std::to_string(start) +
                                  "</start-point>"))
                  .body);
    const std::size_t n = doc.select_nodes("/response/result/entry").size();
    EXPECT_EQ(std::to_string(n), doc.select_node("/response/result/count").node().text().get());
    for (const pugi::xpath_node& e : doc.select_nodes("/response/result/entry")) {
      seen.insert(e.node().attribute("ip").value());
    }
    pages.push_back(n);
    if (n < 500) {
      break;
    }
    start += n;
  }
  EXPECT_EQ(pages, (std::vector<std::size_t>{500, 500, 200}));
  EXPECT_EQ(seen.size(), 1200U);
  // A larger limit or none at all still gives one page of 500.
  EXPECT_EQ(registered(h, "<all/><limit>5000</limit>").size(), 500U);
  EXPECT_EQ(registered(h).size(), 500U);
  EXPECT_EQ(registered(h, "<all/><limit>7</limit><start-point>1199</start-point>").size(), 2U);
  EXPECT_EQ(codeOf(h.op(showRegistered("<all/><limit>x</limit>"))), "17");
}

TEST(UserId, AnAddressHoldsAtMost32Tags) {
  SimHarness h;
  std::vector<std::string> tags;
  for (int i = 0; i < 33; ++i) {
    std::string tag = "t";
    tag += std::to_string(i);
    tags.push_back(tag);
  }
  const ApiResponse r = userId(h, uidMessage("register", {"10.5.0.1"}, tags));
  EXPECT_EQ(statusOf(r), "error");
  ASSERT_EQ(entryMessages(r).size(), 1U);
  EXPECT_NE(entryMessages(r)[0].find("Failed to register tag t32"), std::string::npos);
  EXPECT_EQ(registered(h)["10.5.0.1"].size(), 32U);
}

TEST(UserId, TheModelsMaximumOfRegisteredAddressesIsEnforced) {
  SimulatorOptions options;
  options.max_registered_ips = 3;
  SimHarness h(options);
  const ApiResponse r =
      userId(h, uidMessage("register", {"10.6.0.1", "10.6.0.2", "10.6.0.3", "10.6.0.4"}, {"x"}));
  EXPECT_EQ(entryMessages(r),
            (std::vector<std::string>{
                "10.6.0.4: Failed to register: max registered-ip for the platform reached (3)"}));
  EXPECT_EQ(registered(h).size(), 3U);
  // Addresses already registered still take more tags; an unregister makes room.
  EXPECT_EQ(statusOf(userId(h, uidMessage("register", {"10.6.0.1"}, {"y"}))), "success");
  userId(h, uidMessage("unregister", {"10.6.0.3"}, {"x"}));
  EXPECT_EQ(statusOf(userId(h, uidMessage("register", {"10.6.0.4"}, {"x"}))), "success");
  // The limit is also a runtime setting (faults.max_registered_ips).
  Faults f;
  f.max_registered_ips = 4;
  h.sim->setFaults(f);
  EXPECT_EQ(statusOf(userId(h, uidMessage("register", {"10.6.0.5"}, {"x"}))), "success");
}

TEST(UserId, RequestsOver5MegabytesAreRefused) {
  SimHarness h;
  ApiRequest req;
  req.method = "POST";
  req.api_key_header = h.key();
  req.params = {{"type", "user-id"}, {"cmd", uidMessage("register", {"10.7.0.1"}, {"x"})}};
  req.bytes_in = (5U << 20) + 1;
  EXPECT_EQ(h.sim->handle(req).http_status, 413);
  req.bytes_in = 5U << 20;
  EXPECT_EQ(statusOf(h.sim->handle(req)), "success");
}

TEST(UserId, NetworksAndRangesAreRegisteredAndListed) {
  SimHarness h;
  ASSERT_EQ(
      statusOf(userId(
          h, uidMessage("register", {"10.8.0.0/24", "10.9.0.1-10.9.0.9", "2001:db8::1"}, {"net"}))),
      "success");
  const auto shown = registered(h);
  EXPECT_EQ(shown.count("10.8.0.0/24"), 1U);
  EXPECT_EQ(shown.count("10.9.0.1-10.9.0.9"), 1U);
  EXPECT_EQ(shown.count("2001:db8::1"), 1U);
}

TEST(UserId, MalformedMessagesAndUnknownVsys) {
  SimHarness h;
  EXPECT_EQ(codeOf(userId(h, "<uid-message><payload>")), "18");
  EXPECT_EQ(codeOf(userId(h, "<uid-message><type>update</type></uid-message>")), "18");
  EXPECT_EQ(codeOf(userId(h, "<uid-message><payload><bogus/></payload></uid-message>")), "17");
  EXPECT_EQ(h.call({{"type", "user-id"}}).http_status, 400);
  const ApiResponse r = userId(h, uidMessage("register", {"10.0.0.1"}, {"x"}), "vsys9");
  EXPECT_EQ(statusOf(r), "error");
  EXPECT_EQ(messageOf(r), "Invalid vsys name vsys9");
  EXPECT_TRUE(registered(h).empty());
  // login/logout are answered (not simulated).
  EXPECT_EQ(statusOf(userId(h,
                            "<uid-message><payload><login><entry name=\"user1\" ip=\"1.2.3.4\"/>"
                            "</login></payload></uid-message>")),
            "success");
}

TEST(UserId, RegistrationsNeedNoCommitAndSurviveOne) {
  SimHarness h;
  ASSERT_EQ(statusOf(userId(h, uidMessage("register", {"10.10.0.1"}, {"kept"}))), "success");
  EXPECT_EQ(messageOf(h.op("<check><pending-changes/></check>")), "no");
  ASSERT_EQ(codeOf(h.config("set", std::string(kVsys) + "/address/entry[@name='n1']",
                            "<ip-netmask>10.11.0.1</ip-netmask>")),
            "20");
  const ApiResponse job = h.commitAndWait();
  EXPECT_NE(job.body.find("<result>OK</result>"), std::string::npos) << job.body;
  EXPECT_EQ(registered(h)["10.10.0.1"], (std::vector<std::string>{"kept"}));
}

// ---- dynamic address groups ----

const std::string kDag = std::string(kVsys) + "/address-group/entry[@name='web-dag']";
const std::string kDagRule = std::string(kVsys) + "/rulebase/security/rules/entry[@name='dag-in']";

std::string matchTo(SimHarness& h, const std::string& destination) {
  const pugi::xml_document doc =
      parse(h.op("<test><security-policy-match><from>untrust</from><to>trust</to>"
                 "<source>198.51.100.7</source><destination>" +
                 destination +
                 "</destination><protocol>6</protocol><destination-port>443</destination-port>"
                 "</security-policy-match></test>")
                .body);
  return doc.select_node("/response/result/rules/entry").node().attribute("name").value();
}

// A rule at the top allowing 443 to the dynamic group `filter` selects.
void addDagRule(SimHarness& h, const std::string& filter) {
  ASSERT_EQ(codeOf(h.config("set", kDag, "<dynamic><filter>" + filter + "</filter></dynamic>")),
            "20");
  ASSERT_EQ(codeOf(h.config("set", kDagRule,
                            "<from><member>untrust</member></from><to><member>trust</member></to>"
                            "<source><member>any</member></source><destination><member>web-dag"
                            "</member></destination><source-user><member>any</member>"
                            "</source-user><category><member>any</member></category>"
                            "<application><member>any</member></application><service><member>"
                            "any</member></service><action>allow</action>")),
            "20");
  ASSERT_EQ(codeOf(h.config("move", kDagRule, "", "admin", {{"where", "top"}})), "20");
  const ApiResponse job = h.commitAndWait();
  ASSERT_NE(job.body.find("<result>OK</result>"), std::string::npos) << job.body;
}

TEST(DynamicAddressGroup, PolicyMatchFollowsRegistrationsWithoutACommit) {
  SimHarness h;
  addDagRule(h, "'trailwall.sg-1' and 'prod'");
  EXPECT_EQ(matchTo(h, "10.20.0.5"), "Clean up");
  ASSERT_EQ(statusOf(userId(h, uidMessage("register", {"10.20.0.5"}, {"trailwall.sg-1"}, "300"))),
            "success");
  EXPECT_EQ(matchTo(h, "10.20.0.5"), "Clean up");  // one tag of two
  ASSERT_EQ(statusOf(userId(h, uidMessage("register", {"10.20.0.5"}, {"prod"}, "0"))), "success");
  EXPECT_EQ(matchTo(h, "10.20.0.5"), "dag-in");
  EXPECT_EQ(matchTo(h, "10.20.0.6"), "Clean up");
  h.clock.advance(seconds(299));
  EXPECT_EQ(matchTo(h, "10.20.0.5"), "dag-in");
  h.clock.advance(seconds(1));  // trailwall.sg-1 expired: the flow closes
  EXPECT_EQ(matchTo(h, "10.20.0.5"), "Clean up");
  userId(h, uidMessage("register", {"10.20.0.5"}, {"trailwall.sg-1"}));
  EXPECT_EQ(matchTo(h, "10.20.0.5"), "dag-in");
  userId(h, uidMessage("unregister", {"10.20.0.5"}, {"prod"}));
  EXPECT_EQ(matchTo(h, "10.20.0.5"), "Clean up");
  EXPECT_EQ(h.sim->counters().commits_enqueued, 1U);  // only the rule's own commit
}

TEST(DynamicAddressGroup, RegisteredNetworksAndTaggedAddressObjectsAreMembers) {
  SimHarness h;
  addDagRule(h, "'web' or 'edge'");
  // web-server-1 (10.0.1.10) is an address object tagged "web" in the default configuration.
  EXPECT_EQ(matchTo(h, "10.0.1.10"), "dag-in");
  EXPECT_EQ(matchTo(h, "10.30.0.77"), "Clean up");
  userId(h, uidMessage("register", {"10.30.0.0/24"}, {"edge"}));
  EXPECT_EQ(matchTo(h, "10.30.0.77"), "dag-in");
  EXPECT_EQ(matchTo(h, "10.30.1.77"), "Clean up");
}

TEST(DynamicAddressGroup, ShowListsMembersAsTheDeviceDoes) {
  SimHarness h;
  ASSERT_EQ(codeOf(h.config("set", std::string(kVsys) + "/address-group/entry[@name='testBlock']",
                            "<dynamic><filter>'malicious'</filter></dynamic>")),
            "20");
  h.commitAndWait();
  userId(h, reference("userid-register-request-pandev.xml"));
  EXPECT_EQ(canonicalXml(h.op("<show><object><dynamic-address-group><all/></dynamic-address-group>"
                              "</object></show>")
                             .body),
            canonicalXml(reference("op-show-dynamic-address-group-all-pandev.xml")));
  // Tagged address objects are listed first, as address-object; <name> selects one group.
  addDagRule(h, "'web'");
  const pugi::xml_document doc =
      parse(h.op("<show><object><dynamic-address-group><name>web-dag</name>"
                 "</dynamic-address-group></object></show>")
                .body);
  EXPECT_EQ(doc.select_nodes("//dyn-addr-grp/entry").size(), 1U);
  const pugi::xpath_node_set members = doc.select_nodes("//member-list/entry");
  ASSERT_EQ(members.size(), 2U);
  EXPECT_STREQ(members[0].node().attribute("name").value(), "web-server-1");
  EXPECT_STREQ(members[0].node().attribute("type").value(), "address-object");
}

TEST(DynamicAddressGroup, AnInvalidFilterFailsTheCommit) {
  SimHarness h;
  ASSERT_EQ(codeOf(h.config("set", kDag, "<dynamic><filter>'a' and</filter></dynamic>")), "20");
  const ApiResponse job = h.commitAndWait();
  EXPECT_NE(job.body.find("<result>FAIL</result>"), std::string::npos) << job.body;
  EXPECT_NE(job.body.find("address-group -> web-dag -> dynamic -> filter"), std::string::npos);
}

}  // namespace
}  // namespace trailwall::panossim::test
