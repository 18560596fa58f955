#include "lambda/log.h"

#include <algorithm>
#include <cctype>

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "runner/log_text.h"

namespace trailwall::lambda {
namespace {

std::string upper(std::string_view text) {
  std::string out(text);
  std::ranges::transform(out, out.begin(),
                         [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return out;
}

std::string_view levelName(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace: return "TRACE";
    case spdlog::level::debug: return "DEBUG";
    case spdlog::level::info: return "INFO";
    case spdlog::level::warn: return "WARN";
    case spdlog::level::err: return "ERROR";
    case spdlog::level::critical: return "FATAL";
    default: return "INFO";
  }
}

std::string timestamp(std::chrono::system_clock::time_point time) {
  const auto ms = std::chrono::time_point_cast<std::chrono::milliseconds>(time);
  const auto seconds = std::chrono::time_point_cast<std::chrono::seconds>(ms);
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03d}Z", seconds,
                     static_cast<int>((ms - seconds).count()));
}

}  // namespace

LogSettings logSettings(const aws::Environment& env) {
  LogSettings settings;
  if (const auto format = env.get("AWS_LAMBDA_LOG_FORMAT"); format && upper(*format) == "JSON") {
    settings.format = LogFormat::Json;
  }
  if (const auto level = env.get("AWS_LAMBDA_LOG_LEVEL")) {
    const auto name = upper(*level);
    if (name == "TRACE") settings.level = spdlog::level::trace;
    if (name == "DEBUG") settings.level = spdlog::level::debug;
    if (name == "INFO") settings.level = spdlog::level::info;
    if (name == "WARN") settings.level = spdlog::level::warn;
    if (name == "ERROR") settings.level = spdlog::level::err;
    if (name == "FATAL") settings.level = spdlog::level::critical;
  }
  return settings;
}

std::string formatLogLine(LogFormat format, std::chrono::system_clock::time_point time,
                          spdlog::level::level_enum level, std::string_view request_id,
                          std::string_view message) {
  if (format == LogFormat::Text) {
    std::string text = message.empty() ? std::string() : std::string(message);
    std::ranges::replace(text, '\n', ' ');
    if (request_id.empty()) {
      return fmt::format("{} level={} {}", timestamp(time), levelName(level), text);
    }
    return fmt::format("{} level={} requestId={} {}", timestamp(time), levelName(level), request_id,
                       text);
  }
  nlohmann::ordered_json line;
  line["timestamp"] = timestamp(time);
  line["level"] = levelName(level);
  if (!request_id.empty()) line["requestId"] = request_id;
  line["message"] = message;
  for (auto& [key, value] : runner::splitLogFields(message).fields) {
    if (!line.contains(key)) line[key] = std::move(value);
  }
  return line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

void LambdaLogSink::setRequestId(std::string request_id) {
  std::lock_guard lock(mutex_);
  request_id_ = std::move(request_id);
}

void LambdaLogSink::sink_it_(const spdlog::details::log_msg& msg) {
  std::string line = formatLogLine(format_, msg.time, msg.level, request_id_,
                                   std::string_view(msg.payload.data(), msg.payload.size()));
  line += '\n';
  std::fwrite(line.data(), 1, line.size(), out_);
  std::fflush(out_);
}

void LambdaLogSink::flush_() {
  std::fflush(out_);
}

std::shared_ptr<LambdaLogSink> installLambdaLogger(const LogSettings& settings) {
  auto sink = std::make_shared<LambdaLogSink>(settings.format, stdout);
  auto logger = std::make_shared<spdlog::logger>("trailwall-lambda", sink);
  logger->set_level(settings.level);
  logger->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(logger);
  spdlog::set_level(settings.level);
  return sink;
}

}  // namespace trailwall::lambda
