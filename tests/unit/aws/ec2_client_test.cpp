#include "aws/ec2_client.h"

#include <gtest/gtest.h>

#include <map>

#include "ec2_test_data.h"
#include "http/fake_transport.h"
#include "http/url.h"

namespace trailwall::aws {
namespace {

using namespace std::chrono_literals;

// The form parameters of a Query request.
std::map<std::string, std::string> formOf(const http::Request& request) {
  std::map<std::string, std::string> out;
  std::string_view body = request.body;
  while (!body.empty()) {
    const auto amp = body.find('&');
    const auto pair = body.substr(0, amp);
    const auto eq = pair.find('=');
    out[http::percentDecode(pair.substr(0, eq))] =
        eq == std::string_view::npos ? "" : http::percentDecode(pair.substr(eq + 1));
    body = amp == std::string_view::npos ? std::string_view() : body.substr(amp + 1);
  }
  return out;
}

std::string instancesXml(const std::vector<std::string>& ids) {
  std::string xml = "<DescribeInstancesResponse><reservationSet><item><instancesSet>";
  for (const auto& id : ids) {
    xml += "<item><instanceId>" + id +
           "</instanceId><instanceState><name>running</name></instanceState></item>";
  }
  return xml + "</instancesSet></item></reservationSet></DescribeInstancesResponse>";
}

// A stateful fake of EC2's DescribeInstances: knows some instances and, like EC2, fails a call
// naming unknown ids with InvalidInstanceID.NotFound listing all of them.
class FakeEc2 {
 public:
  explicit FakeEc2(std::set<std::string> known) : known_(std::move(known)) {}
  Result<http::Response> operator()(const http::Request& request) {
    auto form = formOf(request);
    std::vector<std::string> asked, missing;
    for (int i = 1; form.contains("InstanceId." + std::to_string(i)); ++i) {
      asked.push_back(form["InstanceId." + std::to_string(i)]);
    }
    for (const auto& id : asked) {
      if (!known_.contains(id)) {
        missing.push_back(id);
      }
    }
    if (!missing.empty()) {
      std::string list;
      for (const auto& id : missing) {
        list += (list.empty() ? "" : ", ") + id;
      }
      return http::Response{
          400,
          {},
          "<Response><Errors><Error><Code>InvalidInstanceID.NotFound</Code><Message>The instance "
          "IDs '" +
              list +
              "' do not exist</Message></Error></Errors><RequestID>r</RequestID></Response>"};
    }
    return http::Response{200, {}, instancesXml(asked)};
  }

 private:
  std::set<std::string> known_;
};

class Ec2ClientTest : public ::testing::Test {
 protected:
  Ec2Client client() {
    return Ec2Client(ClientContext{transport_, credentials_, clock_, random_, "us-east-1", {}},
                     "https://ec2.us-east-1.amazonaws.com");
  }
  http::FakeTransport transport_;
  StaticCredentialsProvider credentials_{Credentials{"AKID", "secret", "", {}, "test"}};
  FakeClock clock_{std::chrono::sys_days(std::chrono::year(2024) / 5 / 1)};
  FakeRandom random_{0.5};
};

TEST_F(Ec2ClientTest, FollowsNextTokenAndPagesWithMaxResultsWhenNoIdsAreGiven) {
  transport_.enqueue(200, ec2Data("aws/describe-vpcs-page1.xml"))
      .enqueue(200, ec2Data("aws/describe-vpcs-page2.xml"));
  auto ec2 = client();
  auto vpcs = ec2.describeVpcs({{}, {{"tag:env", {"prod"}}}});
  ASSERT_TRUE(vpcs) << to_string(vpcs.error());
  ASSERT_EQ(vpcs->items.size(), 2u);
  EXPECT_EQ(vpcs->items[1].id, "vpc-0a1b2c3d4e5f60002");
  ASSERT_EQ(transport_.requestCount(), 2u);
  const auto first = formOf(transport_.requests()[0]);
  EXPECT_EQ(first.at("Action"), "DescribeVpcs");
  EXPECT_EQ(first.at("Version"), "2016-11-15");
  EXPECT_EQ(first.at("MaxResults"), "1000");
  EXPECT_EQ(first.at("Filter.1.Name"), "tag:env");
  EXPECT_EQ(first.at("Filter.1.Value.1"), "prod");
  EXPECT_FALSE(first.contains("NextToken"));
  EXPECT_EQ(formOf(transport_.requests()[1]).at("NextToken"),
            "eyJ2IjoiMiIsImMiOiJ2cGMtcGFnZTIifQ==");
  EXPECT_EQ(ec2.callCounts().at("DescribeVpcs"), 2u);
}

TEST_F(Ec2ClientTest, IdListsAreSentWithoutMaxResults) {
  transport_.enqueue(200, instancesXml({"i-1", "i-2"}));
  auto ec2 = client();
  auto r = ec2.describeInstances({{"i-1", "i-2"}, {}});
  ASSERT_TRUE(r);
  const auto form = formOf(transport_.lastRequest());
  EXPECT_EQ(form.at("InstanceId.1"), "i-1");
  EXPECT_EQ(form.at("InstanceId.2"), "i-2");
  EXPECT_FALSE(form.contains("MaxResults"));
}

TEST_F(Ec2ClientTest, MissingIdsAreReportedGoneAndTheRestAskedAgain) {
  transport_.setHandler(FakeEc2({"i-live1", "i-live2"}));
  auto ec2 = client();
  auto r = ec2.describeInstances({{"i-live1", "i-dead1", "i-live2", "i-dead2"}, {}});
  ASSERT_TRUE(r) << to_string(r.error());
  EXPECT_EQ(r->gone, (std::set<std::string>{"i-dead1", "i-dead2"}));
  ASSERT_EQ(r->instances.size(), 2u);
  EXPECT_EQ(r->instances[0].id, "i-live1");
  ASSERT_EQ(transport_.requestCount(), 2u);  // EC2 names every missing id at once
  const auto retry = formOf(transport_.lastRequest());
  EXPECT_EQ(retry.at("InstanceId.1"), "i-live1");
  EXPECT_EQ(retry.at("InstanceId.2"), "i-live2");
  EXPECT_FALSE(retry.contains("InstanceId.3"));
}

TEST_F(Ec2ClientTest, WhenEverythingIsGoneNoSecondCallIsMade) {
  transport_.setHandler(FakeEc2({}));
  auto ec2 = client();
  auto r = ec2.describeInstances({{"i-dead1", "i-dead2"}, {}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->gone.size(), 2u);
  EXPECT_TRUE(r->instances.empty());
  EXPECT_EQ(transport_.requestCount(), 1u);
}

TEST_F(Ec2ClientTest, NotFoundNamingNoAskedIdIsBisected) {
  // An answer that names no id: the client halves the list until single ids fail alone.
  transport_.setHandler([](const http::Request& request) -> Result<http::Response> {
    auto form = formOf(request);
    for (int i = 1; form.contains("GroupId." + std::to_string(i)); ++i) {
      if (form["GroupId." + std::to_string(i)] == "sg-dead") {
        return http::Response{
            400,
            {},
            "<Response><Errors><Error><Code>InvalidGroup.NotFound</Code><Message>The security "
            "group does not exist</Message></Error></Errors></Response>"};
      }
    }
    return http::Response{
        200,
        {},
        "<DescribeSecurityGroupsResponse><securityGroupInfo/></DescribeSecurityGroupsResponse>"};
  });
  auto ec2 = client();
  auto r = ec2.describeSecurityGroups({{"sg-a", "sg-b", "sg-dead", "sg-c"}, {}});
  ASSERT_TRUE(r) << to_string(r.error());
  EXPECT_EQ(r->gone, std::set<std::string>{"sg-dead"});
}

TEST_F(Ec2ClientTest, LongFilterListsAreSplitIntoCallsEc2Accepts) {
  transport_.setHandler([](const http::Request&) -> Result<http::Response> {
    return http::Response{200,
                          {},
                          "<DescribeNetworkInterfacesResponse><networkInterfaceSet/></"
                          "DescribeNetworkInterfacesResponse>"};
  });
  std::vector<std::string> groups;
  for (int i = 0; i < 450; ++i) {
    groups.push_back("sg-" + std::to_string(i));
  }
  auto ec2 = client();
  ASSERT_TRUE(ec2.describeNetworkInterfaces({{}, {{"group-id", groups}, {"vpc-id", {"vpc-1"}}}}));
  ASSERT_EQ(transport_.requestCount(), 3u);
  const auto last = formOf(transport_.lastRequest());
  EXPECT_EQ(last.at("Filter.1.Value.50"), "sg-449");
  EXPECT_FALSE(last.contains("Filter.1.Value.51"));
  EXPECT_EQ(last.at("Filter.2.Value.1"), "vpc-1");
}

TEST_F(Ec2ClientTest, UnauthorizedOperationIsDeniedAndNamesTheAction) {
  transport_.enqueue(403, ec2Data("aws/error-unauthorized.xml"));
  auto ec2 = client();
  auto r = ec2.describeRouteTables({});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::Denied);
  EXPECT_NE(r.error().message.find("ec2:DescribeRouteTables"), std::string::npos);
  EXPECT_EQ(transport_.requestCount(), 1u);
}

TEST_F(Ec2ClientTest, AuthFailureIsAnAuthError) {
  transport_.enqueue(
      401,
      "<Response><Errors><Error><Code>AuthFailure</Code><Message>AWS was not able to validate the "
      "provided access credentials</Message></Error></Errors></Response>");
  auto ec2 = client();
  auto r = ec2.describeSubnets({});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::Auth);
}

TEST_F(Ec2ClientTest, ThrottlingIsRetriedWithBackoffAndCountedAsOneCall) {
  transport_.enqueue(503, ec2Data("aws/error-request-limit.xml"))
      .enqueue(503, ec2Data("aws/error-request-limit.xml"))
      .enqueue(200, ec2Data("aws/describe-subnets.xml"));
  auto ec2 = client();
  auto r = ec2.describeSubnets({});
  ASSERT_TRUE(r) << to_string(r.error());
  EXPECT_EQ(r->items.size(), 2u);
  EXPECT_EQ(transport_.requestCount(), 3u);
  EXPECT_EQ(ec2.totalCalls(), 1u);
  EXPECT_EQ(clock_.totalSlept(), 500ms + 1000ms);  // standard mode: unit 0.5 of 1 s, then 2 s
}

TEST_F(Ec2ClientTest, PrefixListEntriesFollowPages) {
  transport_.enqueue(200, ec2Data("aws/get-managed-prefix-list-entries-page1.xml"))
      .enqueue(200, ec2Data("aws/get-managed-prefix-list-entries-page2.xml"));
  auto ec2 = client();
  auto entries = ec2.getManagedPrefixListEntries("pl-0a1b2c3d4e5f60201");
  ASSERT_TRUE(entries);
  EXPECT_EQ(entries->size(), 3u);
  EXPECT_EQ(formOf(transport_.requests()[0]).at("PrefixListId"), "pl-0a1b2c3d4e5f60201");
  EXPECT_EQ(formOf(transport_.requests()[1]).at("NextToken"), "entries-page-2");
}

TEST_F(Ec2ClientTest, UnparsableAnswerIsAnError) {
  transport_.enqueue(200, "<html>captive portal</html>");
  auto ec2 = client();
  auto r = ec2.describeVpcs({});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::InvalidInput);
}

}  // namespace
}  // namespace trailwall::aws
