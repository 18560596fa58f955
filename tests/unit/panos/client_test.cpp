#include "panos/client.h"

#include <gtest/gtest.h>

#include "form.h"
#include "http/fake_transport.h"
#include "reference.h"

namespace trailwall::panos {
namespace {

using testing::formFields;
using testing::referenceFile;

constexpr const char* kKey = "LUFRPT1SECRET+/key==";

class ClientTest : public ::testing::Test {
 protected:
  ClientOptions options() {
    ClientOptions o;
    o.base_url = "https://fw.example:8443/";
    o.api_key = kKey;
    o.admin = "trailwall";
    o.job_poll_interval = std::chrono::seconds(2);
    o.job_timeout = std::chrono::seconds(60);
    o.retry_backoff = std::chrono::milliseconds(500);
    return o;
  }
  void reply(const std::string& reference_file, int status = 200) {
    transport_.enqueue(status, referenceFile(reference_file));
  }
  void replyBody(std::string body, int status = 200) {
    transport_.enqueue(status, std::move(body));
  }
  std::map<std::string, std::string> sent(std::size_t i) {
    return formFields(transport_.requests().at(i).body);
  }

  http::FakeTransport transport_;
  FakeClock clock_;
  PanOsClient client_{transport_, clock_, options()};
};

TEST_F(ClientTest, KeyTravelsOnlyInTheHeader) {
  reply("config-get-not-found-code7.xml");
  ASSERT_TRUE(client_.get("/config/x").has_value());
  const auto& request = transport_.lastRequest();
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.url, "https://fw.example:8443/api/");
  EXPECT_EQ(request.url.find("key"), std::string::npos);
  std::string pan_key;
  std::string content_type;
  for (const auto& [name, value] : request.headers) {
    if (name == "X-PAN-KEY") pan_key = value;
    if (name == "Content-Type") content_type = value;
  }
  EXPECT_EQ(pan_key, kKey);
  EXPECT_EQ(content_type, "application/x-www-form-urlencoded");
  EXPECT_EQ(request.body.find("SECRET"), std::string::npos);
  EXPECT_EQ(sent(0).count("key"), 0U);
  EXPECT_EQ(sent(0), (std::map<std::string, std::string>{
                         {"type", "config"}, {"action", "get"}, {"xpath", "/config/x"}}));
}

TEST_F(ClientTest, NoKeyNoRequest) {
  auto o = options();
  o.api_key.clear();
  PanOsClient client(transport_, clock_, o);
  EXPECT_EQ(client.get("/config").error().code, ErrorCode::Config);
  EXPECT_EQ(transport_.requestCount(), 0U);
}

TEST_F(ClientTest, KeygenStoresTheKeyAndAdministrator) {
  auto o = options();
  o.api_key.clear();
  o.admin.clear();
  PanOsClient client(transport_, clock_, o);
  reply("keygen-success-device-format.xml");
  const auto key = client.keygen("api-user", "p@ss word&1");
  ASSERT_TRUE(key.has_value()) << to_string(key.error());
  EXPECT_TRUE(key->starts_with("LUFRPT1IanVr"));
  EXPECT_EQ(sent(0), (std::map<std::string, std::string>{
                         {"type", "keygen"}, {"user", "api-user"}, {"password", "p@ss word&1"}}));
  for (const auto& [name, value] : transport_.lastRequest().headers) {
    EXPECT_NE(name, "X-PAN-KEY");
  }
  EXPECT_EQ(client.admin(), "api-user");
  reply("config-get-not-found-code7.xml");
  ASSERT_TRUE(client.get("/config").has_value());
  bool found = false;
  for (const auto& [name, value] : transport_.lastRequest().headers) {
    found = found || (name == "X-PAN-KEY" && value == *key);
  }
  EXPECT_TRUE(found);
}

TEST_F(ClientTest, KeygenWithBadCredentialsIsAnAuthErrorWithoutThePassword) {
  reply("error-403-invalid-credential.xml", 403);
  const auto key = client_.keygen("admin", "hunter2");
  ASSERT_FALSE(key.has_value());
  EXPECT_EQ(key.error().code, ErrorCode::Auth);
  EXPECT_EQ(key.error().message.find("hunter2"), std::string::npos);
  EXPECT_NE(key.error().message.find("Invalid Credential"), std::string::npos);
}

TEST_F(ClientTest, ErrorsNeverCarryTheKey) {
  replyBody(std::string("<response status=\"error\" code=\"12\"><msg><line>bad key ") + kKey +
            "</line></msg></response>");
  const auto status = client_.change(ConfigOp::remove("/config/x"));
  ASSERT_FALSE(status.has_value());
  EXPECT_EQ(status.error().message.find("SECRET"), std::string::npos) << status.error().message;
  EXPECT_NE(status.error().message.find("<redacted>"), std::string::npos);
}

TEST_F(ClientTest, GetReportsFoundAndAbsentNodes) {
  reply("config-get-dirty-attrs.xml");
  auto found = client_.get("/config/devices/entry/network/interface");
  ASSERT_TRUE(found.has_value());
  EXPECT_TRUE(found->found);
  EXPECT_STREQ(found->response.result().first_child().name(), "interface");
  reply("config-get-not-found-code7.xml");
  EXPECT_FALSE(client_.get("/config/nothing").value().found);
  reply("config-show-no-such-node.xml");
  auto shown = client_.show("/config/nothing");
  ASSERT_TRUE(shown.has_value());
  EXPECT_FALSE(shown->found);
  EXPECT_EQ(sent(2).at("action"), "show");
}

TEST_F(ClientTest, ReadsAreRetriedAfterTransportFailuresWritesAreNot) {
  transport_.enqueueError(Error{ErrorCode::Network, "connection refused"});
  transport_.enqueue(502, "Bad Gateway");
  reply("config-get-not-found-code7.xml");
  ASSERT_TRUE(client_.get("/config").has_value());
  EXPECT_EQ(transport_.requestCount(), 3U);
  EXPECT_EQ(clock_.totalSlept(), std::chrono::milliseconds(500 + 1000));

  transport_.enqueueError(Error{ErrorCode::Network, "connection reset"});
  const auto status = client_.change(ConfigOp::remove("/config/x"));
  ASSERT_FALSE(status.has_value());
  EXPECT_EQ(status.error().code, ErrorCode::Network);
  EXPECT_EQ(transport_.requestCount(), 4U);
}

TEST_F(ClientTest, ChangeErrorsNameTheOperation) {
  reply("error-12-invalid-object-multiline.xml");
  const auto status = client_.change(ConfigOp::set("/config/x/entry[@name='r']", "<a/>"));
  ASSERT_FALSE(status.has_value());
  EXPECT_EQ(status.error().code, ErrorCode::InvalidInput);
  EXPECT_NE(status.error().message.find("config set /config/x/entry[@name='r']"),
            std::string::npos);
  EXPECT_NE(status.error().message.find("tf123456 -> server is invalid"), std::string::npos);
}

TEST_F(ClientTest, MultiConfigIsStrictAndAllOrNothing) {
  reply("multi-config-success-docs.xml");
  const std::vector<ConfigOp> ops{
      ConfigOp::set("/r/entry[@name='a']", "<action>allow</action>"),
      ConfigOp::move("/r/entry[@name='a']", MoveWhere::Before, "Clean up")};
  const auto report = client_.write(ops);
  ASSERT_TRUE(report.has_value()) << to_string(report.error());
  EXPECT_TRUE(report->multi_config);
  EXPECT_EQ(report->requests, 1);
  const auto fields = sent(0);
  EXPECT_EQ(fields.at("action"), "multi-config");
  EXPECT_EQ(fields.at("strict-transactional"), "yes");
  EXPECT_EQ(fields.at("element"), multiConfigDocument(ops).value());
  EXPECT_EQ(client_.counts().of("config/multi-config"), 1);
}

TEST_F(ClientTest, AFailedActionFailsTheBatchAndIsNamed) {
  const std::string body =
      "<response status=\"error\" code=\"13\">"
      "<response status=\"success\" code=\"20\" id=\"0\"><msg>command succeeded</msg></response>"
      "<response status=\"error\" code=\"12\" id=\"1\"><msg><line><![CDATA[ rules -> b -> from "
      "'nozone' is not a valid reference]]></line></msg></response></response>";
  replyBody(body);
  const std::vector<ConfigOp> ops{ConfigOp::set("/r/entry[@name='a']", "<action>allow</action>"),
                                  ConfigOp::set("/r/entry[@name='b']", "<action>allow</action>")};
  const auto report = client_.write(ops);
  ASSERT_FALSE(report.has_value());
  EXPECT_EQ(report.error().code, ErrorCode::InvalidInput);
  EXPECT_NE(report.error().message.find("action 1 (set /r/entry[@name='b']): error 12 (invalid "
                                        "object): rules -> b -> from 'nozone' is not a valid "
                                        "reference"),
            std::string::npos)
      << report.error().message;
  EXPECT_EQ(transport_.requestCount(), 1U);  // no fallback: the device did run the batch
  EXPECT_FALSE(client_.multiConfigRefused());
}

class MultiConfigRefusal : public ClientTest, public ::testing::WithParamInterface<std::string> {};

TEST_P(MultiConfigRefusal, FallsBackToOneRequestEachAndRemembers) {
  replyBody(GetParam());
  reply("config-set-success-code20.xml");
  reply("config-set-success-code20.xml");
  const std::vector<ConfigOp> ops{ConfigOp::set("/r/entry[@name='a']", "<action>allow</action>"),
                                  ConfigOp::remove("/r/entry[@name='z']")};
  const auto report = client_.write(ops);
  ASSERT_TRUE(report.has_value()) << to_string(report.error());
  EXPECT_FALSE(report->multi_config);
  EXPECT_EQ(report->requests, 3);
  EXPECT_EQ(sent(1).at("action"), "set");
  EXPECT_EQ(sent(2).at("action"), "delete");
  EXPECT_TRUE(client_.multiConfigRefused());

  reply("config-set-success-code20.xml");
  ASSERT_TRUE(client_.write({ConfigOp::remove("/r/entry[@name='y']")}).has_value());
  EXPECT_EQ(sent(3).at("action"), "delete");
}

INSTANTIATE_TEST_SUITE_P(
    RefusalShapes, MultiConfigRefusal,
    ::testing::Values(std::string("<response status='error' code='1'/>"),
                      std::string("<response status=\"error\" code=\"17\"><msg><line>multi-config "
                                  "unexpected here</line></msg></response>"),
                      std::string("<response status = 'error' code = '400'><result><msg>Illegal "
                                  "value for parameter \"action\" [multi-config].</msg></result>"
                                  "</response>"),
                      std::string("<response status=\"error\"><msg><line>Multi-config is not "
                                  "enabled</line></msg></response>")),
    [](const ::testing::TestParamInfo<std::string>& param) {
      return "Shape" + std::to_string(param.index);
    });

TEST(MultiConfigRefusalShape, LockConflictsAndBatchFailuresAreNotRefusals) {
  auto locked = ApiResponse::parse(
      "<response status=\"error\"><msg><line>Configuration is locked by "
      "bob</line></msg></response>");
  EXPECT_FALSE(isMultiConfigRefusal(*locked, 200));
  auto batch = ApiResponse::parse(referenceFile("multi-config-error-13-pango.xml"));
  EXPECT_FALSE(isMultiConfigRefusal(*batch, 200));
  auto auth = ApiResponse::parse(referenceFile("error-403-invalid-credential.xml"));
  EXPECT_FALSE(isMultiConfigRefusal(*auth, 403));
}

TEST(AuditCommentRefusal, AnUnknownCommandIsARefusalAndAConflictIsNot) {
  const auto refused = ApiResponse::parse(
      "<response status=\"error\" code=\"17\"><msg><line><![CDATA[ set -> audit-comment  is "
      "unexpected]]></line></msg></response>");
  EXPECT_TRUE(isAuditCommentRefusal(*refused, 200));
  EXPECT_TRUE(
      isAuditCommentRefusal(*ApiResponse::parse("<response status='error' code='1'/>"), 200));
  const auto locked = ApiResponse::parse(
      "<response status=\"error\"><msg><line>Configuration is locked by bob</line></msg>"
      "</response>");
  EXPECT_FALSE(isAuditCommentRefusal(*locked, 200));
  const auto missing = ApiResponse::parse(
      "<response status=\"error\" code=\"7\"><msg><line>Audit comment xpath /x is not a "
      "rule</line></msg></response>");
  EXPECT_FALSE(isAuditCommentRefusal(*missing, 200));
  auto auth = ApiResponse::parse(referenceFile("error-403-invalid-credential.xml"));
  EXPECT_FALSE(isAuditCommentRefusal(*auth, 403));
  const auto ok = ApiResponse::parse(
      "<response status=\"success\"><result>Successfully added comment for xpath</result>"
      "</response>");
  EXPECT_FALSE(isAuditCommentRefusal(*ok, 200));
}

TEST_F(ClientTest, SingleRequestsStopAtTheFirstFailure) {
  auto o = options();
  o.multi_config = false;
  PanOsClient client(transport_, clock_, o);
  reply("config-set-success-code20.xml");
  reply("error-12-invalid-object-multiline.xml");
  const auto report = client.write(
      {ConfigOp::set("/a", "<x/>"), ConfigOp::set("/b", "<x/>"), ConfigOp::set("/c", "<x/>")});
  ASSERT_FALSE(report.has_value());
  EXPECT_EQ(transport_.requestCount(), 2U);
}

TEST_F(ClientTest, DeletingAnAbsentNodeSucceeds) {
  reply("config-object-doesnt-exist-code7-subresponse.xml");
  EXPECT_TRUE(client_.change(ConfigOp::remove("/r/entry[@name='gone']")).has_value());
}

TEST_F(ClientTest, PartialCommitByThisAdministrator) {
  reply("commit-enqueued-docs.xml");
  const auto started = client_.commitPartial("trailwall: 2 rules");
  ASSERT_TRUE(started.has_value()) << to_string(started.error());
  EXPECT_EQ(started->job_id, 4);
  const auto fields = sent(0);
  EXPECT_EQ(fields.at("type"), "commit");
  EXPECT_EQ(fields.at("action"), "partial");
  EXPECT_EQ(fields.at("cmd"),
            "<commit><description>trailwall: 2 rules</description><partial><admin><member>"
            "trailwall</member></admin></partial></commit>");
  EXPECT_EQ(client_.counts().commits(), 1);
}

TEST_F(ClientTest, CommitRefusedForLocksIsAConflict) {
  reply("commit-error-14-commit-locks-held.xml");
  EXPECT_EQ(client_.commitPartial().error().code, ErrorCode::Conflict);
}

TEST_F(ClientTest, WaitsForTheJobPollingEarlyAndOften) {
  reply("job-commit-act-pend-progress0.xml");
  reply("job-commit-act-pend-progress75.xml");
  reply("job-commit-act-pend-progress99.xml");
  reply("job-commit-fin-ok.xml");
  const auto job = client_.waitForJob(2);
  ASSERT_TRUE(job.has_value()) << to_string(job.error());
  EXPECT_EQ(job->result, JobResult::Ok);
  EXPECT_EQ(transport_.requestCount(), 4U);
  EXPECT_EQ(clock_.totalSlept(), std::chrono::milliseconds(750));  // 3 fast polls (poll_schedule.h)
  EXPECT_EQ(sent(0).at("cmd"), "<show><jobs><id>2</id></jobs></show>");
  EXPECT_EQ(client_.counts().of("op/show"), 4);
}

TEST_F(ClientTest, ReturnsAFailedJobWithItsDetails) {
  reply("job-validate-fin-fail.xml");
  const auto job = client_.waitForJob(8);
  ASSERT_TRUE(job.has_value());
  EXPECT_EQ(job->result, JobResult::Fail);
  EXPECT_EQ(job->details.size(), 6U);
}

TEST_F(ClientTest, StopsWaitingAtTheBound) {
  transport_.setHandler([](const http::Request&) -> Result<http::Response> {
    return http::Response{200, {}, referenceFile("job-commit-act-pend-progress75.xml")};
  });
  const auto job = client_.waitForJob(2);
  ASSERT_FALSE(job.has_value());
  EXPECT_EQ(job.error().code, ErrorCode::Timeout);
  EXPECT_NE(job.error().message.find("job 2 (Commit) is still ACT at 75%"), std::string::npos)
      << job.error().message;
  // Every 0.25 s for 5 s (21 polls), then every 2 s to 59 s (27), and one at the bound.
  EXPECT_EQ(transport_.requestCount(), 49U);
}

TEST_F(ClientTest, UnknownJobIsNotFound) {
  reply("error-7-job-not-found.xml");
  EXPECT_EQ(client_.job(19).error().code, ErrorCode::NotFound);
}

TEST_F(ClientTest, ConfigLocksFallBackToTheOldCommand) {
  replyBody(
      "<response status=\"error\" code=\"17\"><msg><line>show -> config-locks -> vsys "
      "unexpected here</line></msg></response>");
  reply("op-show-config-locks-present.xml");
  const auto locks = client_.configLocks();
  ASSERT_TRUE(locks.has_value()) << to_string(locks.error());
  EXPECT_EQ(locks->size(), 1U);
  EXPECT_EQ(sent(0).at("cmd"), "<show><config-locks><vsys>all</vsys></config-locks></show>");
  EXPECT_EQ(sent(1).at("cmd"), "<show><config-locks/></show>");
  reply("op-show-config-locks-none.xml");
  EXPECT_TRUE(client_.configLocks().value().empty());
  EXPECT_EQ(sent(2).at("cmd"), "<show><config-locks/></show>");
}

TEST_F(ClientTest, CommitLocks) {
  reply("op-show-commit-locks-present.xml");
  EXPECT_EQ(client_.commitLocks().value().at(0).admin, "xxx");
  EXPECT_EQ(sent(0).at("cmd"), "<show><commit-locks/></show>");
}

TEST_F(ClientTest, RevertsOnlyItsOwnChanges) {
  reply("op-revert-config-ok.xml");
  ASSERT_TRUE(client_.revertOwnChanges().has_value());
  EXPECT_EQ(sent(0).at("type"), "op");
  EXPECT_EQ(sent(0).at("cmd"),
            "<revert><config><partial><admin><member>trailwall</member></admin></partial>"
            "</config></revert>");
}

TEST_F(ClientTest, PendingChanges) {
  replyBody("<response status=\"success\"><result>yes</result></response>");
  EXPECT_TRUE(client_.hasPendingChanges().value());
}

TEST_F(ClientTest, PolicyMatchIsScopedToTheVsys) {
  reply("op-security-policy-match-rules-entry-fixture.xml");
  PolicyMatchQuery q;
  q.source = "198.51.100.1";
  q.destination = "10.0.0.5";
  const auto rules = client_.testSecurityPolicyMatch(q, "vsys2");
  ASSERT_TRUE(rules.has_value());
  EXPECT_EQ(rules->at(0).name, "FromTrust");
  EXPECT_EQ(sent(0).at("vsys"), "vsys2");
  EXPECT_EQ(client_.counts().of("op/test"), 1);
}

TEST_F(ClientTest, NonXmlRepliesAreErrors) {
  replyBody("<html>proxy error</html>");
  EXPECT_EQ(client_.change(ConfigOp::remove("/x")).error().code, ErrorCode::Remote);
}

}  // namespace
}  // namespace trailwall::panos
