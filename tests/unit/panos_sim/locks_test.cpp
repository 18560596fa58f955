// Config and commit locks as PAN-OS documents them (rules and sources: tools/panos-sim/locks.cpp).
#include <gtest/gtest.h>

#include "sim_test_util.h"

namespace trailwall::panossim::test {
namespace {

const std::string kSharedAddress = "/config/shared/address";

ApiResponse lockOp(SimHarness& h, const std::string& cmd, const std::string& admin,
                   const std::string& vsys = "") {
  std::vector<std::pair<std::string, std::string>> params = {{"type", "op"}, {"cmd", cmd}};
  if (!vsys.empty()) {
    params.emplace_back("vsys", vsys);
  }
  return h.call(std::move(params), admin);
}

ApiResponse addConfigLock(SimHarness& h, const std::string& admin, const std::string& vsys = "",
                          const std::string& comment = "") {
  return lockOp(h,
                "<request><config-lock><add>" +
                    (comment.empty() ? "" : "<comment>" + comment + "</comment>") +
                    "</add></config-lock></request>",
                admin, vsys);
}

ApiResponse removeLock(SimHarness& h, const std::string& kind, const std::string& admin,
                       const std::string& named = "", const std::string& vsys = "") {
  return lockOp(h,
                "<request><" + kind + "><remove>" +
                    (named.empty() ? "" : "<admin>" + named + "</admin>") + "</remove></" + kind +
                    "></request>",
                admin, vsys);
}

ApiResponse setAddress(SimHarness& h, const std::string& base, const std::string& name,
                       const std::string& admin) {
  return h.config("set", base + "/entry[@name='" + name + "']",
                  "<ip-netmask>192.0.2.1</ip-netmask>", admin);
}

std::string multiConfigSet(SimHarness& h, const std::string& name, const std::string& admin) {
  const std::string element = "<multi-config><set id=\"1\" xpath=\"" + kAddress + "/entry[@name='" +
                              name + "']\"><ip-netmask>192.0.2.9</ip-netmask></set></multi-config>";
  return messageOf(
      h.call({{"type", "config"}, {"action", "multi-config"}, {"element", element}}, admin));
}

std::vector<std::string> lockHolders(SimHarness& h, const char* kind) {
  std::vector<std::string> out;
  const pugi::xml_document doc = parse(h.op("<show><" + std::string(kind) + "/></show>").body);
  for (const pugi::xpath_node& e : doc.select_nodes("/response/result/*/entry")) {
    out.emplace_back(e.node().attribute("name").value());
  }
  return out;
}

TEST(ConfigLock, BlocksOtherAdministratorsChangesButNotItsHolders) {
  SimHarness h;
  EXPECT_EQ(statusOf(addConfigLock(h, "admin")), "success");
  const ApiResponse refused = setAddress(h, kAddress, "o1", "operator");
  EXPECT_EQ(statusOf(refused), "error");
  EXPECT_EQ(messageOf(refused), "Configuration is locked by admin");
  EXPECT_EQ(multiConfigSet(h, "o2", "operator"), "Configuration is locked by admin");
  EXPECT_EQ(messageOf(h.config("delete", kAddress + "/entry[@name='web-1']", "", "operator")),
            "Configuration is locked by admin");
  // Reads are not changes; the holder may change and commit.
  EXPECT_EQ(codeOf(h.config("get", kAddress, "", "operator")), "19");
  EXPECT_EQ(codeOf(setAddress(h, kAddress, "a1", "admin")), "20");
  EXPECT_EQ(multiConfigSet(h, "a2", "admin"), "command succeeded");
  EXPECT_EQ(messageOf(h.commitAndWait()), "Configuration committed successfully");
}

TEST(ConfigLock, SurvivesItsHoldersCommitAndKeepsBlockingOthers) {
  SimHarness h;
  addConfigLock(h, "operator");
  setAddress(h, kAddress, "o1", "operator");
  EXPECT_EQ(messageOf(h.commitAndWait("<commit></commit>", "operator")),
            "Configuration committed successfully");
  EXPECT_EQ(lockHolders(h, "config-locks"), std::vector<std::string>{"operator"});
  EXPECT_EQ(messageOf(setAddress(h, kAddress, "a1", "admin")),
            "Configuration is locked by operator");
}

TEST(ConfigLock, AddingOneYouOwnOrOneAnotherHoldsIsAnError) {
  SimHarness h;
  addConfigLock(h, "admin");
  const ApiResponse again = addConfigLock(h, "admin");
  EXPECT_EQ(statusOf(again), "error");
  EXPECT_EQ(messageOf(again), "You already own a config lock for scope shared");
  EXPECT_EQ(messageOf(addConfigLock(h, "operator")), "Config lock is already held by admin");
  // A shared lock covers every vsys.
  EXPECT_EQ(messageOf(addConfigLock(h, "operator", "vsys1")),
            "Config lock is already held by admin");
  EXPECT_EQ(lockHolders(h, "config-locks"), std::vector<std::string>{"admin"});
}

TEST(ConfigLock, AVsysLockCoversOnlyThatVsys) {
  SimHarness h;
  EXPECT_EQ(statusOf(addConfigLock(h, "admin", "vsys1")), "success");
  EXPECT_EQ(statusOf(addConfigLock(h, "operator", "vsys2")), "success");
  EXPECT_EQ(messageOf(addConfigLock(h, "operator", "shared")),
            "Config lock is already held by admin");
  EXPECT_EQ(messageOf(setAddress(h, kAddress, "o1", "operator")),
            "Configuration is locked by admin");
  EXPECT_EQ(codeOf(setAddress(h, kSharedAddress, "o1", "operator")), "20");
  const pugi::xml_document shown =
      parse(h.op("<show><config-locks><vsys>vsys1</vsys></config-locks></show>").body);
  ASSERT_EQ(shown.select_nodes("//config-locks/entry").size(), 1U);
  EXPECT_STREQ(shown.select_node("//entry/name").node().text().get(), "vsys1");
  EXPECT_STREQ(shown.select_node("//entry/type").node().text().get(), "vsys");
}

TEST(ConfigLock, OnlyItsHolderOrASuperuserRemovesIt) {
  SimHarness h;
  addConfigLock(h, "admin");
  // editor is a device administrator, not a superuser.
  const ApiResponse denied = removeLock(h, "config-lock", "editor", "admin");
  EXPECT_EQ(statusOf(denied), "error");
  EXPECT_EQ(codeOf(denied), "16");
  EXPECT_EQ(messageOf(denied),
            "Config lock is held by admin; only admin or a superuser can remove it");
  EXPECT_EQ(messageOf(removeLock(h, "config-lock", "editor")),
            "Config lock is not currently held by editor");
  EXPECT_EQ(lockHolders(h, "config-locks"), std::vector<std::string>{"admin"});
  // operator is a superuser.
  EXPECT_EQ(messageOf(removeLock(h, "config-lock", "operator", "admin")),
            "Config lock released for admin");
  EXPECT_TRUE(lockHolders(h, "config-locks").empty());
  addConfigLock(h, "editor");
  EXPECT_EQ(messageOf(removeLock(h, "config-lock", "editor")), "Config lock released for editor");
}

TEST(ConfigLock, RemovingWhenNothingIsLockedNamesTheScope) {
  SimHarness h;
  EXPECT_EQ(canonicalXml(removeLock(h, "config-lock", "admin").body),
            canonicalXml(reference("op-config-lock-remove-not-locked.xml")));
  EXPECT_EQ(messageOf(removeLock(h, "config-lock", "admin", "", "vsys1")),
            "Config is not currently locked for scope vsys1");
}

TEST(ConfigLock, ShowListsCommentCreatedAndLastActivityInTheDevicesShape) {
  SimHarness h;
  addConfigLock(h, "admin", "", "trailwall run r-42 &lt;&amp;&gt;");
  h.clock.advance(std::chrono::seconds(90));
  h.config("get", kAddress, "", "admin");  // the holder's activity
  h.clock.advance(std::chrono::seconds(5));
  const ApiResponse shown = h.op("<show><config-locks/></show>", "operator");
  std::string expected = canonicalXml(reference("op-show-config-locks-present.xml"));
  const auto replace = [&](const std::string& from, const std::string& to) {
    expected.replace(expected.find(from), from.size(), to);
  };
  replace("xxx", "admin");
  replace("2025/10/30 02:14:14", "2023/11/14 22:13:20");  // created: the harness's start
  replace("2025/10/30 02:14:14", "2023/11/14 22:14:50");  // last activity: 90 s later
  replace("(null)", "trailwall run r-42 <&>");
  EXPECT_EQ(canonicalXml(shown.body), expected);
  EXPECT_NE(shown.body.find("<![CDATA[trailwall run r-42 <&>]]>"), std::string::npos) << shown.body;
}

TEST(CommitLock, BlocksOtherAdministratorsCommitsButNotTheirChanges) {
  SimHarness h;
  lockOp(h, "<request><commit-lock><add><comment>release</comment></add></commit-lock></request>",
         "admin");
  EXPECT_EQ(codeOf(setAddress(h, kAddress, "o1", "operator")), "20");
  EXPECT_EQ(canonicalXml(h.commit("<commit></commit>", "operator").body),
            canonicalXml(reference("commit-error-14-commit-locks-held.xml")));
  EXPECT_EQ(canonicalXml(h.commit("<commit><partial><admin><member>operator</member></admin>"
                                  "</partial></commit>",
                                  "operator")
                             .body),
            canonicalXml(reference("commit-error-14-commit-locks-held.xml")));
  // The holder commits (everything, here).
  EXPECT_EQ(messageOf(h.commitAndWait()), "Configuration committed successfully");
}

TEST(CommitLock, IsReleasedWhenItsHoldersCommitFinishesNotBefore) {
  SimulatorOptions options;
  options.commit_duration = std::chrono::seconds(10);
  SimHarness h(options);
  lockOp(h, "<request><commit-lock><add/></commit-lock></request>", "admin");
  setAddress(h, kAddress, "a1", "admin");
  EXPECT_EQ(codeOf(h.commit()), "19");
  h.clock.advance(std::chrono::seconds(5));
  EXPECT_EQ(lockHolders(h, "commit-locks"), std::vector<std::string>{"admin"});
  setAddress(h, kAddress, "o1", "operator");
  EXPECT_EQ(codeOf(h.commit("<commit></commit>", "operator")), "14");
  h.clock.advance(std::chrono::seconds(5));
  EXPECT_TRUE(lockHolders(h, "commit-locks").empty());
  EXPECT_EQ(codeOf(h.commit("<commit></commit>", "operator")), "19");
}

TEST(CommitLock, RemovalFollowsTheConfigLocksRule) {
  SimHarness h;
  lockOp(h, "<request><commit-lock><add/></commit-lock></request>", "admin");
  EXPECT_EQ(messageOf(lockOp(h, "<request><commit-lock><add/></commit-lock></request>", "admin")),
            "You already own a commit lock for scope shared");
  EXPECT_EQ(codeOf(removeLock(h, "commit-lock", "editor", "admin")), "16");
  EXPECT_EQ(messageOf(removeLock(h, "commit-lock", "editor")),
            "Commit lock is not currently held by editor");
  EXPECT_EQ(canonicalXml(removeLock(h, "commit-lock", "admin").body),
            canonicalXml("<response status=\"success\"><result>Commit lock released for "
                         "admin</result></response>"));
}

TEST(LockFault, IsARealLockOfAnotherAdministrator) {
  SimulatorOptions options;
  options.faults.config_lock_holder = "mallory";
  options.faults.commit_lock_holder = "mallory";
  SimHarness h(options);
  EXPECT_EQ(lockHolders(h, "config-locks"), std::vector<std::string>{"mallory"});
  EXPECT_EQ(lockHolders(h, "commit-locks"), std::vector<std::string>{"mallory"});
  EXPECT_EQ(messageOf(setAddress(h, kAddress, "a1", "admin")),
            "Configuration is locked by mallory");
  EXPECT_EQ(messageOf(addConfigLock(h, "admin")), "Config lock is already held by mallory");
  // mallory is no superuser of this device, editor is none either; admin is one.
  EXPECT_EQ(codeOf(removeLock(h, "config-lock", "editor", "mallory")), "16");
  EXPECT_EQ(messageOf(removeLock(h, "config-lock", "admin", "mallory")),
            "Config lock released for mallory");
  EXPECT_TRUE(h.sim->faults().config_lock_holder.empty());
  EXPECT_EQ(codeOf(setAddress(h, kAddress, "a1", "admin")), "20");
  EXPECT_EQ(codeOf(h.commit()), "14");  // mallory's commit lock is still there
  // Setting the faults again with the same holder keeps the lock (its created time) as it is.
  const std::string before = h.op("<show><commit-locks/></show>").body;
  h.clock.advance(std::chrono::seconds(30));
  Faults faults = h.sim->faults();
  h.sim->setFaults(faults);
  EXPECT_EQ(h.op("<show><commit-locks/></show>").body, before);
  h.sim->setFaults({});
  EXPECT_TRUE(lockHolders(h, "commit-locks").empty());
}

}  // namespace
}  // namespace trailwall::panossim::test
