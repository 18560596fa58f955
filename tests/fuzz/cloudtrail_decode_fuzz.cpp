// libFuzzer target for the CloudTrail decoder: any bytes, plain or gzip, any nesting of envelopes.
// It must never crash, hang or read out of bounds, and every record it counts must be accounted
// for as a change, an ignored record, a log file to fetch or an error (decode_check.h).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "decode_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  trailwall::fuzz::decodeEveryWay(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
