#include "panos/xpath.h"

#include <gtest/gtest.h>

#include <pugixml.hpp>

#include <vector>

namespace trailwall::panos {
namespace {

TEST(XpathLiteral, QuotesWithApostrophesByDefault) {
  EXPECT_EQ(xpathLiteral("sg-0a1b-tcp-443", "name").value(), "'sg-0a1b-tcp-443'");
  EXPECT_EQ(xpathLiteral("Clean up", "name").value(), "'Clean up'");
}

TEST(XpathLiteral, UsesDoubleQuotesForANameWithAnApostrophe) {
  EXPECT_EQ(xpathLiteral("bob's rule", "name").value(), "\"bob's rule\"");
}

TEST(XpathLiteral, KeepsBracketsAndMarkupInsideTheLiteral) {
  EXPECT_EQ(xpathLiteral("a]b<c&d", "name").value(), "'a]b<c&d'");
}

TEST(XpathLiteral, RefusesWhatCannotBeMadeSafe) {
  for (const std::string& bad :
       {std::string(), std::string("both ' and \""), std::string("nul\0x", 5),
        std::string("line\nbreak"), std::string("tab\there"), std::string("\xff\xfe"),
        std::string("del\x7f")}) {
    const auto r = xpathLiteral(bad, "tag name");
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::InvalidInput);
    EXPECT_TRUE(r.error().message.starts_with("tag name")) << r.error().message;
  }
}

// A hostile name must select only the entry of that exact name. Evaluated with pugixml's XPath
// 1.0 engine over a tree where the injection would otherwise reach another node.
TEST(XpathLiteral, AHostileNameAddressesNoOtherNode) {
  pugi::xml_document doc;
  ASSERT_TRUE(
      doc.load_string("<rules><entry name=\"victim\"/><entry name=\"x' or @name='victim\"/>"
                      "<entry name=\"y&quot;]/../entry[@name=&quot;victim\"/></rules>"));
  for (const std::string& hostile :
       std::vector<std::string>{"x' or @name='victim", "y\"]/../entry[@name=\"victim"}) {
    const auto path = entryXpath("/rules", hostile, "rule name");
    ASSERT_TRUE(path.has_value()) << hostile;
    const auto nodes = doc.select_nodes(path->c_str());
    ASSERT_EQ(nodes.size(), 1U) << *path;
    EXPECT_EQ(std::string(nodes.first().node().attribute("name").value()), hostile);
  }
}

TEST(ConfigPaths, BuildsTheVsysPathsOfAFirewall) {
  const auto paths = ConfigPaths::forLocation({}).value();
  EXPECT_EQ(paths.vsys(),
            "/config/devices/entry[@name='localhost.localdomain']/vsys/entry[@name='vsys1']");
  EXPECT_EQ(paths.rule("r1").value(), paths.vsys() + "/rulebase/security/rules/entry[@name='r1']");
  EXPECT_EQ(paths.service("svc").value(), paths.vsys() + "/service/entry[@name='svc']");
  EXPECT_EQ(paths.tag("trailwall").value(), paths.vsys() + "/tag/entry[@name='trailwall']");
}

TEST(ConfigPaths, RefusesAHostileVsys) {
  Location quotes;
  quotes.vsys = "v'\"s";
  EXPECT_FALSE(ConfigPaths::forLocation(quotes).has_value());
  Location no_device;
  no_device.device = "";
  EXPECT_FALSE(ConfigPaths::forLocation(no_device).has_value());
}

}  // namespace
}  // namespace trailwall::panos
