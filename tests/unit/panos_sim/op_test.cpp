#include <gtest/gtest.h>

#include "sim_test_util.h"

namespace trailwall::panossim::test {
namespace {

// The reference body with the administrator "xxx" renamed to `admin`.
std::string referenceFor(const std::string& file, const std::string& admin) {
  std::string text = canonicalXml(reference(file));
  for (std::size_t p = text.find("xxx"); p != std::string::npos; p = text.find("xxx", p)) {
    text.replace(p, 3, admin);
  }
  return text;
}

TEST(ShowSystemInfo, HasTheFieldsClientsRead) {
  SimHarness h;
  const pugi::xml_document doc = parse(h.op("<show><system><info></info></system></show>").body);
  const pugi::xml_node sys = doc.select_node("/response/result/system").node();
  EXPECT_STREQ(sys.child("sw-version").text().get(), "10.2.11");
  EXPECT_STREQ(sys.child("hostname").text().get(), "panos-sim");
  EXPECT_STREQ(sys.child("model").text().get(), "PA-VM");
  EXPECT_STREQ(sys.child("multi-vsys").text().get(), "off");
  // Same element names, in the same order, as the 10.2 device capture, as far as both go.
  const pugi::xml_document ref = parse(reference("op-show-system-info-1021-blog.xml"));
  EXPECT_STREQ(ref.select_node("/response/result/system").node().first_child().name(),
               sys.first_child().name());
}

TEST(Locks, ConfigLockAddShowRemoveAnswerLikeTheDevice) {
  SimHarness h;
  EXPECT_EQ(canonicalXml(h.op("<show><config-locks/></show>").body),
            canonicalXml(reference("op-show-config-locks-none.xml")));
  EXPECT_EQ(
      canonicalXml(
          h.op("<request><config-lock><add><comment>x</comment></add></config-lock></request>")
              .body),
      referenceFor("op-config-lock-add-ok.xml", "admin"));
  EXPECT_EQ(
      canonicalXml(h.op("<request><config-lock><add/></config-lock></request>", "operator").body),
      referenceFor("op-config-lock-add-already-held.xml", "admin"));
  const pugi::xml_document shown =
      parse(h.op("<show><config-locks><vsys>all</vsys></config-locks></show>").body);
  EXPECT_STREQ(shown.select_node("//config-locks/entry").node().attribute("name").value(), "admin");
  EXPECT_STREQ(shown.select_node("//config-locks/entry/comment").node().text().get(), "x");
  EXPECT_EQ(
      canonicalXml(h.op("<request><config-lock><remove></remove></config-lock></request>").body),
      referenceFor("op-config-lock-remove-ok.xml", "admin"));
  EXPECT_EQ(
      canonicalXml(h.op("<request><config-lock><remove></remove></config-lock></request>").body),
      canonicalXml(reference("op-config-lock-remove-not-locked.xml")));
}

TEST(Locks, CommitLockAddRemoveAnswerLikeTheDevice) {
  SimHarness h;
  EXPECT_EQ(
      canonicalXml(h.op("<request><commit-lock><add/></commit-lock></request>", "operator").body),
      referenceFor("op-commit-lock-add-ok.xml", "operator"));
  EXPECT_EQ(canonicalXml(h.op("<request><commit-lock><add/></commit-lock></request>").body),
            referenceFor("op-commit-lock-add-already-held.xml", "operator"));
  EXPECT_EQ(
      parse(h.op("<show><commit-locks/></show>").body).select_nodes("//commit-locks/entry").size(),
      1U);
  EXPECT_EQ(canonicalXml(h.op("<request><commit-lock><remove><admin>operator</admin></remove></"
                              "commit-lock></request>")
                             .body),
            referenceFor("op-commit-lock-remove-ok.xml", "operator"));
  EXPECT_EQ(canonicalXml(h.op("<request><commit-lock><remove/></commit-lock></request>").body),
            canonicalXml(reference("op-commit-lock-remove-not-locked.xml")));
}

TEST(OpErrors, UnknownCommandMalformedXmlAndMissingCmd) {
  SimHarness h;
  const pugi::xml_document unknown = parse(h.op("<show><bogus/></show>").body);
  EXPECT_STREQ(unknown.child("response").attribute("status").value(), "error");
  EXPECT_STREQ(unknown.select_node("//line").node().text().get(), " show -> bogus  is unexpected");
  EXPECT_STREQ(parse(h.op("<show><system>").body).child("response").attribute("code").value(),
               "18");
  EXPECT_EQ(h.call({{"type", "op"}}).http_status, 400);
  EXPECT_EQ(h.call({}).http_status, 400);
  EXPECT_EQ(h.call({{"type", "bogus"}}).http_status, 400);
}

TEST(PendingChanges, ReflectsTheCandidate) {
  SimHarness h;
  const auto pending = [&h] {
    return std::string(parse(h.op("<check><pending-changes></pending-changes></check>").body)
                           .select_node("/response/result")
                           .node()
                           .text()
                           .get());
  };
  EXPECT_EQ(pending(), "no");
  h.config("set", std::string(kVsys) + "/tag/entry[@name='t']", "<color>color1</color>");
  EXPECT_EQ(pending(), "yes");
  h.commitAndWait();
  EXPECT_EQ(pending(), "no");
}

}  // namespace
}  // namespace trailwall::panossim::test
