#include "cloudtrail/byte_source.h"

#include <algorithm>
#include <cstring>

namespace trailwall::cloudtrail {

Result<std::size_t> MemorySource::read(char* out, std::size_t size) {
  const std::size_t n = std::min(size, bytes_.size());
  if (n > 0) {
    std::memcpy(out, bytes_.data(), n);
    bytes_.remove_prefix(n);
  }
  return n;
}

Result<std::string_view> PeekedSource::peek() {
  while (size_ < head_.size() && replayed_ == 0) {
    auto got = source_.read(head_.data() + size_, head_.size() - size_);
    if (!got) return std::unexpected(got.error());
    if (*got == 0) break;
    size_ += *got;
  }
  return std::string_view(head_.data(), size_);
}

Result<std::size_t> PeekedSource::read(char* out, std::size_t size) {
  if (replayed_ < size_ && size > 0) {
    const std::size_t n = std::min(size, size_ - replayed_);
    std::memcpy(out, head_.data() + replayed_, n);
    replayed_ += n;
    return n;
  }
  return source_.read(out, size);
}

}  // namespace trailwall::cloudtrail
