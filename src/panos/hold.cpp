#include "panos/hold.h"

#include <cstdio>
#include <ctime>

#include <fmt/format.h>

namespace trailwall::panos {
namespace {

constexpr std::string_view kPrefix = "trailwall run ";
constexpr std::string_view kSince = " since ";
constexpr std::size_t kMaxRunId = 40;

}  // namespace

std::string utcText(std::chrono::system_clock::time_point t) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

std::string holdComment(std::string_view run_id, std::chrono::system_clock::time_point since) {
  return fmt::format("{}{}{}{}", kPrefix, run_id, kSince, utcText(since));
}

std::optional<HoldComment> parseHoldComment(std::string_view comment) {
  if (!comment.starts_with(kPrefix)) return std::nullopt;
  comment.remove_prefix(kPrefix.size());
  const auto at = comment.find(kSince);
  if (at == std::string_view::npos) return std::nullopt;
  HoldComment holder;
  holder.run_id = std::string(comment.substr(0, at));
  if (!validateRunId(holder.run_id)) return std::nullopt;
  const std::string time(comment.substr(at + kSince.size()));
  std::tm tm{};
  int consumed = 0;
  if (time.size() != 20 ||
      std::sscanf(time.c_str(), "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &consumed) != 6 ||
      consumed != 20) {
    return std::nullopt;
  }
  if (tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 ||
      tm.tm_min > 59 || tm.tm_sec > 60 || tm.tm_year < 1970) {
    return std::nullopt;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  holder.since = std::chrono::system_clock::from_time_t(timegm(&tm));
  return holder;
}

std::string describeHolder(const HoldComment& holder) {
  return fmt::format("run {} since {}", holder.run_id, utcText(holder.since));
}

Status validateRunId(std::string_view run_id) {
  const bool ok =
      !run_id.empty() && run_id.size() <= kMaxRunId &&
      run_id.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") == std::string_view::npos;
  if (!ok) {
    return fail(ErrorCode::InvalidInput,
                fmt::format("run id '{}' must be 1-{} lower-case letters, digits and '-'", run_id,
                            kMaxRunId));
  }
  return {};
}

}  // namespace trailwall::panos
