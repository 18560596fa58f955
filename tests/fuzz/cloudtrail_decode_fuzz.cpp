// libFuzzer target for the CloudTrail decoder: any bytes, plain or gzip, any nesting of envelopes.
// It must never crash, hang or read out of bounds, and every record it counts must be accounted
// for as a change, an ignored record, a log file to fetch or an error.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "cloudtrail/decoder.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static trailwall::cloudtrail::Decoder* decoder = [] {
    trailwall::cloudtrail::DecodeOptions options;
    options.keep_ignored = true;
    options.max_inflated_size = std::size_t{64} << 20;  // keep gzip bombs cheap
    return new trailwall::cloudtrail::Decoder(options);
  }();
  trailwall::cloudtrail::Decoded decoded;
  decoder->decode(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz", decoded);
  const std::size_t accounted = decoded.changes.size() + decoded.ignoredTotal() +
                                decoded.objects.size() + decoded.errors.size();
  if (decoded.records > accounted || decoded.ignored.size() != decoded.ignoredTotal()) {
    std::abort();
  }
  return 0;
}
