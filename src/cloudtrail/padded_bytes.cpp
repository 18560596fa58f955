#include "cloudtrail/padded_bytes.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <utility>

namespace trailwall::cloudtrail {
namespace {

void releaseArray(void* owner, char*, std::size_t) {
  delete[] static_cast<char*>(owner);
}

void releaseString(void* owner, char*, std::size_t) {
  delete static_cast<std::string*>(owner);
}

}  // namespace

PaddedBytes::PaddedBytes(std::string_view bytes) {
  resize(bytes.size());
  if (!bytes.empty()) {
    std::memcpy(data_, bytes.data(), bytes.size());
  }
}

PaddedBytes PaddedBytes::adopt(char* data, std::size_t size, std::size_t capacity, void* owner,
                               Release release) {
  PaddedBytes bytes;
  bytes.data_ = data;
  bytes.size_ = size;
  bytes.capacity_ = capacity;
  bytes.owner_ = owner;
  bytes.release_ = release;
  return bytes;
}

PaddedBytes PaddedBytes::fromString(std::string&& bytes) {
  const std::size_t size = bytes.size();
  if (bytes.capacity() < size + kPadding) {
    PaddedBytes copy{std::string_view(bytes)};
    bytes = std::string();
    return copy;
  }
  bytes.resize(size + kPadding, '\0');  // within the capacity: no reallocation
  auto owner = std::make_unique<std::string>(std::move(bytes));
  char* data = owner->data();
  return adopt(data, size, size, owner.release(), &releaseString);
}

PaddedBytes::PaddedBytes(PaddedBytes&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)),
      size_(std::exchange(other.size_, 0)),
      capacity_(std::exchange(other.capacity_, 0)),
      owner_(std::exchange(other.owner_, nullptr)),
      release_(std::exchange(other.release_, nullptr)) {}

PaddedBytes& PaddedBytes::operator=(PaddedBytes&& other) noexcept {
  if (this != &other) {
    reset();
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
    capacity_ = std::exchange(other.capacity_, 0);
    owner_ = std::exchange(other.owner_, nullptr);
    release_ = std::exchange(other.release_, nullptr);
  }
  return *this;
}

PaddedBytes::~PaddedBytes() {
  reset();
}

void PaddedBytes::reset() {
  if (release_ != nullptr) {
    release_(owner_, data_, capacity_);
  }
  data_ = nullptr;
  size_ = 0;
  capacity_ = 0;
  owner_ = nullptr;
  release_ = nullptr;
}

void PaddedBytes::reserve(std::size_t capacity) {
  if (data_ != nullptr && capacity <= capacity_) {
    return;
  }
  // Uninitialised on purpose: inputs are large and get overwritten.
  char* grown = new char[capacity + kPadding];
  if (size_ > 0) {
    std::memcpy(grown, data_, size_);
  }
  std::memset(grown + size_, 0, kPadding);
  const std::size_t size = size_;
  reset();
  data_ = grown;
  size_ = size;
  capacity_ = capacity;
  owner_ = grown;
  release_ = &releaseArray;
}

void PaddedBytes::resize(std::size_t size) {
  if (data_ == nullptr || size > capacity_) {
    reserve(std::max(size, capacity_ + capacity_ / 2));
  }
  size_ = size;
  // The parser reads the padding; zeroed, it never sees indeterminate bytes.
  std::memset(data_ + size_, 0, kPadding);
}

}  // namespace trailwall::cloudtrail
