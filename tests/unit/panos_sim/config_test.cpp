#include <gtest/gtest.h>

#include "sim_test_util.h"

namespace trailwall::panossim::test {
namespace {

std::vector<std::string> ruleOrder(SimHarness& h) {
  std::vector<std::string> names;
  const pugi::xml_document doc = parse(h.config("get", kRules).body);
  for (const pugi::xpath_node& n : doc.select_nodes("/response/result/rules/entry")) {
    names.emplace_back(n.node().attribute("name").value());
  }
  return names;
}

std::string refBody(const std::string& name) {
  return canonicalXml(reference(name));
}

TEST(ConfigGet, ReturnsTheCandidateNodeWithCode19AndCounts) {
  SimHarness h;
  const pugi::xml_document doc = parse(h.config("get", kAddress + "/entry[@name='vpc-net']").body);
  EXPECT_STREQ(doc.child("response").attribute("code").value(), "19");
  EXPECT_STREQ(doc.select_node("/response/result").node().attribute("total-count").value(), "1");
  EXPECT_STREQ(doc.select_node("/response/result/entry/ip-netmask").node().text().get(),
               "10.0.0.0/16");
}

TEST(ConfigGet, AbsentXpathIsSuccessCode7WithEmptyResult) {
  SimHarness h;
  EXPECT_EQ(canonicalXml(h.config("get", kAddress + "/entry[@name='nope']").body),
            refBody("config-get-not-found-code7.xml"));
}

TEST(ConfigShow, AbsentXpathIsNoSuchNode) {
  SimHarness h;
  EXPECT_EQ(canonicalXml(h.config("show", kAddress + "/entry[@name='nope']").body),
            refBody("config-show-no-such-node.xml"));
}

TEST(ConfigShow, ReadsRunningWhileGetReadsCandidate) {
  SimHarness h;
  h.config("set", kAddress + "/entry[@name='new-host']", "<ip-netmask>192.0.2.1</ip-netmask>");
  EXPECT_EQ(canonicalXml(h.config("show", kAddress + "/entry[@name='new-host']").body),
            refBody("config-show-no-such-node.xml"));
  EXPECT_STREQ(parse(h.config("get", kAddress + "/entry[@name='new-host']").body)
                   .child("response")
                   .attribute("code")
                   .value(),
               "19");
}

TEST(ConfigSet, AnswersCode20AndMergesMembersWithoutDuplicates) {
  SimHarness h;
  const std::string rule = kRules + "/entry[@name='web-servers-inbound']";
  EXPECT_EQ(
      canonicalXml(h.config("set", rule,
                            "<application><member>ssh</member><member>ssl</member></application>")
                       .body),
      refBody("config-set-success-code20.xml"));
  const pugi::xml_document doc = parse(h.config("get", rule + "/application").body);
  EXPECT_EQ(doc.select_nodes("/response/result/application/member").size(), 3U);
}

TEST(ConfigSet, MarksUncommittedNodesWithAdminDirtyIdAndTime) {
  SimHarness h;
  h.config("set", kAddress + "/entry[@name='h1']", "<ip-netmask>192.0.2.1</ip-netmask>",
           "operator");
  const pugi::xml_document doc = parse(h.config("get", kAddress).body);
  const pugi::xml_node h1 = doc.select_node("//entry[@name='h1']").node();
  EXPECT_STREQ(h1.attribute("admin").value(), "operator");
  EXPECT_STRNE(h1.attribute("dirtyId").value(), "");
  EXPECT_STREQ(h1.attribute("time").value(), "2023/11/14 22:13:20");
  EXPECT_FALSE(doc.select_node("//entry[@name='vpc-net']").node().attribute("admin"));
}

TEST(ConfigEdit, ReplacesTheNode) {
  SimHarness h;
  const std::string xpath = kAddress + "/entry[@name='vpc-net']";
  const ApiResponse r = h.config(
      "edit", xpath, "<entry name=\"vpc-net\"><ip-range>10.0.0.1-10.0.0.9</ip-range></entry>");
  EXPECT_STREQ(parse(r.body).child("response").attribute("code").value(), "20");
  const pugi::xml_document doc = parse(h.config("get", xpath).body);
  EXPECT_FALSE(doc.select_node("//ip-netmask"));
  EXPECT_STREQ(doc.select_node("//ip-range").node().text().get(), "10.0.0.1-10.0.0.9");
}

TEST(ConfigEdit, ElementNotNamedByTheXpathIsError12) {
  SimHarness h;
  const pugi::xml_document doc =
      parse(h.config("edit", kAddress + "/entry[@name='vpc-net']", "<entry name=\"other\"/>").body);
  EXPECT_STREQ(doc.child("response").attribute("status").value(), "error");
  EXPECT_STREQ(doc.child("response").attribute("code").value(), "12");
}

TEST(ConfigDelete, AbsentObjectIsSuccessCode7ObjectDoesntExist) {
  SimHarness h;
  EXPECT_EQ(canonicalXml(h.config("delete", kAddress + "/entry[@name='nope']").body),
            refBody("config-object-doesnt-exist-code7-subresponse.xml"));
}

TEST(ConfigDelete, OrPredicateAndMemberTextPredicateWork) {
  SimHarness h;
  h.config("set", kAddress + "/entry[@name='d1']", "<ip-netmask>192.0.2.1</ip-netmask>");
  h.config("set", kAddress + "/entry[@name='d2']", "<ip-netmask>192.0.2.2</ip-netmask>");
  const std::string both = kAddress + "/entry[@name='d1' or @name='d2']";
  EXPECT_EQ(parse(h.config("get", both).body).select_nodes("/response/result/entry").size(), 2U);
  h.config("delete", both);
  EXPECT_EQ(parse(h.config("get", both).body).child("response").attribute("code").as_int(), 7);
  const std::string apps = kRules + "/entry[@name='allow-outbound-web']/application";
  h.config("delete", apps + "/member[text()='dns']");
  EXPECT_EQ(parse(h.config("get", apps).body).select_nodes("//member").size(), 2U);
}

TEST(ConfigDelete, ReferencedObjectIsCode10AndStays) {
  SimHarness h;
  const pugi::xml_document doc =
      parse(h.config("delete", kAddress + "/entry[@name='web-server-1']").body);
  EXPECT_STREQ(doc.child("response").attribute("code").value(), "10");
  EXPECT_STREQ(doc.select_node("//line[2]").node().text().get(),
               " address-group -> web-servers -> static");
  EXPECT_STREQ(parse(h.config("get", kAddress + "/entry[@name='web-server-1']").body)
                   .child("response")
                   .attribute("code")
                   .value(),
               "19");
  // Once nothing refers to it, it goes.
  h.config("delete",
           std::string(kVsys) +
               "/address-group/entry[@name='web-servers']/static/member[text()='web-server-1']");
  EXPECT_STREQ(parse(h.config("delete", kAddress + "/entry[@name='web-server-1']").body)
                   .child("response")
                   .attribute("code")
                   .value(),
               "20");
}

TEST(ConfigMove, TopBottomBeforeAfter) {
  SimHarness h;
  const std::string r = kRules + "/entry[@name='legacy-syslog']";
  h.config("move", r, "", "admin", {{"where", "top"}});
  EXPECT_EQ(ruleOrder(h).front(), "legacy-syslog");
  h.config("move", r, "", "admin", {{"where", "bottom"}});
  EXPECT_EQ(ruleOrder(h).back(), "legacy-syslog");
  h.config("move", r, "", "admin", {{"where", "before"}, {"dst", "Clean up"}});
  EXPECT_EQ(ruleOrder(h),
            (std::vector<std::string>{"allow-outbound-web", "web-servers-inbound",
                                      "partner-alt-web", "legacy-syslog", "Clean up"}));
  h.config("move", r, "", "admin", {{"where", "after"}, {"dst", "allow-outbound-web"}});
  EXPECT_EQ(ruleOrder(h)[1], "legacy-syslog");
}

TEST(ConfigMove, MissingDestinationOrBadWhereIsAnError) {
  SimHarness h;
  const std::string r = kRules + "/entry[@name='legacy-syslog']";
  EXPECT_STREQ(parse(h.config("move", r, "", "admin", {{"where", "before"}, {"dst", "nope"}}).body)
                   .child("response")
                   .attribute("status")
                   .value(),
               "error");
  EXPECT_STREQ(parse(h.config("move", r, "", "admin", {{"where", "sideways"}}).body)
                   .child("response")
                   .attribute("status")
                   .value(),
               "error");
}

TEST(ConfigRename, RenamesAndRefusesAnExistingName) {
  SimHarness h;
  const std::string r = kAddress + "/entry[@name='vpc-net']";
  EXPECT_STREQ(parse(h.config("rename", r, "", "admin", {{"newname", "vpc-main"}}).body)
                   .child("response")
                   .attribute("code")
                   .value(),
               "20");
  EXPECT_STREQ(parse(h.config("rename", kAddress + "/entry[@name='vpc-main']", "", "admin",
                              {{"newname", "web-server-1"}})
                         .body)
                   .child("response")
                   .attribute("status")
                   .value(),
               "error");
}

TEST(ConfigClone, CopiesUnderANewName) {
  SimHarness h;
  h.config("clone", kAddress, "", "admin",
           {{"from", kAddress + "/entry[@name='vpc-net']"}, {"newname", "vpc-copy"}});
  EXPECT_STREQ(parse(h.config("get", kAddress + "/entry[@name='vpc-copy']/ip-netmask").body)
                   .select_node("//ip-netmask")
                   .node()
                   .text()
                   .get(),
               "10.0.0.0/16");
}

TEST(ConfigSet, NameLongerThan63IsError12WithTheDevicesWording) {
  SimHarness h;
  const std::string name(64, 'a');
  const pugi::xml_document doc = parse(
      h.config("set", kAddress + "/entry[@name='" + name + "']", "<ip-netmask>1.1.1.1</ip-netmask>")
          .body);
  EXPECT_STREQ(doc.child("response").attribute("code").value(), "12");
  EXPECT_EQ(std::string(doc.select_node("//line").node().text().get()),
            " " + name + " can be at most 63 characters, but current length: 64");
}

TEST(ConfigErrors, MalformedElementBadXpathAndMissingParameters) {
  SimHarness h;
  EXPECT_STREQ(parse(h.config("set", kAddress, "<entry name='x'><ip-netmask>").body)
                   .child("response")
                   .attribute("code")
                   .value(),
               "18");
  EXPECT_STREQ(parse(h.config("get", kAddress + "/entry[@name='x").body)
                   .child("response")
                   .attribute("code")
                   .value(),
               "6");
  EXPECT_EQ(h.call({{"type", "config"}, {"action", "set"}, {"element", "<a/>"}}).http_status, 400);
  EXPECT_STREQ(
      parse(h.config("frobnicate", kAddress).body).child("response").attribute("code").value(),
      "1");
}

TEST(ConfigErrors, XpathInjectionAttemptsNeverCrashTheDevice) {
  SimHarness h;
  for (const std::string& evil : {
           kAddress + "/entry[@name='x' or '1'='1']/..",
           kAddress + "/entry[@name=''']",
           std::string("/config/mgt-config/users/entry[@name='admin']/phash | /config"),
           std::string("//*"),
           std::string("/config/devices/entry[@name='localhost.localdomain']/vsys/"
                       "entry[@name='vsys1']/address/entry[@name='a']/../../../../.."),
       }) {
    const ApiResponse r = h.config("delete", evil);
    EXPECT_FALSE(r.body.empty());
  }
  // The configuration root cannot be deleted however the xpath reaches it.
  EXPECT_STRNE(
      parse(h.config("get", "/config/mgt-config").body).child("response").attribute("code").value(),
      "7");
}

TEST(MultiConfig, AppliesAllActionsAndAnswersPerAction) {
  SimHarness h;
  const std::string element =
      "<multi-configure-request>"
      "<set id=\"1\" xpath=\"" +
      kAddress +
      "/entry[@name='m1']\"><ip-netmask>192.0.2.10</ip-netmask></set>"
      "<set id=\"2\" xpath=\"" +
      kRules +
      "/entry[@name='r1']\"><from><member>untrust</member></from><to><member>trust</member></"
      "to><source><member>any</member></source><destination><member>m1</member></"
      "destination><application><member>ssh</member></"
      "application><service><member>application-default</member></service><action>allow</action></"
      "set>"
      "<move id=\"3\" xpath=\"" +
      kRules +
      "/entry[@name='r1']\" where=\"before\" dst=\"Clean up\"/>"
      "</multi-configure-request>";
  const ApiResponse r = h.call({{"type", "config"},
                                {"action", "multi-config"},
                                {"strict-transactional", "yes"},
                                {"element", element}});
  const pugi::xml_document doc = parse(r.body);
  EXPECT_STREQ(doc.child("response").attribute("code").value(), "20") << r.body;
  EXPECT_EQ(doc.select_nodes("/response/response[@status='success']").size(), 3U);
  EXPECT_STREQ(doc.select_node("/response/response[3]").node().attribute("id").value(), "3");
  EXPECT_EQ(ruleOrder(h)[4], "r1");
}

TEST(MultiConfig, OneFailingActionAppliesNothingAndAnswersCode13) {
  SimHarness h;
  const std::string element = "<multi-config><set id=\"a\" xpath=\"" + kAddress +
                              "/entry[@name='m1']\"><ip-netmask>192.0.2.10</ip-netmask></set>"
                              "<rename id=\"b\" xpath=\"" +
                              kAddress + "/entry[@name='nope']\" newname=\"x\"/></multi-config>";
  const pugi::xml_document doc =
      parse(h.call({{"type", "config"}, {"action", "multi-config"}, {"element", element}}).body);
  EXPECT_STREQ(doc.child("response").attribute("status").value(), "error");
  EXPECT_STREQ(doc.child("response").attribute("code").value(), "13");
  EXPECT_STREQ(doc.select_node("/response/response[2]").node().attribute("id").value(), "b");
  EXPECT_STREQ(parse(h.config("get", kAddress + "/entry[@name='m1']").body)
                   .child("response")
                   .attribute("code")
                   .value(),
               "7");
}

TEST(ConfigLock, AnotherAdministratorsLockBlocksWrites) {
  SimHarness h;
  h.op("<request><config-lock><add><comment>maintenance</comment></add></config-lock></request>",
       "operator");
  const pugi::xml_document denied = parse(
      h.config("set", kAddress + "/entry[@name='h']", "<ip-netmask>192.0.2.1</ip-netmask>").body);
  EXPECT_STREQ(denied.child("response").attribute("status").value(), "error");
  EXPECT_NE(std::string(denied.select_node("//line").node().text().get()).find("operator"),
            std::string::npos);
  // The holder may still write; reads are never blocked.
  EXPECT_STREQ(parse(h.config("set", kAddress + "/entry[@name='h']",
                              "<ip-netmask>192.0.2.1</ip-netmask>", "operator")
                         .body)
                   .child("response")
                   .attribute("code")
                   .value(),
               "20");
  EXPECT_STREQ(parse(h.config("get", kAddress).body).child("response").attribute("code").value(),
               "19");
}

// ---- multi-config strict-transactional=yes (API-NOTES.md 3.3) ----

ApiResponse multiConfig(SimHarness& h, const std::string& actions, bool strict,
                        const std::string& admin = "admin") {
  std::vector<std::pair<std::string, std::string>> params = {
      {"type", "config"},
      {"action", "multi-config"},
      {"element", "<multi-config>" + actions + "</multi-config>"}};
  if (strict) {
    params.emplace_back("strict-transactional", "yes");
  }
  return h.call(std::move(params), admin);
}

std::string setAction(const std::string& name) {
  return "<set xpath=\"" + kAddress + "/entry[@name='" + name +
         "']\"><ip-netmask>192.0.2.7</ip-netmask></set>";
}

TEST(MultiConfigStrict, RollsBackTheAdministratorsUncommittedChangesFirst) {
  SimHarness h;
  EXPECT_EQ(codeOf(multiConfig(h, setAction("leftover"), false)), "20");
  EXPECT_EQ(codeOf(multiConfig(h, setAction("operators"), false, "operator")), "20");
  EXPECT_EQ(codeOf(multiConfig(h, setAction("fresh"), true)), "20");
  EXPECT_FALSE(inCandidate(h, "leftover"));
  EXPECT_TRUE(inCandidate(h, "fresh"));
  EXPECT_TRUE(inCandidate(h, "operators"));  // another administrator's changes stay
  // Only the fresh change is admin's to commit.
  EXPECT_EQ(messageOf(h.commitAndWait(
                "<commit><partial><admin><member>admin</member></admin></partial></commit>")),
            "Configuration committed successfully");
  EXPECT_TRUE(codeOf(h.config("show", kAddress + "/entry[@name='fresh']")).empty());
  EXPECT_EQ(messageOf(h.config("show", kAddress + "/entry[@name='leftover']")), "No such node");
  EXPECT_EQ(messageOf(h.op("<check><pending-changes/></check>")), "yes");  // operator's
}

TEST(MultiConfigStrict, AFailingActionChangesNothingNotEvenTheRollback) {
  SimHarness h;
  multiConfig(h, setAction("leftover"), false);
  const std::string failing =
      setAction("new") + "<rename xpath=\"" + kAddress + "/entry[@name='nope']\" newname=\"x\"/>";
  EXPECT_EQ(codeOf(multiConfig(h, failing, true)), "13");
  EXPECT_TRUE(inCandidate(h, "leftover"));
  EXPECT_FALSE(inCandidate(h, "new"));
}

TEST(MultiConfigStrict, IsRefusedWhileACommitIsRunningOrQueued) {
  SimulatorOptions options;
  options.commit_duration = std::chrono::seconds(10);
  SimHarness h(options);
  multiConfig(h, setAction("leftover"), false);
  h.commit("<commit></commit>", "operator");
  const ApiResponse refused = multiConfig(h, setAction("new"), true);
  EXPECT_EQ(statusOf(refused), "error");
  EXPECT_EQ(codeOf(refused), "14");
  EXPECT_FALSE(inCandidate(h, "new"));
  h.clock.advance(std::chrono::seconds(5));
  EXPECT_EQ(codeOf(multiConfig(h, setAction("new"), true)), "14");     // still running
  EXPECT_EQ(codeOf(multiConfig(h, setAction("plain"), false)), "20");  // not strict: accepted
  h.clock.advance(std::chrono::seconds(5));
  EXPECT_EQ(codeOf(multiConfig(h, setAction("new"), true)), "20");
  // A validation job is no commit.
  h.op("<validate><full></full></validate>");
  EXPECT_EQ(codeOf(multiConfig(h, setAction("new2"), true)), "20");
}

}  // namespace
}  // namespace trailwall::panossim::test
