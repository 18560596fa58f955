#pragma once
// Helpers shared by the cloudtrail tests: reading test data, making gzip members.

#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include "cloudtrail/byte_source.h"
#include "support/files.h"

namespace trailwall::cloudtrail::testing {

// tests/data/cloudtrail and shared/reference/cloudtrail.
inline std::filesystem::path cloudTrailData() {
  return std::filesystem::path(TRAILWALL_TEST_DATA_DIR) / "cloudtrail";
}
inline std::filesystem::path referenceSamples() {
  return std::filesystem::path(TRAILWALL_SHARED_DIR) / "reference" / "cloudtrail";
}

using ::trailwall::test::readFile;

// A log file whose records are ignored for every reason the decoder has, and some it keeps.
inline std::string mixedLog() {
  return readFile(cloudTrailData() / "cases" / "logfile-mixed-reasons.json");
}

// One gzip member (RFC 1952) holding `data`, as gzip(1) writes it.
inline std::string gzipMember(const std::string& data) {
  z_stream zs{};
  if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) !=
      Z_OK) {
    throw std::runtime_error("deflateInit2");
  }
  std::string out(deflateBound(&zs, static_cast<uLong>(data.size())) + 64, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) {
    throw std::runtime_error("deflate");
  }
  return out;
}

// A stream that yields at most `chunk` bytes per read (a pipe delivering in pieces).
class ChunkedSource final : public ByteSource {
 public:
  ChunkedSource(std::string_view bytes, std::size_t chunk) : bytes_(bytes), chunk_(chunk) {}
  Result<std::size_t> read(char* out, std::size_t size) override {
    const std::size_t n = std::min({size, chunk_, bytes_.size()});
    std::memcpy(out, bytes_.data(), n);
    bytes_.remove_prefix(n);
    return n;
  }

 private:
  std::string_view bytes_;
  std::size_t chunk_;
};

}  // namespace trailwall::cloudtrail::testing
