#include "cloudtrail/window_reader.h"

#include <algorithm>
#include <cstring>
#include <string>

#include <fmt/format.h>

namespace trailwall::cloudtrail {
namespace {

constexpr std::size_t kMinCapacity = std::size_t{64} << 10;

}  // namespace

WindowReader::WindowReader(PaddedBytes& bytes) : bytes_(&bytes), size_(bytes.size()) {}

WindowReader::WindowReader(ByteSource& source, PaddedBytes& buffer, std::size_t limit)
    : bytes_(&buffer), source_(&source), limit_(limit), ended_(false) {}

void WindowReader::fill(std::size_t keep, std::size_t want) {
  if (source_ == nullptr) {
    return;
  }
  keep = std::min(keep, size_);
  if (keep > 0) {
    std::memmove(bytes_->data(), bytes_->data() + keep, size_ - keep);
    size_ -= keep;
    dropped_ += keep;
  }
  while (!ended_ && size_ < want) {
    if (bytes_->data() == nullptr || size_ == bytes_->capacity()) {
      // Grows as bytes arrive, not by what is wanted: an input may end well before.
      bytes_->resize(size_);  // reserve keeps size() bytes
      bytes_->reserve(std::max(kMinCapacity, std::min(want, bytes_->capacity() * 2)));
    }
    // One byte past the limit tells an input of exactly `limit` bytes from a longer one.
    const std::size_t allowed = limit_ + 1 - read_;
    const std::size_t room = std::min(bytes_->capacity() - size_, allowed);
    auto got = source_->read(bytes_->data() + size_, room);
    if (!got) {
      error_ = got.error();
      cut_short_ = source_->cutShort();
      ended_ = true;
      break;
    }
    size_ += *got;
    read_ += *got;
    if (*got == 0) {
      ended_ = true;
    } else if (read_ > limit_) {
      error_ =
          Error{ErrorCode::InvalidInput,
                fmt::format("{} the input size limit of {}",
                            source_->inflated() ? "gzip: inflates to more than" : "larger than",
                            describeSize(limit_))};
      ended_ = true;
    }
  }
  if (bytes_->data() == nullptr) {
    bytes_->reserve(0);
  }
  // The parser may read the padding after the last byte: never stale or indeterminate bytes.
  std::memset(bytes_->data() + size_, 0, PaddedBytes::kPadding);
}

std::string describeSize(std::size_t bytes) {
  constexpr std::pair<std::size_t, const char*> kUnits[] = {
      {std::size_t{1} << 30, "GiB"}, {std::size_t{1} << 20, "MiB"}, {std::size_t{1} << 10, "KiB"}};
  for (const auto& [unit, name] : kUnits) {
    if (bytes >= unit && bytes % unit == 0) {
      return fmt::format("{} {} ({} bytes)", bytes / unit, name, bytes);
    }
  }
  return fmt::format("{} bytes", bytes);
}

}  // namespace trailwall::cloudtrail
