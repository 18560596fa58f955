// Audit comments, the config log they are recorded in, the change journal, description limits.
#include <gtest/gtest.h>

#include "sim_test_util.h"

namespace trailwall::panossim::test {
namespace {

const std::string kRule =
    std::string(kVsys) + "/rulebase/security/rules/entry[@name='web-servers-inbound']";

std::string setComment(const std::string& xpath, const std::string& comment) {
  return "<set><audit-comment><xpath>" + xpath + "</xpath><comment>" + comment +
         "</comment></audit-comment></set>";
}

std::string showComment(const std::string& xpath) {
  return "<show><config><list><audit-comments><xpath>" + xpath +
         "</xpath></audit-comments></list></config></show>";
}

// A change by `admin` so that a commit has something to commit.
void touch(SimHarness& h, const std::string& name, const std::string& admin = "admin") {
  ASSERT_EQ(codeOf(h.config("set", std::string(kVsys) + "/address/entry[@name='" + name + "']",
                            "<ip-netmask>10.99.0.1</ip-netmask>", admin)),
            "20");
}

TEST(AuditComment, IsShownUntilTheNextCommitRecordsIt) {
  SimHarness h;
  const ApiResponse set = h.op(setComment(kRule, "trailwall: RunInstances evt-1"));
  EXPECT_EQ(statusOf(set), "success");
  EXPECT_EQ(messageOf(set), "Successfully added comment for xpath");
  h.op(setComment(kRule, "trailwall: RunInstances evt-2"));
  const pugi::xml_document shown = parse(h.op(showComment(kRule)).body);
  const pugi::xml_node e = shown.select_node("/response/result/entry").node();
  EXPECT_EQ(e.child("xpath").text().get(), kRule);
  EXPECT_STREQ(e.child("comment").text().get(), "trailwall: RunInstances evt-2");
  EXPECT_STREQ(e.child("dirtyId").text().get(), "2");
  EXPECT_STREQ(e.child("prevdirtyId").text().get(), "1");

  touch(h, "a1");
  const ApiResponse job = h.commitAndWait();
  ASSERT_NE(job.body.find("<result>OK</result>"), std::string::npos);
  EXPECT_FALSE(parse(h.op(showComment(kRule)).body).select_node("/response/result/entry"));
  const std::vector<AuditRecord> log = h.sim->auditLog();
  ASSERT_EQ(log.size(), 1U);
  EXPECT_EQ(log[0].xpath, kRule);
  EXPECT_EQ(log[0].comment, "trailwall: RunInstances evt-2");
  EXPECT_EQ(log[0].admin, "admin");
  EXPECT_EQ(log[0].config_ver, 1U);
}

TEST(AuditComment, ACommentAloneIsNoChangeAndWaitsForTheNextCommit) {
  SimHarness h;
  h.op(setComment(kRule, "only a comment"));
  EXPECT_EQ(messageOf(h.op("<check><pending-changes/></check>")), "no");
  EXPECT_EQ(messageOf(h.commit()), "There are no changes to commit.");
  EXPECT_EQ(h.sim->pendingAuditComments().size(), 1U);
  touch(h, "a2");
  h.commitAndWait();
  EXPECT_TRUE(h.sim->pendingAuditComments().empty());
  EXPECT_EQ(h.sim->auditLog().size(), 1U);
}

TEST(AuditComment, APartialCommitRecordsOnlyItsAdministratorsComments) {
  SimHarness h;
  h.op(setComment(kRule, "by operator"), "operator");
  touch(h, "mine", "admin");
  touch(h, "theirs", "operator");
  h.commitAndWait("<commit><partial><admin><member>admin</member></admin></partial></commit>");
  EXPECT_TRUE(h.sim->auditLog().empty());
  h.commitAndWait("<commit><partial><admin><member>operator</member></admin></partial></commit>",
                  "operator");
  ASSERT_EQ(h.sim->auditLog().size(), 1U);
  EXPECT_EQ(h.sim->auditLog()[0].admin, "operator");
}

TEST(AuditComment, OnlyRulesTakeComments) {
  SimHarness h;
  const ApiResponse r =
      h.op(setComment(std::string(kVsys) + "/address/entry[@name='vpc-net']", "x"));
  EXPECT_EQ(statusOf(r), "error");
  EXPECT_EQ(codeOf(r), "7");
  EXPECT_EQ(statusOf(h.op(setComment(kRule + "x", "x"))), "error");
  // A rule created but not committed yet takes one (clients comment before their commit).
  const std::string fresh = std::string(kVsys) + "/rulebase/security/rules/entry[@name='fresh']";
  ASSERT_EQ(codeOf(h.config("set", fresh, "<action>allow</action>")), "20");
  EXPECT_EQ(statusOf(h.op(setComment(fresh, "new rule"))), "success");
}

TEST(AuditComment, AReleaseBefore90DoesNotKnowTheCommand) {
  SimulatorOptions options;
  options.sw_version = "8.1.15";
  SimHarness h(options);
  const ApiResponse r = h.op(setComment(kRule, "x"));
  EXPECT_EQ(statusOf(r), "error");
  EXPECT_EQ(codeOf(r), "17");
  EXPECT_NE(r.body.find("audit-comment  is unexpected"), std::string::npos) << r.body;
  EXPECT_TRUE(h.sim->pendingAuditComments().empty());
  options.sw_version = "9.0.0";
  SimHarness nine(options);
  EXPECT_EQ(statusOf(nine.op(setComment(kRule, "x"))), "success");
}

TEST(AuditComment, TheConfigLogAnswersTheHistoryQueryClientsSend) {
  SimHarness h;
  for (const char* comment : {"first", "second"}) {
    h.op(setComment(kRule, comment));
    touch(h, comment);
    h.commitAndWait();
  }
  // PANGO-0.10 AuditCommentHistory's query for a vsys rule.
  const std::string query =
      "(subtype eq audit-comment) and (path contains '\\'web-servers-inbound\\'') and "
      "(path contains 'security') and (path contains rulebase) and "
      "(path contains '\\'vsys1\\'')";
  const ApiResponse enqueued = h.call({{"type", "log"},
                                       {"log-type", "config"},
                                       {"nlogs", "5"},
                                       {"query", query},
                                       {"dir", "backward"},
                                       {"uniq", "yes"}});
  const std::string job = parse(enqueued.body).select_node("//result/job").node().text().get();
  ASSERT_FALSE(job.empty()) << enqueued.body;
  const pugi::xml_document got =
      parse(h.call({{"type", "log"}, {"action", "get"}, {"job-id", job}}).body);
  EXPECT_STREQ(got.select_node("//job/status").node().text().get(), "FIN");
  const pugi::xpath_node_set entries = got.select_nodes("//log/logs/entry");
  ASSERT_EQ(entries.size(), 2U);
  const pugi::xml_node newest = entries[0].node();
  EXPECT_STREQ(newest.child("comment").text().get(), "second");
  EXPECT_STREQ(newest.child("cmd").text().get(), "audit-commit");
  EXPECT_STREQ(newest.child("admin").text().get(), "admin");
  EXPECT_STREQ(newest.child("config_ver").text().get(), "2");
  EXPECT_STREQ(newest.child("path").text().get(),
               " vsys  vsys1 rulebase security rules  web-servers-inbound");
  EXPECT_EQ(newest.child("full-path").text().get(), kRule);
  EXPECT_STREQ(entries[1].node().child("comment").text().get(), "first");
  // The same element names as the captured history, in the same order, as far as both go.
  const pugi::xml_document ref = parse(reference("log-config-audit-comment-history-pospy.xml"));
  EXPECT_STREQ(ref.select_node("//logs/entry").node().first_child().name(),
               newest.first_child().name());
  // Another rule's history is empty; an unsupported query term is an error, not a wrong answer.
  const ApiResponse other = h.call(
      {{"type", "log"}, {"log-type", "config"}, {"query", "(path contains 'allow-outbound-web')"}});
  const std::string other_job = parse(other.body).select_node("//result/job").node().text().get();
  EXPECT_EQ(parse(h.call({{"type", "log"}, {"action", "get"}, {"job-id", other_job}}).body)
                .select_nodes("//logs/entry")
                .size(),
            0U);
  EXPECT_EQ(codeOf(h.call({{"type", "log"},
                           {"log-type", "config"},
                           {"query", "(receive_time geq '2024/01/01 00:00:00')"}})),
            "17");
  EXPECT_EQ(codeOf(h.call({{"type", "log"}, {"action", "get"}, {"job-id", "999"}})), "7");
}

TEST(Descriptions, RuleDescriptionsHoldAtMost1024Characters) {
  SimHarness h;
  const std::string ok(1024, 'd');
  EXPECT_EQ(codeOf(h.config("set", kRule, "<description>" + ok + "</description>")), "20");
  const ApiResponse long_set = h.config("set", kRule, "<description>" + ok + "x</description>");
  EXPECT_EQ(codeOf(long_set), "12");
  EXPECT_NE(messageOf(long_set).find("can be at most 1024 characters, but current length: 1025"),
            std::string::npos);
  // Counted in characters, not bytes; also through edit, a new rule and multi-config.
  std::string wide;
  for (int i = 0; i < 1024; ++i) {
    wide += "\xc3\xa9";  // é
  }
  EXPECT_EQ(codeOf(h.config("set", kRule, "<description>" + wide + "</description>")), "20");
  EXPECT_EQ(
      codeOf(h.config("edit", kRule + "/description", "<description>" + ok + "xx</description>")),
      "12");
  const std::string fresh = std::string(kVsys) + "/rulebase/security/rules/entry[@name='fresh']";
  EXPECT_EQ(codeOf(h.config("set", fresh, "<description>" + ok + "x</description>")), "12");
  EXPECT_FALSE(parse(h.config("get", fresh).body).select_node("//entry[@name='fresh']"));
  const ApiResponse multi =
      h.config("multi-config", "", "", "admin",
               {{"element", "<multi-config><set id=\"1\" xpath=\"" + kRule + "\"><description>" +
                                ok + "x</description></set></multi-config>"}});
  EXPECT_EQ(codeOf(multi), "13");
}

TEST(Descriptions, GroupAndTagTextsHoldAtMost1023AndFiltersAtMost2047) {
  SimHarness h;
  const std::string group = std::string(kVsys) + "/address-group/entry[@name='web-servers']";
  EXPECT_EQ(
      codeOf(h.config("set", group, "<description>" + std::string(1023, 'g') + "</description>")),
      "20");
  EXPECT_EQ(
      codeOf(h.config("set", group, "<description>" + std::string(1024, 'g') + "</description>")),
      "12");
  const std::string tag = std::string(kVsys) + "/tag/entry[@name='web']";
  EXPECT_EQ(codeOf(h.config("set", tag, "<comments>" + std::string(1024, 't') + "</comments>")),
            "12");
  const std::string dag = std::string(kVsys) + "/address-group/entry[@name='dag']";
  const std::string filter = "'" + std::string(2045, 'f') + "'";
  EXPECT_EQ(codeOf(h.config("set", dag, "<dynamic><filter>" + filter + "</filter></dynamic>")),
            "20");
  EXPECT_EQ(codeOf(h.config("set", dag + "/dynamic", "<filter>" + filter + " </filter>")), "12");
}

TEST(CommitDescription, IsKeptOnTheJobUpTo512Characters) {
  SimHarness h;
  touch(h, "c1");
  const std::string text = "trailwall: 3 events (StartInstances by arn:aws:iam::1:user/x), +2 -1";
  const ApiResponse job =
      h.commitAndWait("<commit><description>" + text + "</description></commit>");
  EXPECT_STREQ(parse(job.body).select_node("//job/description").node().text().get(), text.c_str());
  const pugi::xml_document all = parse(h.op("<show><jobs><all/></jobs></show>").body);
  EXPECT_STREQ(all.select_node("//job/description").node().text().get(), text.c_str());
  touch(h, "c2");
  const ApiResponse too_long =
      h.commit("<commit><description>" + std::string(513, 'x') + "</description></commit>");
  EXPECT_EQ(codeOf(too_long), "12");
  EXPECT_NE(messageOf(too_long).find("at most 512 characters"), std::string::npos);
  EXPECT_EQ(statusOf(h.commit("<commit><description>" + std::string(512, 'x') +
                              "</description></commit>")),
            "success");
}

TEST(ChangeJournal, ListsUncommittedChangesWithTheirOwners) {
  SimHarness h;
  EXPECT_EQ(
      canonicalXml(h.op("<show><config><list><changes></changes></list></config></show>").body),
      canonicalXml(reference("op-show-config-list-changes-none-panorama-111.xml")));
  touch(h, "j1", "admin");
  touch(h, "j2", "operator");
  const pugi::xml_document doc =
      parse(h.op("<show><config><list><changes></changes></list></config></show>").body);
  const pugi::xpath_node_set entries = doc.select_nodes("/response/result/journal/entry");
  ASSERT_EQ(entries.size(), 2U);
  EXPECT_STREQ(entries[0].node().child("owner").text().get(), "admin");
  EXPECT_STREQ(entries[1].node().child("owner").text().get(), "operator");
  EXPECT_STREQ(entries[0].node().child("action").text().get(), " CREATE");  // leading space
  EXPECT_NE(std::string(entries[1].node().child("xpath").text().get()).find("j2"),
            std::string::npos);
  // The element names of the Panorama capture, in its order.
  const pugi::xml_document ref = parse(reference("op-pending-changes-journal-panorama.xml"));
  std::string ours, theirs;
  for (pugi::xml_node c = entries[0].node().first_child(); c; c = c.next_sibling()) {
    ours += std::string(c.name()) + " ";
  }
  for (pugi::xml_node c = ref.select_node("//journal/entry").node().first_child(); c;
       c = c.next_sibling()) {
    theirs += std::string(c.name()) + " ";
  }
  EXPECT_EQ(ours, theirs);
  h.commitAndWait();
  EXPECT_FALSE(parse(h.op("<show><config><list><changes/></list></config></show>").body)
                   .select_node("//journal"));
}

}  // namespace
}  // namespace trailwall::panossim::test
