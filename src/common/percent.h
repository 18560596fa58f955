#pragma once
// Percent-decoding (RFC 3986 %XX escapes), the one implementation shared by URLs and SigV4
// (http), S3 event keys (cloudtrail) and form bodies (panos-sim).

#include <string>
#include <string_view>

#include "common/error.h"

namespace trailwall {

// Whether '+' means a space: it does in form bodies and in S3 event notification keys.
enum class PlusIs { Plus, Space };

// The value of a hex digit, or -1.
[[nodiscard]] int hexDigitValue(char c);

// Decodes every %XX; a malformed escape ("%4", "%zz") is kept as written.
[[nodiscard]] std::string percentDecode(std::string_view text, PlusIs plus);

// The same, but a malformed escape is InvalidInput naming its offset.
[[nodiscard]] Result<std::string> percentDecodeStrict(std::string_view text, PlusIs plus);

}  // namespace trailwall
