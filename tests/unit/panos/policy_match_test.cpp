#include "panos/policy_match.h"

#include <gtest/gtest.h>

#include <pugixml.hpp>

#include "reference.h"

namespace trailwall::panos {
namespace {

using testing::parseReference;

TEST(PolicyMatchCommand, BuildsTheTestWithShowAll) {
  PolicyMatchQuery q;
  q.from = "untrust";
  q.to = "trust";
  q.source = "203.0.113.7";
  q.destination = "10.0.1.5";
  q.protocol = 6;
  q.destination_port = 443;
  q.application = "ssl";
  EXPECT_EQ(policyMatchCommand(q).value(),
            "<test><security-policy-match><from>untrust</from><to>trust</to>"
            "<source>203.0.113.7</source><destination>10.0.1.5</destination><protocol>6</protocol>"
            "<destination-port>443</destination-port><application>ssl</application>"
            "<show-all>yes</show-all></security-policy-match></test>");
}

TEST(PolicyMatchCommand, LeavesOutWhatIsNotGiven) {
  PolicyMatchQuery q;
  q.source = "2001:db8::1";
  q.destination = "2001:db8::2";
  q.protocol = 58;
  q.show_all = false;
  EXPECT_EQ(policyMatchCommand(q).value(),
            "<test><security-policy-match><source>2001:db8::1</source>"
            "<destination>2001:db8::2</destination><protocol>58</protocol>"
            "</security-policy-match></test>");
}

TEST(PolicyMatchCommand, RefusesBadValues) {
  PolicyMatchQuery q;
  q.source = "10.0.0.0/8";
  q.destination = "10.0.0.1";
  EXPECT_EQ(policyMatchCommand(q).error().code, ErrorCode::InvalidInput);
  q.source = "1.2.3.4</source><source>5.6.7.8";
  EXPECT_EQ(policyMatchCommand(q).error().code, ErrorCode::InvalidInput);
  q.source = "1.2.3.4";
  q.protocol = 0;
  EXPECT_FALSE(policyMatchCommand(q).has_value());
  q.protocol = 6;
  q.destination_port = 70000;
  EXPECT_FALSE(policyMatchCommand(q).has_value());
  q.destination_port = 22;
  q.to = "zone\x01";
  EXPECT_FALSE(policyMatchCommand(q).has_value());
}

TEST(PolicyMatchCommand, EscapesZoneAndApplicationText) {
  PolicyMatchQuery q;
  q.source = "1.2.3.4";
  q.destination = "10.0.0.1";
  q.to = "a</to><from>b";
  const auto cmd = policyMatchCommand(q).value();
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_string(cmd.c_str()));
  const auto match = doc.document_element().child("security-policy-match");
  EXPECT_STREQ(match.child("to").text().get(), "a</to><from>b");
  EXPECT_TRUE(match.child("from").empty());
}

TEST(PolicyMatchReply, ReadsStructuredEntries) {
  const auto rules =
      parsePolicyMatch(parseReference("op-security-policy-match-rules-entry-fixture.xml"));
  EXPECT_EQ(rules, (std::vector<MatchedRule>{{"FromTrust", 1, "allow"}}));
}

TEST(PolicyMatchReply, ReadsOlderTextEntries) {
  const auto rules =
      parsePolicyMatch(parseReference("op-security-policy-match-old-entry-text.xml"));
  EXPECT_EQ(rules, (std::vector<MatchedRule>{{"deny all and log", 3, ""}}));
}

TEST(PolicyMatchReply, ReadsCliTextInAMessageLine) {
  const auto rules = parsePolicyMatch(parseReference("op-security-policy-match-81-msg-line.xml"));
  EXPECT_EQ(rules, (std::vector<MatchedRule>{{"Rule Name", 1, "allow"}}));
}

TEST(PolicyMatchReply, ReadsSeveralRulesOfCliText) {
  const auto rules =
      parsePolicyMatchText(testing::referenceFile("test-security-policy-match-cli-output-ntc.txt"));
  EXPECT_EQ(rules, (std::vector<MatchedRule>{{"Allow 10.125.100.58-To-Google DNS", 1, "allow"},
                                             {"Allow 10.125.100.58-To-1.1.1.1", 2, "allow"}}));
}

TEST(PolicyMatchReply, ReadsShowAllInOrder) {
  const auto r = ApiResponse::parse(
      "<response cmd=\"status\" status=\"success\"><result><rules>"
      "<entry name=\"sg-1-tcp-443\"><index>5</index><action>allow</action></entry>"
      "<entry name=\"Clean up\"><index>9</index><action>deny</action></entry>"
      "</rules></result></response>");
  EXPECT_EQ(parsePolicyMatch(*r),
            (std::vector<MatchedRule>{{"sg-1-tcp-443", 5, "allow"}, {"Clean up", 9, "deny"}}));
}

TEST(PolicyMatchReply, NoMatchIsAnEmptyList) {
  for (const char* body :
       {"<response cmd=\"status\" status=\"success\"><result><rules/></result></response>",
        "<response cmd=\"status\" status=\"success\"><result/></response>",
        "<response status=\"success\"/>",
        "<response status=\"success\"><result><msg><line>The query did not match a Security "
        "policy</line></msg></result></response>"}) {
    EXPECT_TRUE(parsePolicyMatch(*ApiResponse::parse(body)).empty()) << body;
  }
}

}  // namespace
}  // namespace trailwall::panos
