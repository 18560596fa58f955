// An active/passive HA pair (ha.h): the state each peer reports, the passive peer's refusal of
// changes, config sync after a commit on the active, failover (control and fault), suspend and
// functional, and the User-ID table the peers share.
#include <gtest/gtest.h>

#include "ha.h"
#include "sim_test_util.h"

namespace trailwall::panossim::test {
namespace {

constexpr const char* kHaState =
    "<show><high-availability><state></state></high-availability></show>";

// Two peers on one HaLink; peer a starts active.
struct Pair {
  Pair() : link(std::make_shared<HaLink>(std::chrono::system_clock::now())) {
    SimulatorOptions o;
    o.ha = link;
    o.ha_peer = 0;
    a = std::make_unique<SimHarness>(o);
    o.ha_peer = 1;
    o.serial = "007000016274";
    b = std::make_unique<SimHarness>(o);
  }
  std::shared_ptr<HaLink> link;
  std::unique_ptr<SimHarness> a, b;
};

std::string localState(SimHarness& h) {
  return parse(h.op(kHaState).body).select_node("//group/local-info/state").node().text().get();
}

std::string field(SimHarness& h, const char* xpath) {
  return parse(h.op(kHaState).body).select_node(xpath).node().text().get();
}

void addAddress(SimHarness& h, const std::string& name, const std::string& expect_code) {
  EXPECT_EQ(codeOf(h.config("set", std::string(kVsys) + "/address/entry[@name='" + name + "']",
                            "<ip-netmask>10.9.0.1</ip-netmask>")),
            expect_code);
}

// Every element of `ours` (by path of element names) exists in `ref`.
void expectShapeWithin(const pugi::xml_node& ours, const pugi::xml_node& ref,
                       const std::string& path = "") {
  for (pugi::xml_node c = ours.first_child(); c; c = c.next_sibling()) {
    if (c.type() != pugi::node_element) {
      continue;
    }
    const pugi::xml_node r = ref.child(c.name());
    EXPECT_TRUE(r) << path + "/" + c.name() << " is not in the reference";
    if (r) {
      expectShapeWithin(c, r, path + "/" + c.name());
    }
  }
}

TEST(HaPair, EachPeerReportsItsStateInTheFirewallsShape) {
  Pair p;
  EXPECT_EQ(localState(*p.a), "active");
  EXPECT_EQ(localState(*p.b), "passive");
  EXPECT_EQ(field(*p.a, "//group/peer-info/state"), "passive");
  EXPECT_EQ(field(*p.b, "//group/peer-info/state"), "active");
  EXPECT_EQ(field(*p.a, "/response/result/enabled"), "yes");
  EXPECT_EQ(field(*p.a, "//group/mode"), "Active-Passive");
  EXPECT_EQ(field(*p.a, "//group/peer-info/conn-status"), "up");
  EXPECT_EQ(field(*p.a, "//group/running-sync"), "synchronized");
  EXPECT_EQ(field(*p.a, "//group/running-sync-enabled"), "yes");
  const pugi::xml_document ours = parse(p.b->op(kHaState).body);
  const pugi::xml_document ref = parse(reference("op-show-ha-state-passive-fw-1009-xsoar.xml"));
  expectShapeWithin(ours.document_element(), ref.document_element());
  // `show high-availability all` reads the same paths (POWERPAN, PAAPI).
  EXPECT_EQ(parse(p.a->op("<show><high-availability><all/></high-availability></show>").body)
                .select_node("//group/local-info/state")
                .node()
                .text()
                .as_string(),
            std::string("active"));
}

TEST(HaPair, AStandaloneFirewallSaysHaIsDisabled) {
  SimHarness h;
  EXPECT_EQ(canonicalXml(h.op(kHaState).body),
            canonicalXml(reference("op-show-ha-state-disabled-xsoar.xml")));
}

TEST(HaPair, ThePassivePeerRefusesChangesAndCommitsButAnswersReads) {
  Pair p;
  addAddress(*p.b, "on-passive", "15");
  EXPECT_EQ(codeOf(p.b->commit()), "15");
  EXPECT_NE(messageOf(p.b->commit()).find("not the active HA peer"), std::string::npos);
  // An audit comment is a change too (the log names the action "set audit-comment xpath").
  EXPECT_EQ(codeOf(p.b->op("<set><audit-comment><xpath>" + std::string(kVsys) +
                           "/rulebase/security/rules/entry[@name='r']</xpath><comment>c</comment>"
                           "</audit-comment></set>")),
            "15");
  EXPECT_EQ(statusOf(p.b->config("get", std::string(kVsys) + "/address")), "success");
  EXPECT_EQ(statusOf(p.b->op("<show><system><info/></system></show>")), "success");
  EXPECT_EQ(p.b->sim->candidateConfigXml().find("on-passive"), std::string::npos);
}

TEST(HaPair, ACommitOnTheActiveSyncsItsRunningConfigurationToThePassive) {
  Pair p;
  addAddress(*p.a, "synced", "20");
  EXPECT_EQ(p.b->sim->runningConfigXml().find("synced"), std::string::npos);
  const ApiResponse job = p.a->commitAndWait();
  ASSERT_NE(job.body.find("<result>OK</result>"), std::string::npos) << job.body;
  const std::string passive = p.b->sim->runningConfigXml();
  EXPECT_NE(passive.find("synced"), std::string::npos);
  EXPECT_EQ(p.b->sim->candidateConfigXml(), passive);
  EXPECT_EQ(field(*p.b, "//group/running-sync"), "synchronized");
  // The passive enforces what it received (policy-match compiles the synced rulebase).
  const std::string rule = std::string(kVsys) + "/rulebase/security/rules/entry[@name='new-top']";
  ASSERT_EQ(codeOf(p.a->config("set", rule,
                               "<from><member>any</member></from><to><member>any</member></to>"
                               "<source><member>any</member></source><destination><member>"
                               "synced</member></destination><application><member>any</member>"
                               "</application><service><member>any</member></service>"
                               "<action>allow</action>")),
            "20");
  ASSERT_EQ(codeOf(p.a->config("move", rule, "", "admin", {{"where", "top"}})), "20");
  p.a->commitAndWait();
  const ApiResponse match = p.b->op(
      "<test><security-policy-match><source>1.1.1.1</source><destination>10.9.0.1</destination>"
      "<protocol>6</protocol><destination-port>443</destination-port></security-policy-match>"
      "</test>");
  EXPECT_NE(match.body.find("new-top"), std::string::npos) << match.body;
}

TEST(HaPair, WithSyncDisabledThePassiveFallsBehindUntilSyncToRemote) {
  Pair p;
  ASSERT_TRUE(p.a->sim->haSetSync(false));
  addAddress(*p.a, "late", "20");
  p.a->commitAndWait();
  EXPECT_EQ(p.b->sim->runningConfigXml().find("late"), std::string::npos);
  EXPECT_EQ(field(*p.a, "//group/running-sync"), "not synchronized");
  EXPECT_EQ(field(*p.a, "//group/running-sync-enabled"), "no");
  const ApiResponse sync = p.a->op(
      "<request><high-availability><sync-to-remote><running-config/></sync-to-remote>"
      "</high-availability></request>");
  EXPECT_EQ(messageOf(sync), "successfully sync'd running configuration to HA peer");
  EXPECT_NE(p.b->sim->runningConfigXml().find("late"), std::string::npos);
  EXPECT_EQ(field(*p.b, "//group/running-sync"), "synchronized");
}

TEST(HaPair, AFailoverMakesThePassiveActiveAndTheOldActiveRefuseWrites) {
  Pair p;
  ASSERT_TRUE(p.b->sim->haFailover(false));  // from either peer's control endpoint
  EXPECT_EQ(localState(*p.a), "passive");
  EXPECT_EQ(localState(*p.b), "active");
  addAddress(*p.a, "x", "15");
  addAddress(*p.b, "y", "20");
  p.b->commitAndWait();
  EXPECT_NE(p.a->sim->runningConfigXml().find("name=\"y\""), std::string::npos);
}

TEST(HaPair, AFailoverFaultKillsTheActiveOnAMatchingRequestBeforeItActs) {
  Pair p;
  Faults f;
  f.failover.push_back({.type = "config", .action = "set", .remaining = 1});
  p.a->sim->setFaults(f);
  const ApiResponse cut = p.a->config("set", std::string(kVsys) + "/address/entry[@name='lost']",
                                      "<ip-netmask>10.9.9.9</ip-netmask>");
  EXPECT_EQ(cut.fault, TransportFault::Drop);
  EXPECT_EQ(p.a->op(kHaState).fault, TransportFault::Drop);  // it answers nothing now
  EXPECT_EQ(p.a->sim->candidateConfigXml().find("lost"), std::string::npos);
  EXPECT_EQ(localState(*p.b), "active");
  EXPECT_EQ(field(*p.b, "//group/peer-info/state"), "unknown");
  EXPECT_EQ(field(*p.b, "//group/peer-info/conn-status"), "down");
  // The new active commits while the old one is down: not synchronized until it recovers.
  addAddress(*p.b, "while-down", "20");
  p.b->commitAndWait();
  EXPECT_EQ(field(*p.b, "//group/running-sync"), "not synchronized");
  ASSERT_TRUE(p.a->sim->haRecover());
  EXPECT_EQ(localState(*p.a), "passive");
  EXPECT_NE(p.a->sim->runningConfigXml().find("while-down"), std::string::npos);
  EXPECT_EQ(field(*p.b, "//group/running-sync"), "synchronized");
  // A second failover needs a passive peer: after one, the pair can fail back.
  EXPECT_TRUE(p.a->sim->haFailover(false));
  EXPECT_EQ(localState(*p.a), "active");
}

TEST(HaPair, SuspendHandsOverAndFunctionalComesBackPassive) {
  Pair p;
  const char* suspend =
      "<request><high-availability><state><suspend/></state></high-availability></request>";
  const char* functional =
      "<request><high-availability><state><functional/></state></high-availability></request>";
  EXPECT_EQ(statusOf(p.a->op(suspend)), "success");
  EXPECT_EQ(localState(*p.a), "suspended");
  EXPECT_EQ(localState(*p.b), "active");
  addAddress(*p.a, "s", "15");
  EXPECT_EQ(statusOf(p.a->op(functional)), "success");
  EXPECT_EQ(localState(*p.a), "passive");
  EXPECT_EQ(codeOf(p.a->op(functional)), "14");  // not suspended
  // The only active peer cannot suspend without someone to take over.
  ASSERT_TRUE(p.b->sim->haFailover(true));
  EXPECT_EQ(codeOf(p.a->op(suspend)), "14");
}

TEST(HaPair, ThePeersShareTheirUserIdRegistrations) {
  Pair p;
  const ApiResponse reg =
      p.a->call({{"type", "user-id"},
                 {"cmd",
                  "<uid-message><type>update</type><payload><register><entry ip=\"10.9.0.5\"><tag>"
                  "<member>web</member></tag></entry></register></payload></uid-message>"}});
  ASSERT_EQ(statusOf(reg), "success") << reg.body;
  ASSERT_EQ(p.b->sim->registrations("vsys1").size(), 1U);
  EXPECT_EQ(p.b->sim->registrations("vsys1")[0].ip, "10.9.0.5");
}

}  // namespace
}  // namespace trailwall::panossim::test
