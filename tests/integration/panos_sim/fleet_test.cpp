// Several devices from one process (fleet.h): independent firewalls on their own listeners,
// one shared clock, GET /sim/fleet; and the binary's --firewalls.
#include <httplib.h>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "fleet.h"
#include "support/panos_sim_fixture.h"

namespace trailwall::panossim::testing {
namespace {

FleetOptions fleetOptions(std::size_t firewalls) {
  FleetOptions options;
  options.base = defaultTestOptions();
  options.base.tls = false;
  options.firewalls = firewalls;
  return options;
}

// One form-encoded /api/ call as admin.
std::string api(Server& server, httplib::Params params) {
  httplib::Client c("127.0.0.1", server.port());
  c.set_read_timeout(30, 0);
  auto key = server.simulator().apiKeyFor("admin");
  auto r = c.Post("/api/", {{"X-PAN-KEY", key ? *key : ""}}, params);
  return r ? r->body : "(no answer)";
}

TEST(Fleet, FirewallsAreIndependentDevicesOnOneClock) {
  auto fleet = Fleet::start(fleetOptions(2));
  ASSERT_TRUE(fleet) << to_string(fleet.error());
  Server& fw1 = *(*fleet)->device("fw1").server;
  Server& fw2 = *(*fleet)->device("fw2").server;
  ASSERT_NE(fw1.port(), fw2.port());

  // Each reports its own serial and hostname.
  const std::string info1 =
      api(fw1, {{"type", "op"}, {"cmd", "<show><system><info/></system></show>"}});
  const std::string info2 =
      api(fw2, {{"type", "op"}, {"cmd", "<show><system><info/></system></show>"}});
  EXPECT_NE(info1.find("<hostname>fw1</hostname>"), std::string::npos) << info1;
  EXPECT_NE(info2.find("<hostname>fw2</hostname>"), std::string::npos) << info2;
  EXPECT_NE(info1.find("<serial>007000016273</serial>"), std::string::npos);
  EXPECT_NE(info2.find("<serial>007000016274</serial>"), std::string::npos);

  // A change and commit on fw1 is not on fw2.
  const std::string xpath = kVsys + "/address/entry[@name='only-fw1']";
  EXPECT_NE(api(fw1, {{"type", "config"},
                      {"action", "set"},
                      {"xpath", xpath},
                      {"element", "<ip-netmask>10.1.0.1</ip-netmask>"}})
                .find("code=\"20\""),
            std::string::npos);
  api(fw1, {{"type", "commit"}, {"cmd", "<commit></commit>"}});
  ASSERT_TRUE(fw1.simulator().waitForJobs(std::chrono::seconds(10)));
  EXPECT_NE(fw1.simulator().runningConfigXml().find("only-fw1"), std::string::npos);
  EXPECT_EQ(fw2.simulator().runningConfigXml().find("only-fw1"), std::string::npos);
  EXPECT_EQ(fw2.simulator().counters().commits_enqueued, 0U);

  // One clock: advancing it through fw2's control endpoint moves fw1's time.
  const auto before = fw1.simulator().now();
  httplib::Client c2("127.0.0.1", fw2.port());
  auto adv = c2.Post("/sim/clock/advance", R"({"seconds":3600})", "application/json");
  ASSERT_TRUE(adv);
  EXPECT_GE(fw1.simulator().now() - before, std::chrono::seconds(3600));

  // Every listener lists the fleet.
  auto listed = c2.Get("/sim/fleet");
  ASSERT_TRUE(listed);
  const nlohmann::json j = nlohmann::json::parse(listed->body);
  ASSERT_EQ(j.size(), 2U);
  EXPECT_EQ(j[1]["name"], "fw2");
  EXPECT_EQ(j[1]["kind"], "firewall");
  EXPECT_EQ(j[1]["serial"], "007000016274");
  EXPECT_EQ(j[0]["url"], fw1.baseUrl());
}

TEST(Fleet, AnHaPairIsTwoListenersAndFailsOverThroughTheControlEndpoint) {
  FleetOptions options = fleetOptions(1);
  options.ha = true;
  auto fleet = Fleet::start(std::move(options));
  ASSERT_TRUE(fleet) << to_string(fleet.error());
  ASSERT_EQ((*fleet)->devices().size(), 2U);
  Server& a = *(*fleet)->device("fw1-a").server;
  Server& b = *(*fleet)->device("fw1-b").server;
  const std::string state = "<show><high-availability><state/></high-availability></show>";
  EXPECT_NE(
      api(a, {{"type", "op"}, {"cmd", state}}).find("<local-info><build-rel>10.2.11</build-rel>"),
      std::string::npos);

  // Write and commit on the active; the passive holds the change once the job is done.
  api(a, {{"type", "config"},
          {"action", "set"},
          {"xpath", kVsys + "/address/entry[@name='ha-synced']"},
          {"element", "<ip-netmask>10.1.0.2</ip-netmask>"}});
  api(a, {{"type", "commit"}, {"cmd", "<commit></commit>"}});
  ASSERT_TRUE(a.simulator().waitForJobs(std::chrono::seconds(10)));
  EXPECT_NE(b.simulator().runningConfigXml().find("ha-synced"), std::string::npos);

  // The active dies (control endpoint of the passive): its listener closes connections
  // unanswered, the other peer is active and takes writes.
  httplib::Client cb("127.0.0.1", b.port());
  auto failed = cb.Post("/sim/ha/failover", R"({"down":true})", "application/json");
  ASSERT_TRUE(failed);
  const nlohmann::json after = nlohmann::json::parse(failed->body);
  EXPECT_EQ(after["state"], "active");
  EXPECT_EQ(after["peer_down"], true);
  EXPECT_EQ(api(a, {{"type", "op"}, {"cmd", state}}), "(no answer)");
  EXPECT_NE(api(b, {{"type", "config"},
                    {"action", "set"},
                    {"xpath", kVsys + "/address/entry[@name='after']"},
                    {"element", "<ip-netmask>10.1.0.3</ip-netmask>"}})
                .find("code=\"20\""),
            std::string::npos);
  auto listed = cb.Get("/sim/fleet");
  ASSERT_TRUE(listed);
  EXPECT_EQ(nlohmann::json::parse(listed->body)[0]["peer"], "fw1-b");

  // It comes back passive.
  httplib::Client ca("127.0.0.1", a.port());
  auto back = ca.Post("/sim/ha/recover", "", "application/json");
  ASSERT_TRUE(back);
  EXPECT_EQ(nlohmann::json::parse(back->body)["state"], "passive");
  EXPECT_EQ(ca.Get("/sim/ha")->status, 200);
}

TEST(Fleet, APanoramaPushesADeviceGroupToItsFirewallsOverHttp) {
  FleetOptions options = fleetOptions(2);
  options.device_groups = {{"dg1", {"fw1"}}, {"dg2", {"fw2"}}};
  auto fleet = Fleet::start(std::move(options));
  ASSERT_TRUE(fleet) << to_string(fleet.error());
  ASSERT_EQ((*fleet)->devices().size(), 3U);
  FleetDevice& panorama = (*fleet)->device("panorama");
  EXPECT_EQ(panorama.kind, "panorama");
  Server& pan = *panorama.server;
  Server& fw1 = *(*fleet)->device("fw1").server;
  Server& fw2 = *(*fleet)->device("fw2").server;
  const std::string dg1 =
      "/config/devices/entry[@name='localhost.localdomain']/device-group/entry[@name='dg1']";
  const std::string rule = dg1 + "/pre-rulebase/security/rules/entry[@name='tw-ssh']";
  api(pan, {{"type", "config"},
            {"action", "set"},
            {"xpath", rule},
            {"element",
             "<from><member>untrust</member></from><to><member>trust</member></to><source>"
             "<member>any</member></source><destination><member>any</member></destination>"
             "<application><member>any</member></application><service><member>any</member>"
             "</service><action>allow</action>"}});
  api(pan, {{"type", "config"},
            {"action", "move"},
            {"xpath", rule},
            {"where", "before"},
            {"dst", "dg-block-inbound"}});
  api(pan, {{"type", "commit"},
            {"cmd", "<commit><partial><admin><member>admin</member></admin></partial></commit>"}});
  ASSERT_TRUE(pan.simulator().waitForJobs(std::chrono::seconds(10)));
  const std::string pushed =
      api(pan, {{"type", "commit"},
                {"action", "all"},
                {"cmd",
                 "<commit-all><shared-policy><device-group><entry name=\"dg1\"/></device-group>"
                 "<admin><member>admin</member></admin></shared-policy></commit-all>"}});
  EXPECT_NE(pushed.find("Push job enqueued with jobid"), std::string::npos) << pushed;
  ASSERT_TRUE(pan.simulator().waitForJobs(std::chrono::seconds(10)));
  const std::string groups = api(pan, {{"type", "op"}, {"cmd", "<show><devicegroups/></show>"}});
  EXPECT_NE(groups.find("<shared-policy-status>In Sync</shared-policy-status>"), std::string::npos)
      << groups;
  const std::string match =
      "<test><security-policy-match><from>untrust</from><to>trust</to><source>198.51.100.1"
      "</source><destination>10.0.1.10</destination><protocol>6</protocol><destination-port>22"
      "</destination-port></security-policy-match></test>";
  EXPECT_NE(api(fw1, {{"type", "op"}, {"cmd", match}}).find("tw-ssh"), std::string::npos);
  EXPECT_EQ(api(fw2, {{"type", "op"}, {"cmd", match}}).find("tw-ssh"), std::string::npos);
  httplib::Client c("127.0.0.1", pan.port());
  const nlohmann::json listed = nlohmann::json::parse(c.Get("/sim/fleet")->body);
  EXPECT_EQ(listed[2]["device_groups"]["dg2"][0], "fw2");
  const nlohmann::json counters = nlohmann::json::parse(c.Get("/sim/counters")->body);
  EXPECT_EQ(counters["pushes"]["ok"], 1);
  EXPECT_EQ(counters["commits"]["ok"], 1);
}

TEST(Fleet, RefusesADeviceGroupNamingNoFirewall) {
  FleetOptions options = fleetOptions(1);
  options.device_groups = {{"dg1", {"fw9"}}};
  auto fleet = Fleet::start(std::move(options));
  ASSERT_FALSE(fleet);
  EXPECT_NE(fleet.error().message.find("fw9"), std::string::npos);
}

TEST(Fleet, RefusesAnEmptyFleet) {
  auto fleet = Fleet::start(fleetOptions(0));
  ASSERT_FALSE(fleet);
  EXPECT_EQ(fleet.error().code, ErrorCode::InvalidInput);
}

TEST(Fleet, SerialsCountUpKeepingTheirWidth) {
  EXPECT_EQ(fleetSerial("007000016273", 0), "007000016273");
  EXPECT_EQ(fleetSerial("007000016273", 27), "007000016300");
  EXPECT_EQ(fleetSerial("PA-1", 2), "PA-1-2");
}

}  // namespace
}  // namespace trailwall::panossim::testing
