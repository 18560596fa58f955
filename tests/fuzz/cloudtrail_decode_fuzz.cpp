// libFuzzer target for the CloudTrail decoder: any bytes, plain or gzip, any nesting of envelopes.
// It must never crash, hang or read out of bounds, and every record it counts must be accounted
// for as a change, an ignored record, a log file to fetch or an error.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "cloudtrail/decoder.h"

namespace {

trailwall::cloudtrail::Decoder* makeDecoder(bool keep_ignored) {
  trailwall::cloudtrail::DecodeOptions options;
  options.keep_ignored = keep_ignored;
  options.max_inflated_size = std::size_t{64} << 20;  // keep gzip bombs cheap
  return new trailwall::cloudtrail::Decoder(options);
}

void decodeAndCheck(trailwall::cloudtrail::Decoder& decoder, std::string_view input) {
  trailwall::cloudtrail::Decoded decoded;
  decoder.decode(input, "fuzz", decoded);
  const std::size_t accounted = decoded.changes.size() + decoded.ignoredTotal() +
                                decoded.objects.size() + decoded.errors.size();
  const bool listed = decoder.options().keep_ignored;
  if (decoded.records > accounted || (listed && decoded.ignored.size() != decoded.ignoredTotal()) ||
      (!listed && !decoded.ignored.empty())) {
    std::abort();
  }
}

}  // namespace

// Both modes: listing ignored records reads every record to its end; counting them stops early.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static trailwall::cloudtrail::Decoder* listing = makeDecoder(true);
  static trailwall::cloudtrail::Decoder* counting = makeDecoder(false);
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  decodeAndCheck(*listing, input);
  decodeAndCheck(*counting, input);
  return 0;
}
