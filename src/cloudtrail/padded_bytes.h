#pragma once
// Input bytes followed by kPadding spare readable bytes, which the SIMD JSON parser reads past
// the end. Reading a file or a stream straight into one spares a copy of the whole input; a file
// mapping or a received string can be adopted without any copy.

#include <cstddef>
#include <string>
#include <string_view>

namespace trailwall::cloudtrail {

class PaddedBytes {
 public:
  static constexpr std::size_t kPadding = 64;
  // Frees what adopted bytes live in (unmaps a file, deletes a string).
  using Release = void (*)(void* owner, char* data, std::size_t capacity);

  PaddedBytes() = default;
  // A copy of `bytes`.
  explicit PaddedBytes(std::string_view bytes);
  // Bytes that live elsewhere: `data` holds `size` bytes followed by at least
  // `capacity - size + kPadding` readable and writable bytes, the first kPadding of them zero;
  // `release(owner, data, capacity)` runs when this object lets go of them.
  static PaddedBytes adopt(char* data, std::size_t size, std::size_t capacity, void* owner,
                           Release release);
  // The string's bytes, without a copy when it can grow by the padding in place.
  static PaddedBytes fromString(std::string&& bytes);

  PaddedBytes(PaddedBytes&& other) noexcept;
  PaddedBytes& operator=(PaddedBytes&& other) noexcept;
  PaddedBytes(const PaddedBytes&) = delete;
  PaddedBytes& operator=(const PaddedBytes&) = delete;
  ~PaddedBytes();

  [[nodiscard]] char* data() { return data_; }
  [[nodiscard]] const char* data() const { return data_; }
  [[nodiscard]] std::size_t size() const { return size_; }
  [[nodiscard]] bool empty() const { return size_ == 0; }
  [[nodiscard]] std::size_t capacity() const { return capacity_; }
  [[nodiscard]] std::string_view view() const { return {data_, size_}; }
  // One past the last readable byte (the end of the padding).
  [[nodiscard]] const char* paddedEnd() const { return data_ + capacity_ + kPadding; }

  // Makes room for `capacity` bytes (plus padding), keeping the content.
  void reserve(std::size_t capacity);
  // Sets the size, growing the capacity if needed; new bytes are uninitialised (to be written).
  void resize(std::size_t size);

 private:
  void reset();

  char* data_ = nullptr;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;  // usable bytes; the allocation is capacity_ + kPadding
  void* owner_ = nullptr;
  Release release_ = nullptr;
};

}  // namespace trailwall::cloudtrail
