#pragma once
// Fakes and inputs shared by the runner's and the Lambda loop's tests: an S3 of the test's own
// (log files by bucket and key, scripted failures), an inventory source that records the scopes
// it was asked for, the sample configuration and inventory, and CloudTrail input shapes.

#include <map>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "config/config.h"
#include "engine/engine.h"
#include "engine/inventory_source.h"
#include "inventory/inventory_json.h"
#include "runner/runner.h"
#include "support/files.h"

namespace trailwall::test {

class FakeLogReader final : public runner::LogReader {
 public:
  void put(const std::string& bucket, const std::string& key, std::string body) {
    objects_[{bucket, key}] = std::move(body);
  }
  void failWith(Error error) { error_ = std::move(error); }

  [[nodiscard]] Result<cloudtrail::PaddedBytes> read(const cloudtrail::LogObject& object) override {
    reads_.push_back(object.bucket + "/" + object.key);
    if (error_) return std::unexpected(*error_);
    const auto it = objects_.find({object.bucket, object.key});
    if (it == objects_.end()) {
      return fail(ErrorCode::NotFound,
                  fmt::format("s3://{}/{}: NoSuchKey: The specified key does not exist.",
                              object.bucket, object.key));
    }
    return cloudtrail::PaddedBytes(it->second);
  }
  [[nodiscard]] const std::vector<std::string>& reads() const { return reads_; }

 private:
  std::map<std::pair<std::string, std::string>, std::string> objects_;
  std::optional<Error> error_;
  std::vector<std::string> reads_;
};

// The sample inventory for any scope, recording what was asked.
class RecordingInventorySource final : public engine::InventorySource {
 public:
  explicit RecordingInventorySource(inventory::Inventory inventory)
      : inventory_(std::move(inventory)) {}
  [[nodiscard]] Result<engine::LoadedInventory> load(const engine::Target& target,
                                                     const inventory::Scope& scope) override {
    asked_.emplace_back(target, scope);
    engine::LoadedInventory loaded;
    loaded.inventory = inventory_;
    return loaded;
  }
  [[nodiscard]] const std::vector<std::pair<engine::Target, inventory::Scope>>& asked() const {
    return asked_;
  }

 private:
  inventory::Inventory inventory_;
  std::vector<std::pair<engine::Target, inventory::Scope>> asked_;
};

inline inventory::Inventory sampleInventory() {
  auto inv = inventory::parseInventoryJson(readFile(examplesDir() / "inventory.json"));
  EXPECT_TRUE(inv.has_value()) << (inv ? "" : to_string(inv.error()));
  return inv ? *inv : inventory::Inventory{};
}

inline config::Config sampleConfig() {
  auto cfg = config::parseConfig(readFile(examplesDir() / "trailwall.toml"), "trailwall.toml");
  EXPECT_TRUE(cfg.has_value()) << (cfg ? "" : to_string(cfg.error()));
  return cfg ? *cfg : config::Config{};
}

// A rulebase with the configured bottom rule, as every firewall trailwall manages has.
inline policy::Rulebase rulebaseWithBottomRule(const policy::Options& options) {
  policy::SecurityRule bottom;
  bottom.name = options.bottom_rule;
  bottom.from = {"any"};
  bottom.to = {"any"};
  bottom.source = {"any"};
  bottom.destination = {"any"};
  bottom.application = {"any"};
  bottom.service = {"any"};
  bottom.action = "deny";
  policy::Rulebase rulebase;
  rulebase.rules = {bottom};
  return rulebase;
}

inline constexpr const char* kAccount = "123456789012";
inline constexpr const char* kRegion = "us-east-1";
inline constexpr const char* kInstance = "i-0a1b2c3d4e5f60101";  // in examples/inventory.json

// One CloudTrail record of `event_name` naming `instance`.
inline std::string instanceRecord(
    std::string_view event_name, std::string_view instance,
    std::string_view event_id = "11111111-2222-3333-4444-555555555555") {
  return fmt::format(
      R"({{"eventVersion":"1.09","eventTime":"2024-08-01T12:04:19Z","eventSource":"ec2.amazonaws.com",)"
      R"("eventName":"{}","awsRegion":"{}","recipientAccountId":"{}","eventID":"{}",)"
      R"("userIdentity":{{"type":"IAMUser","accountId":"{}"}},)"
      R"("requestParameters":{{"instancesSet":{{"items":[{{"instanceId":"{}"}}]}}}},)"
      R"("responseElements":null}})",
      event_name, kRegion, kAccount, event_id, kAccount, instance);
}

inline std::string logFile(const std::vector<std::string>& records) {
  std::string text = R"({"Records":[)";
  for (std::size_t i = 0; i < records.size(); ++i) {
    if (i > 0) text += ',';
    text += records[i];
  }
  return text + "]}";
}

inline std::string eventBridge(const std::string& record) {
  return fmt::format(
      R"({{"version":"0","id":"6a7e8feb-b491-4cf7-a9f1-bf3703467718",)"
      R"("detail-type":"AWS API Call via CloudTrail","source":"aws.ec2","account":"{}",)"
      R"("time":"2024-08-01T12:04:30Z","region":"{}","resources":[],"detail":{}}})",
      kAccount, kRegion, record);
}

inline std::string scheduledEvent() {
  return fmt::format(
      R"({{"version":"0","account":"{}","region":"{}","detail":{{}},)"
      R"("detail-type":"Scheduled Event","source":"aws.events","time":"2024-08-01T12:00:00Z",)"
      R"("id":"cdc73f9d-aea9-11e3-9d5a-835b769c0d9c",)"
      R"("resources":["arn:aws:events:us-east-1:123456789012:rule/trailwall-reconcile"]}})",
      kAccount, kRegion);
}

inline constexpr const char* kTrailBucket = "aws-cloudtrail-logs-123456789012-trail";

// A CloudTrail log file key of the trail (prefix "my trail/" holds a space: "+" in events).
inline std::string logKey(std::string_view file = "20240801T1205Z_abcdefABCDEF0123") {
  return fmt::format(
      "my trail/AWSLogs/{0}/CloudTrail/{1}/2024/08/01/{0}_CloudTrail_{1}_{2}.json.gz", kAccount,
      kRegion, file);
}

// The S3 event notification for `key` (encoded as S3 encodes keys: space → '+').
inline std::string s3Notification(const std::string& key) {
  std::string encoded;
  for (const char c : key) encoded += c == ' ' ? '+' : c;
  return fmt::format(
      R"({{"Records":[{{"eventVersion":"2.1","eventSource":"aws:s3","awsRegion":"{}",)"
      R"("eventTime":"2024-08-01T12:05:10.000Z","eventName":"ObjectCreated:Put",)"
      R"("s3":{{"s3SchemaVersion":"1.0","bucket":{{"name":"{}","arn":"arn:aws:s3:::{}"}},)"
      R"("object":{{"key":"{}","size":1024}}}}}}]}})",
      kRegion, kTrailBucket, kTrailBucket, encoded);
}

// A fleet of two (issue 13): firewalls east and west, each the gateway of one VPC.
inline constexpr const char* kEastInstance =
    "i-0a1b2c3d4e5f60101";  // the sample's VPC, gateway i-0f…
inline constexpr const char* kWestInstance = "i-1a1b2c3d4e5f60101";  // its copy, gateway i-1f…

// The sample inventory and a copy of it with every id's first digit 0 → 1: two VPCs, each routed
// through its own gateway instance.
inline inventory::Inventory twoVpcs() {
  const auto text = readFile(examplesDir() / "inventory.json");
  std::string copy = text;
  for (const std::string_view kind :
       {"vpc", "subnet", "rtb", "rtbassoc", "i", "eni", "eni-attach", "sg", "sgr", "igw", "pl"}) {
    const std::string from = fmt::format("\"{}-0", kind);
    const std::string to = fmt::format("\"{}-1", kind);
    for (auto at = copy.find(from); at != std::string::npos; at = copy.find(from, at + 1)) {
      copy.replace(at, from.size(), to);
    }
  }
  auto east = inventory::parseInventoryJson(text);
  auto west = inventory::parseInventoryJson(copy);
  EXPECT_TRUE(east && west);
  if (!east || !west) return {};
  engine::mergeInventory(*east, std::move(*west));
  return *east;
}

inline std::vector<runner::FleetMember> twoFirewalls(const policy::Options& defaults) {
  runner::FleetMember east{"east", defaults};
  east.policy.gateway_instance_id = "i-0f1e2d3c4b5a60001";
  east.policy.gateway_eni_ids.clear();
  runner::FleetMember west{"west", defaults};
  west.policy.gateway_instance_id = "i-1f1e2d3c4b5a60001";
  west.policy.gateway_eni_ids.clear();
  return {east, west};
}

inline runner::Delivery delivery(std::string id, std::string_view body) {
  return runner::Delivery{std::move(id), cloudtrail::PaddedBytes(body), {}};
}

}  // namespace trailwall::test
