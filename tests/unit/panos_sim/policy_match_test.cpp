#include <gtest/gtest.h>

#include <map>

#include "sim_test_util.h"
#include "xml_text.h"

namespace trailwall::panossim::test {
namespace {

// The built-in configuration with vsys1's children replaced by those of `rulebase`.
std::string configFor(const pugi::xml_node& rulebase) {
  pugi::xml_document config;
  const std::string base(defaultConfigXml());
  config.load_string(base.c_str());
  pugi::xml_node vsys = config.select_node(kVsys).node();
  for (pugi::xml_node part = rulebase.first_child(); part; part = part.next_sibling()) {
    if (pugi::xml_node old = vsys.child(part.name())) {
      vsys.remove_child(old);
    }
    vsys.append_copy(part);
  }
  return nodeXml(config.document_element());
}

std::string matchedNames(const ApiResponse& r) {
  const pugi::xml_document doc = parse(r.body);
  std::string names;
  for (const pugi::xpath_node& e : doc.select_nodes("/response/result/rules/entry")) {
    if (!names.empty()) {
      names += ',';
    }
    names += e.node().attribute("name").value();
  }
  return names;
}

TEST(SecurityPolicyMatch, TableOfRulebasesAndQueries) {
  pugi::xml_document table;
  ASSERT_TRUE(table.load_file(TRAILWALL_TEST_DATA_DIR "/panos_sim/policy_match_table.xml"));
  std::map<std::string, std::unique_ptr<SimHarness>> sims;
  for (const pugi::xpath_node& rb : table.select_nodes("/policy-match-table/rulebase")) {
    SimulatorOptions options;
    options.initial_config_xml = configFor(rb.node());
    sims[rb.node().attribute("name").value()] = std::make_unique<SimHarness>(options);
  }
  int cases = 0;
  for (const pugi::xpath_node& c : table.select_nodes("/policy-match-table/case")) {
    SimHarness& h = *sims.at(c.node().attribute("rulebase").value());
    std::string cmd = "<test><security-policy-match>";
    for (pugi::xml_node f = c.node().first_child(); f; f = f.next_sibling()) {
      cmd += nodeXml(f);
    }
    cmd += "</security-policy-match></test>";
    const ApiResponse r = h.op(cmd);
    EXPECT_EQ(matchedNames(r), c.node().attribute("expect").value()) << cmd << "\n" << r.body;
    ++cases;
  }
  EXPECT_GE(cases, 30);
}

TEST(SecurityPolicyMatch, StructuredEntryCarriesIndexAndAction) {
  SimHarness h;
  const pugi::xml_document doc = parse(
      h.op("<test><security-policy-match><from>untrust</from><to>trust</to><source>1.1.1.1</source>"
           "<destination>10.0.1.10</destination><protocol>6</protocol><destination-port>80</"
           "destination-port>"
           "</security-policy-match></test>")
          .body);
  EXPECT_STREQ(doc.child("response").attribute("cmd").value(), "status");
  const pugi::xml_node entry = doc.select_node("/response/result/rules/entry").node();
  EXPECT_STREQ(entry.attribute("name").value(), "web-servers-inbound");
  EXPECT_STREQ(entry.child("index").text().get(), "2");
  EXPECT_STREQ(entry.child("action").text().get(), "allow");
  EXPECT_STREQ(entry.child("to").child("member").text().get(), "trust");
}

TEST(SecurityPolicyMatch, OlderTextAndMsgLineShapesOnRequest) {
  SimulatorOptions options;
  options.faults.policy_match_format = "text";
  SimHarness h(options);
  const std::string cmd =
      "<test><security-policy-match><source>1.1.1.1</source><destination>10.0.5.5</destination>"
      "<protocol>6</protocol><destination-port>23</destination-port></security-policy-match></"
      "test>";
  const pugi::xml_document text = parse(h.op(cmd).body);
  EXPECT_STREQ(text.select_node("/response/result/rules/entry").node().text().get(),
               "Clean up; index: 5");
  Faults f;
  f.policy_match_format = "msg-line";
  h.sim->setFaults(f);
  const std::string line =
      parse(h.op(cmd).body).select_node("/response/result/msg/line").node().text().get();
  EXPECT_TRUE(line.starts_with("\"Clean up; index: 5\" {")) << line;
  EXPECT_NE(line.find("action deny;"), std::string::npos);
}

TEST(SecurityPolicyMatch, UsesTheRunningConfiguration) {
  SimHarness h;
  const std::string cmd =
      "<test><security-policy-match><from>untrust</from><to>trust</to><source>1.1.1.1</source>"
      "<destination>10.0.9.9</destination><protocol>6</protocol><destination-port>22</"
      "destination-port>"
      "</security-policy-match></test>";
  h.config("set", std::string(kVsys) + "/rulebase/security/rules/entry[@name='ssh-in']",
           "<from><member>untrust</member></from><to><member>trust</member></"
           "to><source><member>any</member></source>"
           "<destination><member>10.0.9.9</member></destination><application><member>ssh</member></"
           "application>"
           "<service><member>application-default</member></service><action>allow</action>");
  h.config("move", std::string(kVsys) + "/rulebase/security/rules/entry[@name='ssh-in']", "",
           "admin", {{"where", "top"}});
  EXPECT_EQ(matchedNames(h.op(cmd)), "Clean up");
  h.commitAndWait();
  EXPECT_EQ(matchedNames(h.op(cmd)), "ssh-in");
}

TEST(SecurityPolicyMatch, MissingOrBadFieldsAreErrors) {
  SimHarness h;
  for (const char* body :
       {"<destination>10.0.0.1</destination><protocol>6</protocol>",
        "<source>x</source><destination>10.0.0.1</destination><protocol>6</protocol>",
        "<source>1.1.1.1</source><destination>10.0.0.1</destination><protocol>256</protocol>",
        "<source>1.1.1.1</source><destination>10.0.0.1</destination><protocol>6</"
        "protocol><destination-port>70000</destination-port>"}) {
    const pugi::xml_document doc = parse(h.op("<test><security-policy-match>" + std::string(body) +
                                              "</security-policy-match></test>")
                                             .body);
    EXPECT_STREQ(doc.child("response").attribute("status").value(), "error") << body;
  }
}

}  // namespace
}  // namespace trailwall::panossim::test
