// Panorama (panorama.h): device groups with pre/post rulebases, commit on Panorama, commit-all
// push jobs with per-device results, show devicegroups In Sync / Out of Sync, admin-scoped
// pushes on 10.2+, and what the managed firewalls then enforce.
#include <gtest/gtest.h>

#include "ha.h"
#include "panorama.h"
#include "sim_test_util.h"

namespace trailwall::panossim::test {
namespace {

const std::string kDg1 =
    "/config/devices/entry[@name='localhost.localdomain']/device-group/entry[@name='dg1']";

// Panorama managing fw1 and fw2 (dg1) and fw3 (dg2), each firewall its own Simulator.
struct Site {
  explicit Site(const std::string& version = "10.2.11") {
    auto managed = std::make_shared<ManagedDevices>();
    for (int i = 0; i < 3; ++i) {
      SimulatorOptions o;
      o.serial = "00700001627" + std::to_string(i + 3);
      fw.push_back(std::make_unique<SimHarness>(o));
      managed->add(o.serial, "fw" + std::to_string(i + 1), fw.back()->sim.get());
    }
    SimulatorOptions p;
    p.panorama = true;
    p.model = "Panorama";
    p.sw_version = version;
    p.serial = "000702100379";
    p.managed = managed;
    p.initial_config_xml = panoramaConfigXml(
        {{"dg1", {"007000016273", "007000016274"}}, {"dg2", {"007000016275"}}}, "panorama");
    pan = std::make_unique<SimHarness>(p);
    pan->sim->panoramaPushAll();
  }
  ApiResponse push(const std::string& inner, const std::string& admin = "admin") {
    return pan->call(
        {{"type", "commit"},
         {"action", "all"},
         {"cmd", "<commit-all><shared-policy>" + inner + "</shared-policy></commit-all>"}},
        admin);
  }
  // Pushes and runs the job to its end; the final <job>.
  pugi::xml_document pushAndWait(const std::string& inner, const std::string& admin = "admin") {
    const ApiResponse enqueued = push(inner, admin);
    EXPECT_EQ(messageOf(enqueued).substr(0, 29), "Push job enqueued with jobid ") << enqueued.body;
    const std::string job = parse(enqueued.body).select_node("//result/job").node().text().get();
    pan->clock.advance(std::chrono::hours(1));
    return parse(pan->op("<show><jobs><id>" + job + "</id></jobs></show>").body);
  }
  // shared-policy-status of a serial in show devicegroups.
  std::string status(const std::string& serial) {
    const pugi::xml_document d = parse(pan->op("<show><devicegroups/></show>").body);
    return d.select_node(("//devices/entry[@name='" + serial + "']/shared-policy-status").c_str())
        .node()
        .text()
        .get();
  }
  std::vector<std::unique_ptr<SimHarness>> fw;
  std::unique_ptr<SimHarness> pan;
};

constexpr const char* kDg1Only = "<device-group><entry name=\"dg1\"/></device-group>";

// The rule an inbound https flow to web-server-1 matches on a firewall.
std::string inboundMatch(SimHarness& fw) {
  const ApiResponse r = fw.op(
      "<test><security-policy-match><from>untrust</from><to>trust</to><source>198.51.100.7"
      "</source><destination>10.0.1.10</destination><protocol>6</protocol><destination-port>443"
      "</destination-port></security-policy-match></test>");
  return parse(r.body).select_node("//rules/entry").node().attribute("name").value();
}

// The result of one firewall in a finished push job.
std::string deviceResult(const pugi::xml_document& job, const std::string& serial) {
  return job.select_node(("//devices/entry[serial-no='" + serial + "']/result").c_str())
      .node()
      .text()
      .get();
}

void addDgRule(SimHarness& pan, const std::string& name, const std::string& admin = "admin") {
  const std::string xpath = kDg1 + "/pre-rulebase/security/rules/entry[@name='" + name + "']";
  ASSERT_EQ(codeOf(pan.config("set", xpath,
                              "<from><member>untrust</member></from><to><member>trust</member>"
                              "</to><source><member>any</member></source><destination><member>"
                              "web-1</member></destination><application><member>any</member>"
                              "</application><service><member>svc-443</member></service><action>"
                              "allow</action>",
                              admin)),
            "20");
  ASSERT_EQ(codeOf(pan.config("move", xpath, "", admin,
                              {{"where", "before"}, {"dst", "dg-block-inbound"}})),
            "20");
}

void addDgObjects(SimHarness& pan, const std::string& admin = "admin") {
  ASSERT_EQ(codeOf(pan.config("set", kDg1 + "/address/entry[@name='web-1']",
                              "<ip-netmask>10.0.1.10/32</ip-netmask>", admin)),
            "20");
  ASSERT_EQ(codeOf(pan.config("set", kDg1 + "/service/entry[@name='svc-443']",
                              "<protocol><tcp><port>443</port></tcp></protocol>", admin)),
            "20");
}

TEST(Panorama, FirewallsStartInSyncRunningTheDeviceGroupsPreRulesFirst) {
  Site s;
  EXPECT_EQ(s.status("007000016273"), "In Sync");
  EXPECT_EQ(s.status("007000016275"), "In Sync");
  // dg-block-inbound (pushed pre-rule) comes before the firewall's own web-servers-inbound.
  EXPECT_EQ(inboundMatch(*s.fw[0]), "dg-block-inbound");
  // The reply's elements are the reference's.
  const pugi::xml_document ours = parse(s.pan->op("<show><devicegroups/></show>").body);
  const pugi::xml_document ref = parse(reference("op-show-devicegroups-xsoar.xml"));
  const pugi::xml_node ref_device = ref.select_node("//devices/entry").node();
  for (pugi::xml_node c = ours.select_node("//devices/entry").node().first_child(); c;
       c = c.next_sibling()) {
    EXPECT_TRUE(ref_device.child(c.name())) << c.name();
  }
  EXPECT_EQ(
      std::string(
          ours.select_node("//entry[@name='dg1']/shared-policy-md5sum").node().text().get()),
      ours.select_node("//entry[@name='007000016273']/shared-policy-md5sum").node().text().get());
  // Panorama has no vsys: the User-ID reads name the vsys they miss instead of failing.
  EXPECT_EQ(messageOf(s.pan->op("<show><object><registered-ip><all/></registered-ip></object>"
                                "</show>")),
            "Invalid vsys name vsys1");
  // A firewall cannot push; Panorama shows which firewall reports what.
  EXPECT_EQ(codeOf(s.fw[0]->call({{"type", "commit"},
                                  {"action", "all"},
                                  {"cmd", "<commit-all><shared-policy/></commit-all>"}})),
            "17");
}

TEST(Panorama, ACommittedRuleIsOutOfSyncUntilPushedThenEnforcedAboveTheBottomRule) {
  Site s;
  addDgObjects(*s.pan);
  addDgRule(*s.pan, "trailwall-web");
  const ApiResponse commit = s.pan->commitAndWait(
      "<commit><partial><admin><member>admin</member></admin></partial></commit>");
  ASSERT_NE(commit.body.find("<result>OK</result>"), std::string::npos) << commit.body;
  EXPECT_EQ(s.status("007000016273"), "Out of Sync");
  EXPECT_EQ(s.status("007000016275"), "In Sync");         // dg2 did not change
  EXPECT_EQ(inboundMatch(*s.fw[0]), "dg-block-inbound");  // not pushed yet

  const pugi::xml_document job = s.pushAndWait(kDg1Only);
  EXPECT_STREQ(job.select_node("//job/type").node().text().get(), "CommitAll");
  EXPECT_STREQ(job.select_node("//job/result").node().text().get(), "OK");
  EXPECT_STREQ(job.select_node("//job/dgname").node().text().get(), "dg1");
  EXPECT_STREQ(job.select_node("//job/push_type").node().text().get(), "shared-policy");
  const pugi::xpath_node_set devices = job.select_nodes("//job/devices/entry");
  ASSERT_EQ(devices.size(), 2U);
  EXPECT_STREQ(devices[0].node().child("serial-no").text().get(), "007000016273");
  EXPECT_STREQ(devices[0].node().child("devicename").text().get(), "fw1");
  EXPECT_STREQ(devices[0].node().child("result").text().get(), "OK");
  // Element names as in the capture.
  const pugi::xml_document ref = parse(reference("job-commitall-fin-ok-devices-xsoar.xml"));
  for (pugi::xml_node c = devices[0].node().first_child(); c; c = c.next_sibling()) {
    EXPECT_TRUE(ref.select_node("//devices/entry").node().child(c.name())) << c.name();
  }
  EXPECT_EQ(s.status("007000016273"), "In Sync");
  EXPECT_EQ(s.status("007000016274"), "In Sync");
  EXPECT_EQ(inboundMatch(*s.fw[0]), "trailwall-web");
  EXPECT_EQ(inboundMatch(*s.fw[1]), "trailwall-web");
  EXPECT_EQ(inboundMatch(*s.fw[2]), "dg-block-inbound");  // dg2 untouched
  EXPECT_EQ(s.fw[2]->sim->counters().commits_ok, 1U);     // only the initial push
  EXPECT_EQ(s.pan->sim->counters().pushes_ok, 1U);
  // The firewall shows it under /config/panorama, the pre-rulebase in order.
  const std::string running = s.fw[0]->sim->runningConfigXml();
  EXPECT_LT(running.find("trailwall-web"), running.find("dg-block-inbound"));
  EXPECT_NE(running.find("<panorama>"), std::string::npos);
}

TEST(Panorama, AnAdminScopedPushLeavesAnotherAdministratorsCommittedWorkOnPanorama) {
  Site s;
  // The operator commits a change to dg1 and does not push it.
  ASSERT_EQ(codeOf(s.pan->config("set", kDg1 + "/address/entry[@name='theirs']",
                                 "<ip-netmask>10.7.7.7/32</ip-netmask>", "operator")),
            "20");
  s.pan->commitAndWait(
      "<commit><partial><admin><member>operator</member></admin></partial></commit>", "operator");
  EXPECT_EQ(s.status("007000016273"), "Out of Sync");  // someone else's unpushed work
  addDgObjects(*s.pan);
  addDgRule(*s.pan, "trailwall-web");
  s.pan->commitAndWait("<commit><partial><admin><member>admin</member></admin></partial></commit>");
  const pugi::xml_document job =
      s.pushAndWait(std::string(kDg1Only) + "<admin><member>admin</member></admin>");
  EXPECT_STREQ(job.select_node("//job/result").node().text().get(), "OK");
  EXPECT_EQ(inboundMatch(*s.fw[0]), "trailwall-web");
  EXPECT_EQ(s.fw[0]->sim->runningConfigXml().find("theirs"), std::string::npos);
  EXPECT_EQ(s.status("007000016273"), "Out of Sync");  // the operator's change is still pending
  // A full push sends it too.
  s.pushAndWait(kDg1Only);
  EXPECT_NE(s.fw[0]->sim->runningConfigXml().find("theirs"), std::string::npos);
  EXPECT_EQ(s.status("007000016273"), "In Sync");
}

TEST(Panorama, BeforeTenTwoAPushCannotBeScopedToAnAdministrator) {
  Site s("10.1.9");
  const ApiResponse r = s.push(std::string(kDg1Only) + "<admin><member>admin</member></admin>");
  EXPECT_EQ(statusOf(r), "error");
  EXPECT_EQ(codeOf(r), "17");
  EXPECT_EQ(statusOf(s.push(kDg1Only)), "success");
}

TEST(Panorama, APushThatFailsOnOneFirewallNamesItAndLeavesItOutOfSync) {
  Site s;
  addDgObjects(*s.pan);
  s.pan->commitAndWait();
  Faults f;
  f.fail_commits = 1;
  s.fw[1]->sim->setFaults(f);
  const pugi::xml_document job = s.pushAndWait(kDg1Only);
  EXPECT_STREQ(job.select_node("//job/result").node().text().get(), "FAIL");
  EXPECT_EQ(deviceResult(job, "007000016273"), "OK");
  EXPECT_EQ(deviceResult(job, "007000016274"), "FAIL");
  EXPECT_EQ(s.status("007000016273"), "In Sync");
  EXPECT_EQ(s.status("007000016274"), "Out of Sync");
  EXPECT_EQ(s.pan->sim->counters().pushes_failed, 1U);
  // Pushing to that one device again repairs it.
  const pugi::xml_document again = s.pushAndWait(
      "<device-group><entry name=\"dg1\"><devices><entry name=\"007000016274\"/></devices>"
      "</entry></device-group>");
  EXPECT_EQ(again.select_nodes("//devices/entry").size(), 1U);
  EXPECT_EQ(s.status("007000016274"), "In Sync");
}

TEST(Panorama, ACommitFailsOnADeviceGroupRuleNamingAMissingObject) {
  Site s;
  addDgRule(*s.pan, "dangling");  // web-1 and svc-443 do not exist in dg1 or shared
  const ApiResponse job = s.pan->commitAndWait();
  EXPECT_NE(job.body.find("<result>FAIL</result>"), std::string::npos) << job.body;
  EXPECT_NE(job.body.find("device-group -> dg1 -> pre-rulebase -> security -> rules -> dangling "
                          "-> service 'svc-443' is not a valid reference"),
            std::string::npos)
      << job.body;
  addDgObjects(*s.pan);
  EXPECT_NE(s.pan->commitAndWait().body.find("<result>OK</result>"), std::string::npos);
}

TEST(Panorama, APushedDynamicGroupMatchesAddressesRegisteredOnTheFirewall) {
  Site s;
  ASSERT_EQ(codeOf(s.pan->config("set", kDg1 + "/address-group/entry[@name='tw-dag']",
                                 "<dynamic><filter>'trailwall.sg-1'</filter></dynamic>")),
            "20");
  const std::string rule = kDg1 + "/pre-rulebase/security/rules/entry[@name='tw-dag-in']";
  ASSERT_EQ(codeOf(s.pan->config(
                "set", rule,
                "<from><member>untrust</member></from><to><member>trust</member></to><source>"
                "<member>any</member></source><destination><member>tw-dag</member></destination>"
                "<application><member>any</member></application><service><member>any</member>"
                "</service><action>allow</action>")),
            "20");
  ASSERT_EQ(codeOf(s.pan->config("move", rule, "", "admin", {{"where", "top"}})), "20");
  s.pan->commitAndWait();
  s.pushAndWait(kDg1Only);
  EXPECT_EQ(inboundMatch(*s.fw[0]), "dg-block-inbound");  // nobody carries the tag yet
  const ApiResponse reg = s.fw[0]->call(
      {{"type", "user-id"},
       {"cmd",
        "<uid-message><type>update</type><payload><register><entry ip=\"10.0.1.10\"><tag>"
        "<member>trailwall.sg-1</member></tag></entry></register></payload></uid-message>"}});
  ASSERT_EQ(statusOf(reg), "success") << reg.body;
  EXPECT_EQ(inboundMatch(*s.fw[0]), "tw-dag-in");
  EXPECT_EQ(inboundMatch(*s.fw[1]), "dg-block-inbound");  // registrations are per firewall
}

TEST(Panorama, AnHaPeerThatIsDownIsNotConnectedAndItsPushFails) {
  auto link = std::make_shared<HaLink>(std::chrono::system_clock::now());
  auto managed = std::make_shared<ManagedDevices>();
  std::vector<std::unique_ptr<SimHarness>> peers;
  for (int i = 0; i < 2; ++i) {
    SimulatorOptions o;
    o.ha = link;
    o.ha_peer = i;
    o.serial = "00700001627" + std::to_string(i + 3);
    peers.push_back(std::make_unique<SimHarness>(o));
    managed->add(o.serial, i == 0 ? "fw1-a" : "fw1-b", peers.back()->sim.get());
  }
  SimulatorOptions p;
  p.panorama = true;
  p.managed = managed;
  p.initial_config_xml = panoramaConfigXml({{"dg1", {"007000016273", "007000016274"}}}, "panorama");
  SimHarness pan(p);
  pan.sim->panoramaPushAll();
  ASSERT_TRUE(peers[1]->sim->haFailover(true));  // fw1-a dies
  addDgObjects(pan);
  pan.commitAndWait();
  const ApiResponse enqueued =
      pan.call({{"type", "commit"},
                {"action", "all"},
                {"cmd", "<commit-all><shared-policy>" + std::string(kDg1Only) +
                            "</shared-policy></commit-all>"}});
  const std::string id = parse(enqueued.body).select_node("//result/job").node().text().get();
  pan.clock.advance(std::chrono::hours(1));
  const pugi::xml_document job =
      parse(pan.op("<show><jobs><id>" + id + "</id></jobs></show>").body);
  EXPECT_STREQ(job.select_node("//job/result").node().text().get(), "FAIL");
  EXPECT_EQ(deviceResult(job, "007000016273"), "FAIL");
  EXPECT_EQ(deviceResult(job, "007000016274"), "OK");
  const pugi::xml_document groups = parse(pan.op("<show><devicegroups/></show>").body);
  EXPECT_STREQ(
      groups.select_node("//devices/entry[@name='007000016273']/connected").node().text().get(),
      "no");
}

TEST(Panorama, RefusesPushesItCannotDo) {
  Site s;
  EXPECT_EQ(codeOf(s.push("<device-group><entry name=\"nope\"/></device-group>")), "12");
  EXPECT_EQ(codeOf(s.push("")), "17");
  EXPECT_EQ(codeOf(s.pan->call({{"type", "commit"},
                                {"action", "all"},
                                {"cmd",
                                 "<commit-all><template><name>t</name></template>"
                                 "</commit-all>"}})),
            "17");
  // Panorama's running job queue lists a push like a commit.
  s.pushAndWait(kDg1Only);
  const pugi::xml_document all = parse(s.pan->op("<show><jobs><all/></jobs></show>").body);
  EXPECT_STREQ(all.select_node("//job/type").node().text().get(), "CommitAll");
}

}  // namespace
}  // namespace trailwall::panossim::test
