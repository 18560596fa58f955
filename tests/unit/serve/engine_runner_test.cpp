// The daemon's runner over the engine (a sample inventory, the fake firewall): an outcome per
// delivery, one commit per batch, and nothing written once the daemon is stopping.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "config/config.h"
#include "inventory/inventory_json.h"
#include "panos/fake_firewall.h"
#include "serve/engine_runner.h"
#include "support/files.h"

namespace trailwall::serve {
namespace {

using test::readFile;

constexpr const char* kInstance = "i-0a1b2c3d4e5f60101";  // running in examples/inventory.json

std::string record(std::string_view name, std::string_view instance, std::string_view extra = "") {
  return fmt::format(
      R"({{"eventVersion":"1.08","userIdentity":{{"type":"IAMUser","accountId":"111122223333"}},)"
      R"("eventTime":"2024-05-01T12:00:00Z","eventSource":"ec2.amazonaws.com","eventName":"{}",)"
      R"("awsRegion":"eu-central-1","sourceIPAddress":"192.0.2.1",{})"
      R"("requestParameters":{{"instancesSet":{{"items":[{{"instanceId":"{}"}}]}}}},)"
      R"("responseElements":null,"eventID":"ev-{}","eventType":"AwsApiCall",)"
      R"("recipientAccountId":"111122223333"}})",
      name, extra, instance, name);
}

std::string eventBridge(std::string_view name, std::string_view instance,
                        std::string_view extra = "") {
  return fmt::format(R"({{"version":"0","id":"e-1","detail-type":"AWS API Call via CloudTrail",)"
                     R"("source":"aws.ec2","account":"111122223333","time":"2024-05-01T12:00:00Z",)"
                     R"("region":"eu-central-1","resources":[],"detail":{}}})",
                     record(name, instance, extra));
}

std::string s3Notification() {
  return R"({"Records":[{"eventVersion":"2.1","eventSource":"aws:s3","awsRegion":"eu-central-1",)"
         R"("eventTime":"2024-05-01T12:05:00Z","eventName":"ObjectCreated:Put",)"
         R"("s3":{"s3SchemaVersion":"1.0","bucket":{"name":"trail"},"object":{"key":)"
         R"("AWSLogs/111122223333/CloudTrail/eu-central-1/2024/05/01/)"
         R"(111122223333_CloudTrail_eu-central-1_20240501T1205Z_abc.json.gz","size":10}}}]})";
}

class EngineRunnerTest : public ::testing::Test {
 protected:
  EngineRunnerTest() {
    auto cfg =
        config::parseConfig(readFile(test::examplesDir() / "trailwall.toml"), "trailwall.toml");
    EXPECT_TRUE(cfg) << (cfg ? "" : to_string(cfg.error()));
    options_ = cfg->policy;  // bottom rule deny-all, the gateway of examples/inventory.json
    policy::SecurityRule bottom;
    bottom.name = "deny-all";
    bottom.from = bottom.to = bottom.source = bottom.destination = {"any"};
    bottom.application = bottom.service = {"any"};
    bottom.action = "deny";
    firewall_.emplace(policy::Rulebase{{bottom}, {}, {}, {}});
    auto inv = inventory::parseInventoryJson(readFile(test::examplesDir() / "inventory.json"));
    EXPECT_TRUE(inv) << (inv ? "" : to_string(inv.error()));
    inventory_.emplace(*inv);
  }

  EngineRunner runner() {
    return EngineRunner(
        options_, {}, *inventory_, *firewall_,
        [this](const cloudtrail::LogObject& object) { return read(object); }, clock_);
  }
  Result<cloudtrail::PaddedBytes> read(const cloudtrail::LogObject& object) {
    objects_read_.push_back(object.key);
    if (!log_file_) return fail(ErrorCode::NotFound, "no such key");
    return cloudtrail::PaddedBytes(*log_file_);
  }

  policy::Options options_;
  std::optional<panos::FakeFirewall> firewall_;
  std::optional<engine::StaticInventorySource> inventory_;
  FakeClock clock_{std::chrono::sys_days(std::chrono::year(2024) / 5 / 1)};
  std::optional<std::string> log_file_;
  std::vector<std::string> objects_read_;
  std::stop_source stop_;
};

TEST_F(EngineRunnerTest, ReadableDeliveriesAreDoneAfterOneCommitAndUnreadableOnesAreNamed) {
  auto r = runner();
  const auto result = r.run({{"m1", eventBridge("StartInstances", kInstance)},
                             {"m2", "this is not an event"},
                             {"m3", eventBridge("StopInstances", kInstance)}},
                            RunKind::Scoped, stop_.get_token());
  ASSERT_TRUE(result.summary.ok) << result.summary.error;
  EXPECT_EQ(result.outcomes,
            (std::vector<Outcome>{Outcome::Done, Outcome::Unreadable, Outcome::Done}));
  EXPECT_EQ(firewall_->commits(), 1);
  EXPECT_EQ(result.summary.events,
            (std::map<std::string, int>{{"StartInstances", 1}, {"StopInstances", 1}}));
  EXPECT_TRUE(result.summary.commit_job);
  EXPECT_TRUE(result.summary.commit_attempted);
  ASSERT_FALSE(result.summary.changes.empty());
  EXPECT_TRUE(result.summary.changes.front().starts_with("+ ")) << result.summary.changes.front();
  ASSERT_TRUE(result.summary.managed_rules);
  ASSERT_FALSE(result.summary.managed_rules->empty());
  for (const auto& rule : *result.summary.managed_rules) {
    EXPECT_NE(firewall_->rulebase().findRule(rule.name), nullptr) << rule.name;
    EXPECT_TRUE(rule.description.starts_with("trailwall: ")) << rule.description;
  }
  EXPECT_GT(result.summary.firewall_requests.at("commit"), 0);
}

TEST_F(EngineRunnerTest, AFailedCommitLeavesEveryReadableDeliveryForRetry) {
  firewall_->failNextCommit(Error{ErrorCode::Remote, "commit job 9 failed"});
  auto r = runner();
  const auto result = r.run({{"m1", eventBridge("StartInstances", kInstance)}, {"m2", "{"}},
                            RunKind::Scoped, stop_.get_token());
  EXPECT_FALSE(result.summary.ok);
  EXPECT_EQ(result.outcomes, (std::vector<Outcome>{Outcome::Retry, Outcome::Unreadable}));
  EXPECT_EQ(result.summary.error_step, "apply");
  EXPECT_EQ(result.summary.error_code, "remote");
  EXPECT_NE(result.summary.error.find("commit job 9 failed"), std::string::npos);
  EXPECT_TRUE(result.summary.commit_attempted);
  EXPECT_FALSE(result.summary.commit_job);
  EXPECT_EQ(firewall_->commits(), 0);
  ASSERT_TRUE(result.summary.managed_rules);
  EXPECT_TRUE(result.summary.managed_rules->empty()) << "as the rulebase stands: unchanged";
}

TEST_F(EngineRunnerTest, OnceStoppingNothingIsWritten) {
  auto r = runner();
  stop_.request_stop();
  const auto result =
      r.run({{"m1", eventBridge("StartInstances", kInstance)}}, RunKind::Scoped, stop_.get_token());
  EXPECT_FALSE(result.summary.ok);
  EXPECT_EQ(result.outcomes, std::vector<Outcome>{Outcome::Retry});
  EXPECT_EQ(result.summary.error_step, "stopping");
  EXPECT_TRUE(firewall_->appliedPlans().empty());
  EXPECT_EQ(firewall_->commits(), 0);
}

TEST_F(EngineRunnerTest, AStopDuringTheRunIsHonouredBeforeTheWrite) {
  // The stop arrives while the rulebase is read: the plan is made, but not written.
  class StopOnRead final : public engine::InventorySource {
   public:
    StopOnRead(engine::InventorySource& inner, std::stop_source& stop)
        : inner_(inner), stop_(stop) {}
    Result<engine::LoadedInventory> load(const engine::Target& t,
                                         const inventory::Scope& s) override {
      stop_.request_stop();
      return inner_.load(t, s);
    }

   private:
    engine::InventorySource& inner_;
    std::stop_source& stop_;
  } stopping(*inventory_, stop_);
  EngineRunner r(
      options_, {}, stopping, *firewall_,
      [this](const cloudtrail::LogObject& o) { return read(o); }, clock_);
  const auto result =
      r.run({{"m1", eventBridge("StartInstances", kInstance)}}, RunKind::Scoped, stop_.get_token());
  EXPECT_FALSE(result.summary.ok);
  EXPECT_EQ(result.outcomes, std::vector<Outcome>{Outcome::Retry});
  EXPECT_EQ(result.summary.error_step, "stopping");
  EXPECT_FALSE(result.summary.commit_attempted);
  EXPECT_FALSE(result.summary.changes.empty()) << "what would have been written is shown";
  EXPECT_TRUE(firewall_->appliedPlans().empty());
}

TEST_F(EngineRunnerTest, AFullRunReconcilesEverythingWithoutAnyDelivery) {
  auto r = runner();
  const auto result = r.run({}, RunKind::Full, stop_.get_token());
  ASSERT_TRUE(result.summary.ok) << result.summary.error;
  EXPECT_TRUE(result.outcomes.empty());
  EXPECT_EQ(firewall_->commits(), 1);
  EXPECT_EQ(result.summary.kind, RunKind::Full);
}

TEST_F(EngineRunnerTest, AFailedCallIsIgnoredAndDoneWithoutTouchingTheFirewall) {
  auto r = runner();
  const auto result = r.run({{"m1", eventBridge("StartInstances", kInstance,
                                                R"("errorCode":"Client.UnauthorizedOperation",)")}},
                            RunKind::Scoped, stop_.get_token());
  ASSERT_TRUE(result.summary.ok) << result.summary.error;
  EXPECT_EQ(result.outcomes, std::vector<Outcome>{Outcome::Done});
  EXPECT_TRUE(result.summary.nothing_to_do);
  EXPECT_EQ(result.summary.ignored.at("failed-call"), 1);
  EXPECT_EQ(firewall_->reads(), 0);
}

TEST_F(EngineRunnerTest, ALogFileNamedByAnS3NotificationIsFetchedAndHandled) {
  log_file_ = fmt::format(R"({{"Records":[{}]}})", record("StartInstances", kInstance));
  auto r = runner();
  const auto result = r.run({{"m1", s3Notification()}}, RunKind::Scoped, stop_.get_token());
  ASSERT_TRUE(result.summary.ok) << result.summary.error;
  EXPECT_EQ(objects_read_.size(), 1u);
  EXPECT_EQ(result.outcomes, std::vector<Outcome>{Outcome::Done});
  EXPECT_EQ(result.summary.events.at("StartInstances"), 1);
}

TEST_F(EngineRunnerTest, ALogFileThatCannotBeFetchedIsRetried) {
  auto r = runner();
  const auto result =
      r.run({{"m1", s3Notification()}, {"m2", eventBridge("StartInstances", kInstance)}},
            RunKind::Scoped, stop_.get_token());
  ASSERT_TRUE(result.summary.ok) << result.summary.error;
  EXPECT_EQ(result.outcomes, (std::vector<Outcome>{Outcome::Retry, Outcome::Done}));
}

TEST(PlanLines, NameEveryChange) {
  policy::Plan plan;
  plan.add_rules.push_back(policy::SecurityRule{});
  plan.add_rules.back().name = "sg-1-tcp-443";
  policy::RuleEdit edit;
  edit.after.name = "sg-1-tcp-22";
  edit.changed = {"destination", "source"};
  plan.edit_rules.push_back(edit);
  plan.delete_rules.push_back(policy::SecurityRule{});
  plan.delete_rules.back().name = "sg-2-all";
  plan.move_rules.push_back("sg-3-icmp-8");
  EXPECT_EQ(planLines(plan),
            (std::vector<std::string>{"+ sg-1-tcp-443", "~ sg-1-tcp-22 (destination, source)",
                                      "> sg-3-icmp-8 (moved)", "- sg-2-all"}));
}

}  // namespace
}  // namespace trailwall::serve
