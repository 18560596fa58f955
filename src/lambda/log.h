#pragma once
// Log lines of the Lambda runtime (NOTES.md §5): on stdout, one line per event, flushed, in the
// function's log format (AWS_LAMBDA_LOG_FORMAT: Text or JSON) at its level
// (AWS_LAMBDA_LOG_LEVEL: TRACE … FATAL), every line of an invocation carrying its request id.
// JSON lines are {"timestamp", "level", "requestId", "message", <the line's key=value fields>}.

#include <chrono>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include "aws/environment.h"

namespace trailwall::lambda {

enum class LogFormat { Text, Json };

struct LogSettings {
  LogFormat format = LogFormat::Text;
  spdlog::level::level_enum level = spdlog::level::info;
};

// From AWS_LAMBDA_LOG_FORMAT ("JSON", any case; else text) and AWS_LAMBDA_LOG_LEVEL (TRACE,
// DEBUG, INFO, WARN, ERROR, FATAL, any case; default INFO).
[[nodiscard]] LogSettings logSettings(const aws::Environment& env);

// One line without its newline. `request_id` empty: outside an invocation (no requestId).
[[nodiscard]] std::string formatLogLine(LogFormat format,
                                        std::chrono::system_clock::time_point time,
                                        spdlog::level::level_enum level,
                                        std::string_view request_id, std::string_view message);

class LambdaLogSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  LambdaLogSink(LogFormat format, std::FILE* out) : format_(format), out_(out) {}
  // The request id of the invocation in progress; empty between invocations.
  void setRequestId(std::string request_id);

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override;
  void flush_() override;

 private:
  LogFormat format_;
  std::FILE* out_;
  std::string request_id_;  // guarded by base_sink's mutex
};

// Makes a LambdaLogSink on stdout the default logger; the sink, to set request ids on.
std::shared_ptr<LambdaLogSink> installLambdaLogger(const LogSettings& settings);

}  // namespace trailwall::lambda
