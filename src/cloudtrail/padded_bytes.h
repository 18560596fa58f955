#pragma once
// Input bytes followed by kPadding spare readable bytes, which the SIMD JSON parser reads past
// the end. Reading a file or a stream straight into one spares a copy of the whole input.

#include <cstddef>
#include <memory>
#include <string_view>

namespace trailwall::cloudtrail {

class PaddedBytes {
 public:
  static constexpr std::size_t kPadding = 64;

  PaddedBytes() = default;
  // A copy of `bytes`.
  explicit PaddedBytes(std::string_view bytes);

  [[nodiscard]] char* data() { return data_.get(); }
  [[nodiscard]] const char* data() const { return data_.get(); }
  [[nodiscard]] std::size_t size() const { return size_; }
  [[nodiscard]] bool empty() const { return size_ == 0; }
  [[nodiscard]] std::size_t capacity() const { return capacity_; }
  [[nodiscard]] std::string_view view() const { return {data_.get(), size_}; }

  // Makes room for `capacity` bytes (plus padding), keeping the content.
  void reserve(std::size_t capacity);
  // Sets the size, growing the capacity if needed; new bytes are uninitialised (to be written).
  void resize(std::size_t size);

 private:
  std::unique_ptr<char[]> data_;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;  // usable bytes; the allocation is capacity_ + kPadding
};

}  // namespace trailwall::cloudtrail
