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
  decoder.decode(input, "fuzz", decoded);
  const std::size_t accounted = decoded.changes.size() + decoded.ignoredTotal() +
                                decoded.objects.size() + decoded.errors.size();
  const bool listed = decoder.options().keep_ignored;
  if (decoded.records > accounted || (listed && decoded.ignored.size() != decoded.ignoredTotal()) ||
      (!listed && !decoded.ignored.empty())) {
    std::abort();
  }
}

// Both modes: listing ignored records reads every record to its end; counting them stops early.
// The decoders live as long as the process (one per mode, as a Lambda sandbox keeps one).
inline void decodeBothWays(std::string_view input) {
  const auto make = [](bool keep_ignored) {
    cloudtrail::DecodeOptions options;
    options.keep_ignored = keep_ignored;
    options.max_inflated_size = std::size_t{64} << 20;  // keep gzip bombs cheap
    return new cloudtrail::Decoder(options);
  };
  static cloudtrail::Decoder* listing = make(true);
  static cloudtrail::Decoder* counting = make(false);
  decodeAndCheck(*listing, input);
  decodeAndCheck(*counting, input);
}

}  // namespace trailwall::fuzz
