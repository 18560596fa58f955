#include "panos/commands.h"

#include <gtest/gtest.h>

#include <pugixml.hpp>

namespace trailwall::panos {
namespace {

pugi::xml_document parseXml(const std::string& text) {
  pugi::xml_document doc;
  EXPECT_TRUE(doc.load_string(text.c_str())) << text;
  return doc;
}

TEST(ConfigParams, BuildsEachSingleRequest) {
  EXPECT_EQ(
      configParams(ConfigOp::set("/x", "<a/>")).value(),
      (FormParams{{"type", "config"}, {"action", "set"}, {"xpath", "/x"}, {"element", "<a/>"}}));
  EXPECT_EQ(configParams(ConfigOp::remove("/x")).value(),
            (FormParams{{"type", "config"}, {"action", "delete"}, {"xpath", "/x"}}));
  EXPECT_EQ(configParams(ConfigOp::move("/x", MoveWhere::Before, "Clean up")).value(),
            (FormParams{{"type", "config"},
                        {"action", "move"},
                        {"xpath", "/x"},
                        {"where", "before"},
                        {"dst", "Clean up"}}));
  EXPECT_EQ(
      configParams(ConfigOp::move("/x", MoveWhere::Bottom)).value(),
      (FormParams{{"type", "config"}, {"action", "move"}, {"xpath", "/x"}, {"where", "bottom"}}));
  EXPECT_EQ(
      configParams(ConfigOp::rename("/x", "y")).value(),
      (FormParams{{"type", "config"}, {"action", "rename"}, {"xpath", "/x"}, {"newname", "y"}}));
}

TEST(ConfigParams, RefusesBrokenOperations) {
  EXPECT_FALSE(configParams(ConfigOp::set("/x", "<a>")).has_value());
  EXPECT_FALSE(configParams(ConfigOp::set("", "<a/>")).has_value());
  EXPECT_FALSE(configParams(ConfigOp::move("/x", MoveWhere::After)).has_value());
  EXPECT_FALSE(configParams(ConfigOp::rename("/x", "")).has_value());
}

TEST(MultiConfig, OneChildPerActionWithIndexIds) {
  const auto text =
      multiConfigDocument({ConfigOp::set("/r/entry[@name='a']", "<from><member>u</member></from>"),
                           ConfigOp::edit("/r/entry[@name='b']", "<entry name=\"b\"/>"),
                           ConfigOp::move("/r/entry[@name='a']", MoveWhere::Before, "Clean up"),
                           ConfigOp::remove("/r/entry[@name='c']"),
                           ConfigOp::rename("/r/entry[@name='d']", "e")})
          .value();
  const auto doc = parseXml(text);
  const auto root = doc.document_element();
  EXPECT_STREQ(root.name(), "multi-config");
  std::vector<std::string> names;
  for (const auto& child : root.children()) {
    names.emplace_back(child.name());
    EXPECT_EQ(std::string(child.attribute("id").value()), std::to_string(names.size() - 1));
  }
  EXPECT_EQ(names, (std::vector<std::string>{"set", "edit", "move", "delete", "rename"}));
  const auto set = root.child("set");
  EXPECT_EQ(std::string(set.attribute("xpath").value()), "/r/entry[@name='a']");
  EXPECT_STREQ(set.child("from").child("member").text().get(), "u");
  EXPECT_STREQ(root.child("edit").child("entry").attribute("name").value(), "b");
  EXPECT_STREQ(root.child("move").attribute("where").value(), "before");
  EXPECT_STREQ(root.child("move").attribute("dst").value(), "Clean up");
  EXPECT_STREQ(root.child("rename").attribute("newname").value(), "e");
}

TEST(MultiConfig, HostileValuesStayValuesInTheDocument) {
  const std::string hostile = "x\"/><delete xpath=\"/config\"/><set a=\"";
  const auto text =
      multiConfigDocument({ConfigOp::move("/r/entry[@name='a']", MoveWhere::After, hostile)})
          .value();
  const auto doc = parseXml(text);
  EXPECT_EQ(std::distance(doc.document_element().children().begin(),
                          doc.document_element().children().end()),
            1);
  EXPECT_EQ(std::string(doc.document_element().child("move").attribute("dst").value()), hostile);
}

TEST(PartialCommit, ScopesTheCommitToOneAdministrator) {
  EXPECT_EQ(partialCommitCommand("trailwall-api", "").value(),
            "<commit><partial><admin><member>trailwall-api</member></admin></partial></commit>");
  EXPECT_EQ(
      partialCommitCommand("api", "batch of 3 events").value(),
      "<commit><description>batch of 3 events</description><partial><admin><member>api</member>"
      "</admin></partial></commit>");
}

TEST(PartialCommit, EscapesAndValidates) {
  const auto cmd = partialCommitCommand("a<b>&c", "d'e\"f<g>").value();
  const auto doc = parseXml(cmd);
  EXPECT_STREQ(doc.document_element().child("partial").child("admin").child("member").text().get(),
               "a<b>&c");
  EXPECT_STREQ(doc.document_element().child("description").text().get(), "d'e\"f<g>");
  EXPECT_EQ(partialCommitCommand("", "").error().code, ErrorCode::Config);
  EXPECT_EQ(partialCommitCommand("a\x01", "").error().code, ErrorCode::InvalidInput);
  EXPECT_EQ(partialCommitCommand("a", std::string(513, 'x')).error().code, ErrorCode::InvalidInput);
}

TEST(Revert, RevertsOnlyThisAdministratorsChanges) {
  EXPECT_EQ(
      revertAdminCommand("api").value(),
      "<revert><config><partial><admin><member>api</member></admin></partial></config></revert>");
  EXPECT_EQ(revertAdminCommand("").error().code, ErrorCode::Config);
}

TEST(OpCommands, MatchTheDocumentedCommands) {
  EXPECT_EQ(showJobCommand(42), "<show><jobs><id>42</id></jobs></show>");
  EXPECT_EQ(showConfigLocksCommand(true),
            "<show><config-locks><vsys>all</vsys></config-locks></show>");
  EXPECT_EQ(showConfigLocksCommand(false), "<show><config-locks/></show>");
  EXPECT_EQ(showCommitLocksCommand(), "<show><commit-locks/></show>");
  EXPECT_EQ(checkPendingChangesCommand(), "<check><pending-changes/></check>");
  EXPECT_EQ(showSystemInfoCommand(), "<show><system><info/></system></show>");
}

TEST(AuditComment, NamesTheRuleXpathAndEscapesTheText) {
  const std::string xpath =
      "/config/devices/entry[@name='localhost.localdomain']/vsys/entry[@name='vsys1']/rulebase/"
      "security/rules/entry[@name='sg-1-tcp-443']";
  const auto cmd = setAuditCommentCommand(xpath, "a <b> & \"c\"");
  ASSERT_TRUE(cmd.has_value()) << to_string(cmd.error());
  const auto doc = parseXml(*cmd);
  const auto audit = doc.child("set").child("audit-comment");
  EXPECT_EQ(std::string(audit.child("xpath").text().get()), xpath);
  EXPECT_EQ(std::string(audit.child("comment").text().get()), "a <b> & \"c\"");
  EXPECT_EQ(cmd->find("<b>"), std::string::npos) << *cmd;  // escaped, not an element
}

TEST(AuditComment, RefusesEmptyOverlongAndUnsendableText) {
  EXPECT_EQ(setAuditCommentCommand("/x", "").error().code, ErrorCode::InvalidInput);
  EXPECT_EQ(setAuditCommentCommand("", "text").error().code, ErrorCode::InvalidInput);
  EXPECT_TRUE(setAuditCommentCommand("/x", std::string(kMaxAuditCommentLength, 'a')).has_value());
  EXPECT_EQ(setAuditCommentCommand("/x", std::string(kMaxAuditCommentLength + 1, 'a')).error().code,
            ErrorCode::InvalidInput);
  EXPECT_EQ(setAuditCommentCommand("/x", std::string("bell\x07")).error().code,
            ErrorCode::InvalidInput);
}

}  // namespace
}  // namespace trailwall::panos
