// The [serve] section of the configuration: its keys, their defaults and ranges, and the
// TRAILWALL_SERVE_* environment overrides.
#include <gtest/gtest.h>

#include "config/config.h"
#include "support/files.h"

namespace trailwall::config {
namespace {

TEST(ServeConfig, DefaultsWithoutASection) {
  const auto c = parseConfig("", "t.toml");
  ASSERT_TRUE(c) << to_string(c.error());
  EXPECT_EQ(c->serve.queue_url, "");
  EXPECT_EQ(c->serve.batch_window_seconds, 10);
  EXPECT_EQ(c->serve.batch_max_messages, 1000);
  EXPECT_EQ(c->serve.reconcile_period_seconds, 900);
  EXPECT_EQ(c->serve.visibility_timeout_seconds, 0);
  EXPECT_EQ(c->serve.shutdown_timeout_seconds, 60);
  EXPECT_EQ(c->serve.unhealthy_after_seconds, 900);
  EXPECT_EQ(c->serve.status_runs, 20);
}

TEST(ServeConfig, ReadsEveryKey) {
  const auto c = parseConfig(R"([serve]
queue_url = "https://sqs.eu-central-1.amazonaws.com/111122223333/trailwall.fifo"
listen = "127.0.0.1:9090"
batch_window_seconds = 2.5
batch_max_messages = 50
reconcile_period_seconds = 0
visibility_timeout_seconds = 120
shutdown_timeout_seconds = 45
unhealthy_after_seconds = 1800
status_runs = 5
)",
                             "t.toml");
  ASSERT_TRUE(c) << to_string(c.error());
  EXPECT_EQ(c->serve.queue_url,
            "https://sqs.eu-central-1.amazonaws.com/111122223333/trailwall.fifo");
  EXPECT_EQ(c->serve.listen, "127.0.0.1:9090");
  EXPECT_EQ(c->serve.batch_window_seconds, 2.5);
  EXPECT_EQ(c->serve.batch_max_messages, 50);
  EXPECT_EQ(c->serve.reconcile_period_seconds, 0) << "0 turns the periodic reconcile off";
  EXPECT_EQ(c->serve.visibility_timeout_seconds, 120);
  EXPECT_EQ(c->serve.shutdown_timeout_seconds, 45);
  EXPECT_EQ(c->serve.unhealthy_after_seconds, 1800);
  EXPECT_EQ(c->serve.status_runs, 5);
}

TEST(ServeConfig, BadValuesAndUnknownKeysAreErrorsNamingTheKey) {
  for (const auto& [toml, key] : std::vector<std::pair<std::string, std::string>>{
           {"[serve]\nbatch_max_messages = 0\n", "serve.batch_max_messages"},
           {"[serve]\nbatch_window_seconds = -1\n", "serve.batch_window_seconds"},
           {"[serve]\nvisibility_timeout_seconds = 50000\n", "serve.visibility_timeout_seconds"},
           {"[serve]\nqueue_url = 7\n", "serve.queue_url"},
           {"[serve]\nbatch_windw_seconds = 5\n", "serve.batch_windw_seconds"}}) {
    const auto c = parseConfig(toml, "t.toml");
    ASSERT_FALSE(c) << toml;
    EXPECT_NE(c.error().message.find(key), std::string::npos) << c.error().message;
    EXPECT_NE(c.error().message.find("t.toml:2"), std::string::npos) << c.error().message;
  }
}

TEST(ServeConfig, EnvironmentOverridesEachKey) {
  const Environment env{{"TRAILWALL_SERVE_QUEUE_URL", "https://sqs.example/1/q"},
                        {"TRAILWALL_SERVE_LISTEN", ":9090"},
                        {"TRAILWALL_SERVE_BATCH_WINDOW_SECONDS", "3"},
                        {"TRAILWALL_SERVE_RECONCILE_PERIOD_SECONDS", "0"}};
  const auto c = parseConfig("[serve]\nbatch_window_seconds = 10\n", "t.toml", env);
  ASSERT_TRUE(c) << to_string(c.error());
  EXPECT_EQ(c->serve.queue_url, "https://sqs.example/1/q");
  EXPECT_EQ(c->serve.listen, ":9090");
  EXPECT_EQ(c->serve.batch_window_seconds, 3);
  EXPECT_EQ(c->serve.reconcile_period_seconds, 0);
  const auto bad = parseConfig("", "t.toml", {{"TRAILWALL_SERVE_STATUS_RUNS", "many"}});
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("TRAILWALL_SERVE_STATUS_RUNS"), std::string::npos)
      << bad.error().message;
}

TEST(ServeConfig, TheSampleConfigurationHasTheSection) {
  const auto c =
      parseConfig(test::readFile(test::examplesDir() / "trailwall.toml"), "trailwall.toml");
  ASSERT_TRUE(c) << to_string(c.error());
  EXPECT_FALSE(c->serve.queue_url.empty());
}

}  // namespace
}  // namespace trailwall::config
