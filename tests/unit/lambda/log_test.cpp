#include "lambda/log.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace trailwall::lambda {
namespace {

using namespace std::chrono_literals;

const auto kTime = std::chrono::system_clock::time_point(1'722'513'600'123ms);

TEST(LambdaLog, JsonLinesCarryTheRequestIdAndTheFieldsOfTheMessage) {
  const auto line = formatLogLine(LogFormat::Json, kTime, spdlog::level::warn, "req-1",
                                  R"(event=delivery id="m 1" status=retry reason="it \"failed\"")");
  EXPECT_EQ(line,
            R"({"timestamp":"2024-08-01T12:00:00.123Z","level":"WARN","requestId":"req-1",)"
            R"("message":"event=delivery id=\"m 1\" status=retry reason=\"it \\\"failed\\\"\"",)"
            R"("event":"delivery","id":"m 1","status":"retry","reason":"it \"failed\""})");
  EXPECT_TRUE(nlohmann::json::accept(line));
}

TEST(LambdaLog, JsonLinesOutsideAnInvocationHaveNoRequestIdAndFieldsNeverOverrideTheEnvelope) {
  const auto line =
      formatLogLine(LogFormat::Json, kTime, spdlog::level::critical, "", "level=debug event=x");
  EXPECT_EQ(line, R"({"timestamp":"2024-08-01T12:00:00.123Z","level":"FATAL",)"
                  R"("message":"level=debug event=x","event":"x"})");
}

TEST(LambdaLog, TextLinesNameTheLevelAndTheRequestId) {
  EXPECT_EQ(formatLogLine(LogFormat::Text, kTime, spdlog::level::info, "req-1", "event=run\nx"),
            "2024-08-01T12:00:00.123Z level=INFO requestId=req-1 event=run x");
  EXPECT_EQ(formatLogLine(LogFormat::Text, kTime, spdlog::level::err, "", "event=init"),
            "2024-08-01T12:00:00.123Z level=ERROR event=init");
}

TEST(LambdaLog, SettingsComeFromTheFunctionsLoggingConfig) {
  aws::MapEnvironment env;
  EXPECT_EQ(logSettings(env).format, LogFormat::Text);
  EXPECT_EQ(logSettings(env).level, spdlog::level::info);
  env.set("AWS_LAMBDA_LOG_FORMAT", "JSON");
  env.set("AWS_LAMBDA_LOG_LEVEL", "DEBUG");
  EXPECT_EQ(logSettings(env).format, LogFormat::Json);
  EXPECT_EQ(logSettings(env).level, spdlog::level::debug);
  env.set("AWS_LAMBDA_LOG_LEVEL", "fatal");
  EXPECT_EQ(logSettings(env).level, spdlog::level::critical);
  env.set("AWS_LAMBDA_LOG_FORMAT", "Text");
  EXPECT_EQ(logSettings(env).format, LogFormat::Text);
}

}  // namespace
}  // namespace trailwall::lambda
