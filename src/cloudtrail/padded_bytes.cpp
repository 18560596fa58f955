#include "cloudtrail/padded_bytes.h"

#include <algorithm>
#include <cstring>

namespace trailwall::cloudtrail {

PaddedBytes::PaddedBytes(std::string_view bytes) {
  resize(bytes.size());
  if (!bytes.empty()) {
    std::memcpy(data_.get(), bytes.data(), bytes.size());
  }
}

void PaddedBytes::reserve(std::size_t capacity) {
  if (data_ && capacity <= capacity_) {
    return;
  }
  // Uninitialised on purpose: inputs are large and get overwritten.
  auto grown = std::make_unique_for_overwrite<char[]>(capacity + kPadding);
  if (size_ > 0) {
    std::memcpy(grown.get(), data_.get(), size_);
  }
  std::memset(grown.get() + size_, 0, kPadding);
  data_ = std::move(grown);
  capacity_ = capacity;
}

void PaddedBytes::resize(std::size_t size) {
  if (!data_ || size > capacity_) {
    reserve(std::max(size, capacity_ + capacity_ / 2));
  }
  size_ = size;
  // The parser reads the padding; zeroed, it never sees indeterminate bytes.
  std::memset(data_.get() + size_, 0, kPadding);
}

}  // namespace trailwall::cloudtrail
