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

}  // namespace trailwall::cloudtrail
