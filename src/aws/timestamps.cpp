#include "aws/timestamps.h"

#include <array>
#include <charconv>
#include <ctime>

namespace trailwall::aws {

namespace {

bool number(std::string_view text, std::size_t pos, std::size_t len, int& out) {
  if (pos + len > text.size()) {
    return false;
  }
  const char* first = text.data() + pos;
  const auto [end, ec] = std::from_chars(first, first + len, out);
  return ec == std::errc() && end == first + len;
}

std::chrono::system_clock::time_point fromCivil(int y, int mo, int d, int h, int mi, int s) {
  const auto day = std::chrono::year_month_day(std::chrono::year(y),
                                               std::chrono::month(static_cast<unsigned>(mo)),
                                               std::chrono::day(static_cast<unsigned>(d)));
  return std::chrono::sys_days(day) + std::chrono::hours(h) + std::chrono::minutes(mi) +
         std::chrono::seconds(s);
}

bool validCivil(int y, int mo, int d, int h, int mi, int s) {
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 60 || h < 0 || mi < 0 || s < 0) {
    return false;
  }
  return std::chrono::year_month_day(std::chrono::year(y),
                                     std::chrono::month(static_cast<unsigned>(mo)),
                                     std::chrono::day(static_cast<unsigned>(d)))
      .ok();
}

// 'text' (appended: g++ 12 warns falsely on "'" + std::string).
std::string quoted(std::string_view text) {
  std::string out(1, '\'');
  out.append(text).push_back('\'');
  return out;
}

}  // namespace

Result<std::chrono::system_clock::time_point> parseIso8601(std::string_view text) {
  const auto bad = [&] {
    return fail(ErrorCode::InvalidInput, quoted(text) + " is not an ISO 8601 time");
  };
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  if (text.size() < 19 || !number(text, 0, 4, y) || text[4] != '-' || !number(text, 5, 2, mo) ||
      text[7] != '-' || !number(text, 8, 2, d) ||
      (text[10] != 'T' && text[10] != 't' && text[10] != ' ') || !number(text, 11, 2, h) ||
      text[13] != ':' || !number(text, 14, 2, mi) || text[16] != ':' || !number(text, 17, 2, s) ||
      !validCivil(y, mo, d, h, mi, s)) {
    return bad();
  }
  std::size_t pos = 19;
  std::chrono::milliseconds fraction{0};
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    long long value = 0;
    int digits = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (digits < 3) {
        value = value * 10 + (text[pos] - '0');
        ++digits;
      }
      ++pos;
    }
    if (digits == 0) {
      return bad();
    }
    while (digits < 3) {
      value *= 10;
      ++digits;
    }
    fraction = std::chrono::milliseconds(value);
  }
  auto time = fromCivil(y, mo, d, h, mi, s) + fraction;
  const std::string_view zone = text.substr(pos);
  if (zone == "Z" || zone == "z" || zone.empty()) {
    return time;
  }
  int oh = 0, om = 0;
  if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && number(zone, 1, 2, oh) &&
      zone[3] == ':' && number(zone, 4, 2, om)) {
    const auto offset = std::chrono::hours(oh) + std::chrono::minutes(om);
    return zone[0] == '+' ? time - offset : time + offset;
  }
  return bad();
}

std::string formatIso8601(std::chrono::system_clock::time_point time) {
  const std::time_t t = std::chrono::system_clock::to_time_t(time);
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::array<char, 32> buffer{};
  const std::size_t n = std::strftime(buffer.data(), buffer.size(), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return std::string(buffer.data(), n);
}

Result<std::chrono::system_clock::time_point> parseHttpDate(std::string_view text) {
  static constexpr std::array<std::string_view, 12> kMonths = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  // "Wed, 01 May 2024 12:00:00 GMT"
  int d = 0, y = 0, h = 0, mi = 0, s = 0;
  if (text.size() != 29 || text[3] != ',' || !number(text, 5, 2, d) || !number(text, 12, 4, y) ||
      !number(text, 17, 2, h) || !number(text, 20, 2, mi) || !number(text, 23, 2, s) ||
      text.substr(25) != " GMT") {
    return fail(ErrorCode::InvalidInput, quoted(text) + " is not an HTTP date");
  }
  const auto month = text.substr(8, 3);
  int mo = 0;
  for (std::size_t i = 0; i < kMonths.size(); ++i) {
    if (kMonths[i] == month) {
      mo = static_cast<int>(i) + 1;
    }
  }
  if (!validCivil(y, mo, d, h, mi, s)) {
    return fail(ErrorCode::InvalidInput, quoted(text) + " is not an HTTP date");
  }
  return fromCivil(y, mo, d, h, mi, s);
}

}  // namespace trailwall::aws
