#pragma once
// gzip (RFC 1952) inflation for CloudTrail log files as S3 stores them.

#include <cstddef>
#include <optional>
#include <string_view>

#include "cloudtrail/padded_bytes.h"
#include "common/error.h"

namespace trailwall::cloudtrail {

[[nodiscard]] bool isGzip(std::string_view bytes);

struct Inflated {
  PaddedBytes bytes;
  // Set when the stream is corrupt, cut short or too large; `bytes` then holds what inflated
  // before the fault, so the caller can still decode the records it contains.
  std::optional<Error> error;
};

// Inflates every member of a gzip stream (concatenated members are one stream, as gzip(1) reads
// them), at most `max_size` bytes of output. libdeflate does the work; a member it rejects is
// inflated again with zlib's streaming inflater to recover the bytes before the fault.
[[nodiscard]] Inflated gunzip(std::string_view gz, std::size_t max_size);

}  // namespace trailwall::cloudtrail
