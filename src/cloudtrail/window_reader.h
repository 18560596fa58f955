#pragma once
// The bytes of one input as the decoder walks it, a window at a time (internal to the decoder):
// either bytes already in memory (all there, nothing more to read), or a stream read into a
// buffer the decoder reuses, where `fill` drops the bytes already decoded before reading more, so
// memory stays at a few windows however long the input is.

#include <cstddef>
#include <optional>
#include <string_view>

#include "cloudtrail/byte_source.h"
#include "cloudtrail/padded_bytes.h"
#include "common/error.h"

namespace trailwall::cloudtrail {

class WindowReader {
 public:
  // Over bytes in memory, which the decoder may write into (and restores).
  explicit WindowReader(PaddedBytes& bytes);
  // Reads `source` into `buffer`, at most `limit` bytes in all.
  WindowReader(ByteSource& source, PaddedBytes& buffer, std::size_t limit);

  [[nodiscard]] char* data() { return bytes_->data(); }
  [[nodiscard]] std::size_t size() const { return size_; }
  [[nodiscard]] std::string_view view() const { return {bytes_->data(), size_}; }
  [[nodiscard]] const char* paddedEnd() const { return bytes_->paddedEnd(); }
  // No more bytes will come (the input ended, failed, or passed the limit).
  [[nodiscard]] bool ended() const { return ended_; }
  // Bytes of the input before data()[0] (dropped by fill).
  [[nodiscard]] std::size_t dropped() const { return dropped_; }

  // Why the input ended early, if it did. With cutShort() the bytes before are good (a cut or
  // corrupt gzip stream); otherwise the input is to be rejected (a read error, over the limit).
  [[nodiscard]] const std::optional<Error>& error() const { return error_; }
  [[nodiscard]] bool cutShort() const { return cut_short_; }

  // Drops the bytes before `keep` (what follows moves down by `keep`), then reads until `want`
  // bytes follow or the input ends. In memory: nothing to drop or read.
  void fill(std::size_t keep, std::size_t want);

 private:
  PaddedBytes* bytes_;
  ByteSource* source_ = nullptr;
  std::size_t size_ = 0;
  std::size_t limit_ = 0;
  std::size_t read_ = 0;  // bytes read from the source so far
  std::size_t dropped_ = 0;
  bool ended_ = true;
  bool cut_short_ = false;
  std::optional<Error> error_;
};

// "1 MiB (1048576 bytes)", "1000 bytes": a size as a person reads it.
[[nodiscard]] std::string describeSize(std::size_t bytes);

}  // namespace trailwall::cloudtrail
