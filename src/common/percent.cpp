#include "common/percent.h"

namespace trailwall {
namespace {

// Decodes into `out`; returns the offset of the first malformed escape (kept as written), or
// npos.
std::size_t decode(std::string_view text, PlusIs plus, std::string& out) {
  std::size_t bad = std::string_view::npos;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '+' && plus == PlusIs::Space) {
      out.push_back(' ');
      continue;
    }
    if (c == '%') {
      const int high = i + 2 < text.size() ? hexDigitValue(text[i + 1]) : -1;
      const int low = high >= 0 ? hexDigitValue(text[i + 2]) : -1;
      if (low >= 0) {
        out.push_back(static_cast<char>(high * 16 + low));
        i += 2;
        continue;
      }
      if (bad == std::string_view::npos) bad = i;
    }
    out.push_back(c);
  }
  return bad;
}

}  // namespace

int hexDigitValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percentDecode(std::string_view text, PlusIs plus) {
  std::string out;
  decode(text, plus, out);
  return out;
}

Result<std::string> percentDecodeStrict(std::string_view text, PlusIs plus) {
  std::string out;
  if (const auto bad = decode(text, plus, out); bad != std::string_view::npos) {
    return fail(ErrorCode::InvalidInput, "bad %-escape at offset " + std::to_string(bad));
  }
  return out;
}

}  // namespace trailwall
