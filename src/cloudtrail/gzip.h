#pragma once
// gzip (RFC 1952) inflation for CloudTrail log files as S3 stores them: streamed, so a log file is
// decoded while it inflates and never held inflated as a whole.

#include <cstddef>
#include <memory>
#include <optional>
#include <string_view>

#include "cloudtrail/byte_source.h"
#include "cloudtrail/padded_bytes.h"
#include "common/error.h"

namespace trailwall::cloudtrail {

[[nodiscard]] bool isGzip(std::string_view bytes);

// The inflated bytes of every member of a gzip stream (concatenated members are one stream, as
// gzip(1) reads them; zero padding after the last member is allowed). Errors: corrupt data, a
// stream cut short, a wrong checksum, trailing garbage; each ends the stream with cutShort() set,
// the bytes before the fault having been delivered. ISA-L's igzip does the work.
class GzipSource final : public ByteSource {
 public:
  // Inflates bytes in memory (not copied; they must outlive the source).
  explicit GzipSource(std::string_view compressed);
  // Inflates what `compressed` yields, read in chunks.
  explicit GzipSource(ByteSource& compressed);
  ~GzipSource() override;
  GzipSource(const GzipSource&) = delete;
  GzipSource& operator=(const GzipSource&) = delete;

  [[nodiscard]] Result<std::size_t> read(char* out, std::size_t size) override;
  [[nodiscard]] bool cutShort() const override;
  [[nodiscard]] bool inflated() const override { return true; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

struct Inflated {
  PaddedBytes bytes;
  // Set when the stream is corrupt, cut short or too large; `bytes` then holds what inflated
  // before the fault (at most `max_size` bytes).
  std::optional<Error> error;
};

// Inflates a whole gzip stream held in memory, at most `max_size` bytes of output.
[[nodiscard]] Inflated gunzip(std::string_view gz, std::size_t max_size);

}  // namespace trailwall::cloudtrail
