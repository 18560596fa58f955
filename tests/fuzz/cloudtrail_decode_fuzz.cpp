// libFuzzer target for the CloudTrail decoder: any bytes, plain or gzip, any nesting of envelopes.
// It must never crash, hang or read out of bounds, and every record it counts must be accounted
// for as a change, an ignored record, a log file to fetch or an error.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "cloudtrail/decoder.h"

namespace {

trailwall::cloudtrail::Decoder* makeDecoder(bool keep_ignored, std::size_t window) {
  trailwall::cloudtrail::DecodeOptions options;
  options.keep_ignored = keep_ignored;
  options.max_input_size = std::size_t{64} << 20;  // keep gzip bombs cheap
  options.window_size = window;
  return new trailwall::cloudtrail::Decoder(options);
}

void decodeAndCheck(trailwall::cloudtrail::Decoder& decoder, std::string_view input) {
  trailwall::cloudtrail::Decoded decoded;
  // In place: the decoder writes into the bytes and must leave them as they were.
  trailwall::cloudtrail::PaddedBytes bytes(input);
  decoder.decode(bytes, "fuzz", decoded);
  if (bytes.view() != input) {
    std::abort();
  }
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
// And a log file decoded whole and a few records at a time (a 64-byte window).
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static trailwall::cloudtrail::Decoder* listing = makeDecoder(true, std::size_t{1} << 20);
  static trailwall::cloudtrail::Decoder* counting = makeDecoder(false, std::size_t{1} << 20);
  static trailwall::cloudtrail::Decoder* windowed = makeDecoder(true, 64);
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  decodeAndCheck(*listing, input);
  decodeAndCheck(*counting, input);
  decodeAndCheck(*windowed, input);
  return 0;
}
