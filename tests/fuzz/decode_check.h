#pragma once
// The decoder's invariant, shared by the decoder's fuzz targets: whatever the bytes, decoding
// never crashes, hangs or reads out of bounds, and every record it counts is accounted for as a
// change, an ignored record, a log file to fetch or an error. A broken invariant aborts, which
// libFuzzer reports as a crash.
#include <cstddef>
#include <cstdlib>
#include <string_view>

#include "cloudtrail/decoder.h"

namespace trailwall::fuzz {

inline void decodeAndCheck(cloudtrail::Decoder& decoder, std::string_view input) {
  cloudtrail::Decoded decoded;
  // In place: the decoder writes into the bytes and must leave them as they were.
  cloudtrail::PaddedBytes bytes(input);
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

// Every mode: listing ignored records reads every record to its end; counting them stops early;
// and a log file decoded whole and a few records at a time (a 64-byte window). The decoders live
// as long as the process (as a Lambda sandbox keeps one).
inline void decodeEveryWay(std::string_view input) {
  const auto make = [](bool keep_ignored, std::size_t window) {
    cloudtrail::DecodeOptions options;
    options.keep_ignored = keep_ignored;
    options.max_input_size = std::size_t{64} << 20;  // keep gzip bombs cheap
    options.window_size = window;
    return new cloudtrail::Decoder(options);
  };
  static cloudtrail::Decoder* listing = make(true, std::size_t{1} << 20);
  static cloudtrail::Decoder* counting = make(false, std::size_t{1} << 20);
  static cloudtrail::Decoder* windowed = make(true, 64);
  decodeAndCheck(*listing, input);
  decodeAndCheck(*counting, input);
  decodeAndCheck(*windowed, input);
}

}  // namespace trailwall::fuzz
