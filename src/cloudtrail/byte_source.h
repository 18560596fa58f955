#pragma once
// A stream of input bytes read in order: a file or pipe (implemented by the front end, which owns
// files), bytes already in memory, or a gzip inflater over another source. The decoder reads log
// files through it a window at a time, so memory stays bounded whatever the input's size.

#include <array>
#include <cstddef>
#include <string_view>

#include "common/error.h"

namespace trailwall::cloudtrail {

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Up to `size` bytes into `out` (at least one unless the stream has ended); 0 = the end.
  // An error ends the stream; its message need not name the input (the caller adds that).
  [[nodiscard]] virtual Result<std::size_t> read(char* out, std::size_t size) = 0;
  // Set once an error means the bytes ended early (a cut or corrupt gzip stream): what came
  // before is good and may still be decoded. Otherwise an error rejects the whole input.
  [[nodiscard]] virtual bool cutShort() const { return false; }
  // True when the bytes are inflated from gzip (the size limit then counts inflated bytes).
  [[nodiscard]] virtual bool inflated() const { return false; }
};

// Bytes already in memory (not copied; they must outlive the source).
class MemorySource final : public ByteSource {
 public:
  explicit MemorySource(std::string_view bytes) : bytes_(bytes) {}
  [[nodiscard]] Result<std::size_t> read(char* out, std::size_t size) override;

 private:
  std::string_view bytes_;
};

// Replays the first bytes of a stream, read to tell gzip from JSON.
class PeekedSource final : public ByteSource {
 public:
  explicit PeekedSource(ByteSource& source) : source_(source) {}

  // The first two bytes (fewer when the stream is shorter), read once.
  [[nodiscard]] Result<std::string_view> peek();
  [[nodiscard]] Result<std::size_t> read(char* out, std::size_t size) override;
  [[nodiscard]] bool cutShort() const override { return source_.cutShort(); }
  [[nodiscard]] bool inflated() const override { return source_.inflated(); }

 private:
  ByteSource& source_;
  std::array<char, 2> head_{};
  std::size_t size_ = 0;
  std::size_t replayed_ = 0;
};

}  // namespace trailwall::cloudtrail
