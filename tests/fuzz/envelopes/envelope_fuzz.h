#pragma once
// The envelope fuzz targets (S3 notification, SNS envelope, SQS message and batch, EventBridge
// event, Lambda payloads) all enter the decoder through its one entry point, Decoder::decode,
// in two ways per input: the input as it is (the seed corpus holds real envelopes of the target's
// kind, so mutations stay near that shape), and the input wrapped into the target's envelope
// where that envelope carries foreign content (an SNS Message, an SQS body, an EventBridge
// detail, an S3 object key), so the envelope's own path sees any bytes at all.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "../decode_check.h"

namespace trailwall::fuzz {

// `bytes` as the body of a JSON string: quotes, backslashes and control characters escaped,
// every other byte (invalid UTF-8 included) passed as it is.
inline std::string jsonString(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (const char ch : bytes) {
    const auto u = static_cast<unsigned char>(ch);
    if (ch == '"' || ch == '\\') {
      out += '\\';
      out += ch;
    } else if (u < 0x20) {
      out += "\\u00";
      out += kHex[u >> 4];
      out += kHex[u & 0xf];
    } else {
      out += ch;
    }
  }
  return out + '"';
}

// Runs the input as it is and as wrap(input).
template <class Wrap>
int fuzzEnvelope(const std::uint8_t* data, std::size_t size, Wrap wrap) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  decodeEveryWay(input);
  decodeEveryWay(wrap(input));
  return 0;
}

}  // namespace trailwall::fuzz
