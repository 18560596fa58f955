// The User-ID API and dynamic address groups over HTTP: form-encoded POSTs as clients send them,
// the 5 MB request limit on the wire, and simulated time moved through the control endpoint.
#include <httplib.h>

#include <gtest/gtest.h>

#include "support/panos_sim_fixture.h"

namespace trailwall::panossim::testing {
namespace {

class UserIdOverHttp : public PanosSimTest {
 protected:
  void configure(ServerOptions& options) override { options.tls = false; }

  httplib::Result post(std::initializer_list<std::pair<std::string, std::string>> kv) {
    httplib::Params p;
    for (const auto& [k, v] : kv) {
      p.emplace(k, v);
    }
    return client().Post("/api/", {{"X-PAN-KEY", apiKey()}}, p);
  }
  httplib::Client& client() {
    if (!client_) {
      client_ = std::make_unique<httplib::Client>("127.0.0.1", sim().port());
      client_->set_read_timeout(30, 0);
    }
    return *client_;
  }
  static std::string registerMessage(const std::string& ip, const std::string& tag, int timeout) {
    return "<uid-message><version>1.0</version><type>update</type><payload><register><entry ip=\"" +
           ip + "\" persistent=\"0\"><tag><member timeout=\"" + std::to_string(timeout) + "\">" +
           tag + "</member></tag></entry></register></payload></uid-message>";
  }
  std::string policyMatch(const std::string& destination) {
    auto r =
        post({{"type", "op"},
              {"cmd", "<test><security-policy-match><source>198.51.100.1</source><destination>" +
                          destination +
                          "</destination><protocol>6</protocol><destination-port>22</"
                          "destination-port></security-policy-match></test>"}});
    if (!r) {
      return "(no answer)";
    }
    const std::size_t at = r->body.find("<entry name=\"");
    return at == std::string::npos ? "(none)"
                                   : r->body.substr(at + 13, r->body.find('"', at + 13) - at - 13);
  }

 private:
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(UserIdOverHttp, RegistrationsExpireWhenTheControlEndpointAdvancesTheClock) {
  // A rule allowing ssh to a dynamic group, committed once.
  ASSERT_TRUE(post({{"type", "config"},
                    {"action", "set"},
                    {"xpath", kVsys + "/address-group/entry[@name='ssh-dag']"},
                    {"element", "<dynamic><filter>'trailwall.ssh'</filter></dynamic>"}}));
  const std::string rule = kVsys + "/rulebase/security/rules/entry[@name='ssh-in']";
  ASSERT_TRUE(post({{"type", "config"},
                    {"action", "set"},
                    {"xpath", rule},
                    {"element",
                     "<from><member>any</member></from><to><member>any</member></to><source>"
                     "<member>any</member></source><destination><member>ssh-dag</member>"
                     "</destination><application><member>any</member></application><service>"
                     "<member>any</member></service><action>allow</action>"}}));
  ASSERT_TRUE(post({{"type", "config"}, {"action", "move"}, {"xpath", rule}, {"where", "top"}}));
  ASSERT_TRUE(post({{"type", "commit"}, {"cmd", "<commit></commit>"}}));
  ASSERT_TRUE(simulator().waitForJobs(std::chrono::seconds(10)));
  EXPECT_EQ(policyMatch("10.50.0.9"), "Clean up");

  auto reg =
      post({{"type", "user-id"}, {"cmd", registerMessage("10.50.0.9", "trailwall.ssh", 3600)}});
  ASSERT_TRUE(reg);
  EXPECT_EQ(reg->body.find("status=\"success\""), 10U) << reg->body;
  EXPECT_EQ(policyMatch("10.50.0.9"), "ssh-in");

  auto shown = client().Get("/sim/userid");
  ASSERT_TRUE(shown);
  EXPECT_NE(shown->body.find("\"ip\":\"10.50.0.9\""), std::string::npos) << shown->body;
  EXPECT_NE(shown->body.find("\"expires_in_s\":3600"), std::string::npos) << shown->body;

  // Real time passes too: the steps leave ten minutes for a busy machine.
  auto advanced = client().Post("/sim/clock/advance", R"({"seconds": 3000})", "application/json");
  ASSERT_TRUE(advanced);
  EXPECT_EQ(advanced->status, 200) << advanced->body;
  EXPECT_EQ(policyMatch("10.50.0.9"), "ssh-in");
  client().Post("/sim/clock/advance", R"({"seconds": 600})", "application/json");
  EXPECT_EQ(policyMatch("10.50.0.9"), "Clean up");
  EXPECT_EQ(counters().by_type["user-id"], 1U);
  EXPECT_EQ(counters().by_action["user-id/register"], 1U);
  EXPECT_EQ(client().Post("/sim/clock/advance", "{}", "application/json")->status, 400);
}

TEST_F(UserIdOverHttp, BodiesOver5MegabytesAreRefusedWithHttp413) {
  std::string big = "<uid-message><type>update</type><payload><register>";
  for (int i = 0; big.size() <= (5U << 20); ++i) {
    big += "<entry ip=\"10." + std::to_string(i / 65536 % 256) + "." +
           std::to_string(i / 256 % 256) + "." + std::to_string(i % 256) +
           "\"><tag><member>bulk-tag-with-a-long-name</member></tag></entry>";
  }
  big += "</register></payload></uid-message>";
  auto r = post({{"type", "user-id"}, {"cmd", big}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_TRUE(simulator().registrations("vsys1").empty());
}

}  // namespace
}  // namespace trailwall::panossim::testing
