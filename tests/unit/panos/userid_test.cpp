// The User-ID API as the tag layout sends it (panos/userid.h): message building (validation,
// the 5 MB bound), reply reading (the reference replies) and the registered-ip read, paged.
#include "panos/userid.h"

#include <gtest/gtest.h>

#include <pugixml.hpp>

#include "form.h"
#include "http/fake_transport.h"
#include "lock_device.h"
#include "panos/client.h"
#include "panos/firewall.h"
#include "reference.h"

namespace trailwall::panos {
namespace {

using testing::formFields;
using testing::parseReference;

net::IpAddress ip(std::string_view text) {
  return *net::IpAddress::parse(text);
}

policy::RegistrationChanges changes(policy::Mappings add, policy::Mappings remove = {}) {
  policy::RegistrationChanges c;
  c.register_tags = std::move(add);
  c.unregister_tags = std::move(remove);
  return c;
}

// Every (address, tag, timeout or -1) of a message's register / unregister elements.
struct Entry {
  std::string op;
  std::string ip;
  std::string tag;
  std::string timeout;
  friend bool operator==(const Entry&, const Entry&) = default;
};
std::vector<Entry> entriesOf(const std::string& message) {
  pugi::xml_document doc;
  EXPECT_TRUE(doc.load_string(message.c_str())) << message;
  std::vector<Entry> out;
  const auto payload = doc.child("uid-message").child("payload");
  for (const auto& op : payload.children()) {
    for (const auto& entry : op.children("entry")) {
      for (const auto& member : entry.child("tag").children("member")) {
        out.push_back({op.name(), entry.attribute("ip").value(), member.text().get(),
                       member.attribute("timeout").value()});
      }
    }
  }
  return out;
}

TEST(UidMessages, RegisterWithTimeoutsAndUnregisterInOneMessage) {
  const auto c = changes({{ip("10.0.1.5"), {"trailwall.sg-01", "trailwall.sg-02"}}},
                         {{ip("2001:db8::5"), {"trailwall.sg-03"}}});
  const auto messages = uidMessages(c, 86400).value();
  ASSERT_EQ(messages.size(), 1U);
  EXPECT_TRUE(messages[0].starts_with(
      "<uid-message><version>1.0</version><type>update</type><payload><unregister>"));
  EXPECT_EQ(entriesOf(messages[0]),
            (std::vector<Entry>{{"unregister", "2001:db8::5", "trailwall.sg-03", ""},
                                {"register", "10.0.1.5", "trailwall.sg-01", "86400"},
                                {"register", "10.0.1.5", "trailwall.sg-02", "86400"}}));
  EXPECT_TRUE(uidMessages({}, 86400).value().empty());
}

TEST(UidMessages, EveryFieldIsCheckedBeforeItReachesXml) {
  for (const std::string tag : {"a'b", "x\"><register>", "a b", "and", ""}) {
    const auto bad = uidMessages(changes({{ip("10.0.1.5"), {tag}}}), 60);
    ASSERT_FALSE(bad) << tag;
    EXPECT_EQ(bad.error().code, ErrorCode::InvalidInput);
  }
  for (const std::int64_t timeout : {0LL, -5LL, 2592001LL}) {
    EXPECT_FALSE(uidMessages(changes({{ip("10.0.1.5"), {"t"}}}), timeout)) << timeout;
  }
  EXPECT_TRUE(uidMessages(changes({{ip("10.0.1.5"), {"t"}}}), 2592000));
  std::set<std::string> many;
  for (int i = 0; i < 33; ++i) many.insert("trailwall.sg-" + std::to_string(i));
  const auto too_many = uidMessages(changes({{ip("10.0.1.5"), many}}), 60);
  ASSERT_FALSE(too_many);
  EXPECT_NE(too_many.error().message.find("32"), std::string::npos);
}

TEST(UidMessages, SplitSoThatEveryBodyStaysWithinTheBound) {
  policy::Mappings add;
  policy::Mappings remove;
  for (std::uint32_t i = 0; i < 300; ++i) {
    add[net::IpAddress::v4(0x0A000000U + i)] = {"trailwall.sg-0a1b2c3d4e5f60718",
                                                "trailwall.sg-0a1b2c3d4e5f60719"};
    remove[net::IpAddress::v4(0x0B000000U + i)] = {"trailwall.sg-0a1b2c3d4e5f60720"};
  }
  const auto c = changes(add, remove);
  constexpr std::size_t kBound = 8 * 1024;
  const auto messages = uidMessages(c, 3600, kBound).value();
  EXPECT_GT(messages.size(), 5U);
  std::size_t registered = 0;
  std::size_t unregistered = 0;
  for (const auto& m : messages) {
    EXPECT_LE(userIdBodySize(m) + 64, kBound + 64);
    EXPECT_LE(userIdBodySize(m), kBound);
    for (const auto& e : entriesOf(m)) ++(e.op == "register" ? registered : unregistered);
  }
  EXPECT_EQ(registered, 600U);
  EXPECT_EQ(unregistered, 300U);
  // With the device's 5 MB the same changes fit in one request.
  EXPECT_EQ(uidMessages(c, 3600).value().size(), 1U);
  // An entry that alone passes the bound is an error, not a request the device refuses.
  EXPECT_FALSE(uidMessages(c, 3600, 200));
}

TEST(UserIdReply, AlreadyExistsAndAbsentAreNotFailures) {
  const auto ok = readUserIdReply(parseReference("userid-register-success-pandev.xml"), 200);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->ignored, 0U);
  const auto dup =
      readUserIdReply(parseReference("userid-register-error-already-exists-panoslib.xml"), 200);
  ASSERT_TRUE(dup) << to_string(dup.error());
  EXPECT_EQ(dup->ignored, 3U);
  EXPECT_TRUE(dup->failures.empty());
  const auto mixed = readUserIdReply(
      *ApiResponse::parse("<response status=\"error\"><msg><line><uid-response><payload><register>"
                          "<entry ip=\"10.0.0.1\" message=\"Failed to register: max registered-ip "
                          "for the platform reached (1000)\"/></register><unregister><entry "
                          "ip=\"10.0.0.2\" message=\"ip 10.0.0.2 does not exist, ignore unreg\"/>"
                          "</unregister></payload></uid-response></line></msg></response>"),
      200);
  ASSERT_TRUE(mixed);
  EXPECT_EQ(mixed->ignored, 1U);
  ASSERT_EQ(mixed->failures.size(), 1U);
  EXPECT_NE(mixed->failures[0].find("max registered-ip"), std::string::npos);
  // An error without entries (a malformed message) is an error.
  const auto bad = readUserIdReply(
      *ApiResponse::parse("<response status=\"error\" code=\"18\"><msg><line>Malformed Request"
                          "</line></msg></response>"),
      200);
  EXPECT_FALSE(bad);
}

TEST(RegisteredIps, ReadsTheReferenceReplyAndSkipsRanges) {
  const auto page = parseRegisteredIps(parseReference("op-show-registered-ip-all-pandev.xml"));
  ASSERT_TRUE(page);
  EXPECT_EQ(page->entries, 2U);
  EXPECT_EQ(page->mappings.at(ip("10.0.0.1")), std::set<std::string>{"malicious"});
  const auto ranges = parseRegisteredIps(*ApiResponse::parse(
      "<response status=\"success\"><result><entry ip=\"10.1.0.0/24\"><tag><member>x</member>"
      "</tag></entry><count>1</count></result></response>"));
  ASSERT_TRUE(ranges);
  EXPECT_EQ(ranges->entries, 1U);
  EXPECT_TRUE(ranges->mappings.empty());
  EXPECT_EQ(registeredIpCommand(501),
            "<show><object><registered-ip><all/><limit>500</limit><start-point>501</start-point>"
            "</registered-ip></object></show>");
}

// A device with `total` registrations that pages them 500 at a time.
std::string page(std::size_t start, std::size_t total) {
  std::string body = "<response status=\"success\"><result>";
  std::size_t n = 0;
  for (std::size_t i = start; i < total + 1 && n < kRegisteredIpPageSize; ++i, ++n) {
    body += "<entry ip=\"" +
            net::IpAddress::v4(0x0A000000U + static_cast<std::uint32_t>(i)).toString() +
            "\" from_agent=\"0\" persistent=\"1\"><tag><member>" +
            (i % 2 == 0 ? "trailwall.sg-01" : "other") + "</member></tag></entry>";
  }
  return body + "<count>" + std::to_string(n) + "</count></result></response>";
}

TEST(RegisteredIps, TheFirewallReadsEveryPage) {
  http::FakeTransport transport;
  std::vector<std::string> starts;
  transport.setHandler([&](const http::Request& request) -> Result<http::Response> {
    auto fields = formFields(request.body);
    EXPECT_EQ(fields["type"], "op");
    const auto& cmd = fields["cmd"];
    const auto at = cmd.find("<start-point>") + 13;
    const auto start = cmd.substr(at, cmd.find('<', at) - at);
    starts.push_back(start);
    return http::Response{200, {}, page(std::stoul(start), 1234)};
  });
  FakeClock clock;
  PanOsClient client(transport, clock, testing::deviceClientOptions());
  auto fw = PanOsFirewall::create(client, clock, {}).value();
  const auto all = fw.readRegistrations();
  ASSERT_TRUE(all) << to_string(all.error());
  EXPECT_EQ(all->size(), 1234U);
  EXPECT_EQ(starts, (std::vector<std::string>{"1", "501", "1001"}));
  EXPECT_EQ(client.counts().by_kind.at("op/show"), 3);
}

TEST(UserIdClient, PostsTheMessageAsAFormField) {
  http::FakeTransport transport;
  std::map<std::string, std::string> seen;
  transport.setHandler([&](const http::Request& request) -> Result<http::Response> {
    seen = formFields(request.body);
    return http::Response{
        200, {}, testing::referenceFile("userid-register-error-already-exists-panoslib.xml")};
  });
  FakeClock clock;
  PanOsClient client(transport, clock, testing::deviceClientOptions());
  const auto message = uidMessages(changes({{ip("1.1.2.2"), {"foo", "bar"}}}), 60).value();
  const auto reply = client.userId(message.front(), "vsys1");
  ASSERT_TRUE(reply) << to_string(reply.error());
  EXPECT_EQ(reply->ignored, 3U);
  EXPECT_EQ(seen["type"], "user-id");
  EXPECT_EQ(seen["cmd"], message.front());
  EXPECT_EQ(seen["vsys"], "vsys1");
  EXPECT_EQ(client.counts().by_kind.at("user-id"), 1);
}

TEST(PlanOps, DynamicAddressGroupsBeforeTheRulesThatNameThemAndDeletedAfter) {
  policy::Options options;
  policy::Plan plan;
  plan.placement = {policy::Placement::Where::Before, "Clean up"};
  plan.set_address_groups = {policy::desiredDag(options, "sg-01")};
  policy::SecurityRule rule;
  rule.name = "sg-01-dag-tcp-22";
  rule.destination = {"tw-dag-sg-01"};
  rule.action = "allow";
  plan.add_rules = {rule};
  plan.delete_address_groups = {policy::desiredDag(options, "sg-02")};
  const auto paths = ConfigPaths::forLocation({}).value();
  const auto ops = planOps(plan, paths).value();
  ASSERT_EQ(ops.size(), 4U);  // set group, set rule, move rule, delete group
  EXPECT_EQ(ops[0].xpath, paths.vsys() + "/address-group/entry[@name='tw-dag-sg-01']");
  EXPECT_EQ(ops[0].element,
            "<dynamic><filter>'trailwall.sg-01'</filter></dynamic><description>trailwall: "
            "addresses carrying sg-01 (registered through User-ID)</description><tag><member>"
            "trailwall</member></tag>");
  EXPECT_EQ(ops[1].xpath, paths.rule("sg-01-dag-tcp-22").value());
  EXPECT_EQ(ops[3].action, ConfigAction::Delete);
  EXPECT_EQ(ops[3].xpath, paths.vsys() + "/address-group/entry[@name='tw-dag-sg-02']");
  // A filter past PAN-OS's 2047 characters is refused before it is sent.
  plan.set_address_groups[0].filter = std::string(2048, 'x');
  EXPECT_FALSE(planOps(plan, paths));
}

}  // namespace
}  // namespace trailwall::panos
