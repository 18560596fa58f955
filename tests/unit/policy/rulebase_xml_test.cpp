#include "policy/rulebase_xml.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include "support/files.h"

namespace trailwall::policy {
namespace {

using ::trailwall::test::readFile;

SecurityRule sampleRule() {
  SecurityRule r;
  r.name = "sg-0a1b2c3d4e5f60718-tcp-443";
  r.from = {"untrust"};
  r.to = {"trust"};
  r.source = {"any"};
  r.destination = {"10.0.1.25", "10.1.2.30"};
  r.source_user = {"any"};
  r.category = {"any"};
  r.application = {"ssl"};
  r.service = {"application-default"};
  r.action = "allow";
  r.tag = {"trailwall"};
  r.description = "trailwall: sg-0a1b2c3d4e5f60718 (web) tcp 443";
  r.profile_setting = ProfileSetting{.group = {"default-protect"}, .profiles = {}};
  return r;
}

TEST(RulebaseXml, ReadsAFullConfigurationExport) {
  const auto rb = parseRulebaseXml(readFile(test::examplesDir() / "rulebase.xml"));
  ASSERT_TRUE(rb) << rb.error().message;
  ASSERT_EQ(rb->rules.size(), 3U);
  const auto& web = rb->rules[0];
  EXPECT_EQ(web.name, "allow-outbound-web");
  EXPECT_EQ(web.uuid, "6f3f6c1e-3c1a-4b7e-9d55-0a1b2c3d4e5f");
  EXPECT_EQ(web.from, Members{"trust"});
  EXPECT_EQ(web.application, (Members{"ssl", "web-browsing"}));
  EXPECT_EQ(web.log_setting, "default");
  ASSERT_TRUE(web.profile_setting);
  EXPECT_EQ(web.profile_setting->group, Members{"default-protect"});
  ASSERT_EQ(web.extra_xml.size(), 1U);  // <hip-profiles> is not modelled but kept
  EXPECT_NE(web.extra_xml[0].find("<hip-profiles>"), std::string::npos);
  const auto& bottom = rb->rules[2];
  EXPECT_EQ(bottom.name, "deny-all");
  EXPECT_EQ(bottom.action, "deny");
  EXPECT_EQ(bottom.log_start, false);
  EXPECT_EQ(bottom.log_end, true);
  ASSERT_EQ(rb->shared_services.size(), 1U);  // /config/shared, kept apart: never edited
  EXPECT_EQ(rb->shared_services[0].name, "svc-https-alt");
  ASSERT_EQ(rb->services.size(), 1U);
  EXPECT_EQ(rb->services[0].port, "8000-8099");
  EXPECT_EQ(rb->services[0].extra_xml.size(), 1U);
  ASSERT_EQ(rb->tags.size(), 1U);
  EXPECT_EQ(rb->tags[0].comments, "operations team");
}

TEST(RulebaseXml, MissingVsysIsNotFound) {
  const auto rb = parseRulebaseXml(readFile(test::examplesDir() / "rulebase.xml"), "vsys2");
  ASSERT_FALSE(rb);
  EXPECT_EQ(rb.error().code, ErrorCode::NotFound);
  EXPECT_NE(rb.error().message.find("vsys2"), std::string::npos);
}

TEST(RulebaseXml, ReadsConfigGetResponses) {
  const auto rules = parseRulebaseXml(
      R"(<response status="success" code="19"><result total-count="1" count="1">
           <rules><entry name="a" admin="admin" dirtyId="3" time="2024/01/01 10:00:00">
             <from><member>untrust</member></from><action>allow</action></entry>
           <entry name="b"><action>deny</action><disabled>yes</disabled></entry></rules>
         </result></response>)");
  ASSERT_TRUE(rules) << rules.error().message;
  ASSERT_EQ(rules->rules.size(), 2U);
  EXPECT_TRUE(rules->rules[1].disabled);
  const auto vsys = parseRulebaseXml(
      R"(<response status="success"><result><entry name="vsys1"><zone/>
           <rulebase><security><rules><entry name="x"><action>allow</action></entry></rules>
           </security></rulebase>
           <service><entry name="s"><protocol><udp><port>500</port></udp></protocol></entry></service>
           <tag><entry name="trailwall"><comments>managed</comments></entry></tag>
         </entry></result></response>)");
  ASSERT_TRUE(vsys) << vsys.error().message;
  EXPECT_EQ(vsys->rules.size(), 1U);
  EXPECT_EQ(vsys->services[0].protocol, "udp");
  EXPECT_EQ(vsys->tags[0].name, "trailwall");
  const auto single = parseRulebaseXml(
      R"(<response status="success"><result><entry name="only"><from><member>a</member></from>
         </entry></result></response>)");
  ASSERT_TRUE(single);
  EXPECT_EQ(single->rules.at(0).name, "only");
  const auto fragment = parseRulebaseXml("<rules/>");
  ASSERT_TRUE(fragment);
  EXPECT_TRUE(fragment->rules.empty());
}

TEST(RulebaseXml, RejectsBrokenInputWithReasons) {
  EXPECT_NE(parseRulebaseXml("<rules><entry").error().message.find("not well-formed"),
            std::string::npos);
  EXPECT_NE(parseRulebaseXml(R"(<response status="error" code="7"><msg>x</msg></response>)")
                .error()
                .message.find("error response"),
            std::string::npos);
  EXPECT_NE(parseRulebaseXml("<rules><entry><action>allow</action></entry></rules>")
                .error()
                .message.find("without a name"),
            std::string::npos);
  const auto flag =
      parseRulebaseXml(R"(<rules><entry name="r"><disabled>maybe</disabled></entry></rules>)");
  ASSERT_FALSE(flag);
  EXPECT_NE(flag.error().message.find("rule 'r'"), std::string::npos);
}

TEST(RulebaseXml, RenderedRuleReadsBackEqual) {
  SecurityRule r = sampleRule();
  r.log_end = true;
  r.extra_xml = {
      "<option><disable-server-response-inspection>no</disable-server-response-"
      "inspection></option>"};
  const auto xml = renderRule(r);
  ASSERT_TRUE(xml) << xml.error().message;
  EXPECT_EQ(xml->rfind("<entry name=\"sg-0a1b2c3d4e5f60718-tcp-443\">", 0), 0U) << *xml;
  const auto back = parseRuleXml(*xml);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, r);
}

TEST(RulebaseXml, ChildrenOnlyRenderingHasNoEntryWrapper) {
  const auto xml = renderRule(sampleRule(), Render::ChildrenOnly);
  ASSERT_TRUE(xml);
  EXPECT_EQ(xml->rfind("<to><member>trust</member></to>", 0), 0U) << *xml;
  EXPECT_EQ(xml->find("<entry"), std::string::npos);
}

TEST(RulebaseXml, UuidIsNeverRendered) {
  SecurityRule r = sampleRule();
  r.uuid = "6f3f6c1e-3c1a-4b7e-9d55-0a1b2c3d4e5f";
  EXPECT_EQ(renderRule(r)->find("uuid"), std::string::npos);
}

TEST(RulebaseXml, TextIsEscaped) {
  SecurityRule r = sampleRule();
  r.description = "a <b> & \"c\" 'd'";
  const auto xml = renderRule(r);
  ASSERT_TRUE(xml);
  EXPECT_NE(xml->find("a &lt;b&gt; &amp; \"c\" 'd'"), std::string::npos) << *xml;
  EXPECT_EQ(parseRuleXml(*xml)->description, r.description);
  r.description = std::string("bell\x07");
  EXPECT_FALSE(renderRule(r));
  r.description = "\xC3\x28";  // invalid UTF-8
  EXPECT_FALSE(renderRule(r));
  r.description = "caf\xC3\xA9";
  EXPECT_TRUE(renderRule(r));
}

TEST(RulebaseXml, NamesAreValidated) {
  SecurityRule r = sampleRule();
  r.name = std::string(64, 'a');
  const auto too_long = renderRule(r);
  ASSERT_FALSE(too_long);
  EXPECT_NE(too_long.error().message.find("at most 63"), std::string::npos);
  r.name = std::string(63, 'a');
  EXPECT_TRUE(renderRule(r));
  r.name = "x']/../entry[@name='y";
  EXPECT_FALSE(renderRule(r));
  r.name = "-leading-dash";
  EXPECT_FALSE(renderRule(r));
  r.name = "ok name_1.2-3";
  EXPECT_TRUE(renderRule(r));
  r.description = std::string(1024, 'd');
  EXPECT_FALSE(renderRule(r));
}

TEST(RulebaseXml, ServiceAndTagRoundTrip) {
  ServiceObject s{.name = "tw-tcp-8000-8099",
                  .protocol = "tcp",
                  .port = "8000-8099",
                  .source_port = "",
                  .description = "trailwall",
                  .tag = {"trailwall"},
                  .extra_xml = {}};
  const auto xml = renderService(s);
  ASSERT_TRUE(xml);
  EXPECT_EQ(*xml,
            "<entry name=\"tw-tcp-8000-8099\"><protocol><tcp><port>8000-8099</port></tcp>"
            "</protocol><description>trailwall</description><tag><member>trailwall</member>"
            "</tag></entry>");
  s.protocol = "icmp";
  EXPECT_FALSE(renderService(s));
  const Tag t{"trailwall", "color5", "managed by trailwall"};
  const auto tag = renderTag(t);
  ASSERT_TRUE(tag);
  Rulebase rb;
  rb.rules = {sampleRule()};
  rb.services = {ServiceObject{.name = "svc",
                               .protocol = "udp",
                               .port = "500,4500",
                               .source_port = "1-1024",
                               .description = "",
                               .tag = {},
                               .extra_xml = {}}};
  rb.service_groups = {{"grp", {"svc"}}};
  rb.tags = {t};
  const auto config = renderRulebaseConfig(rb);
  ASSERT_TRUE(config) << config.error().message;
  const auto back = parseRulebaseXml(*config);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, rb);
}

}  // namespace
}  // namespace trailwall::policy
