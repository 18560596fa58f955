#include "cloudtrail/gzip.h"

#include <libdeflate.h>
#include <zlib.h>

#include <algorithm>
#include <climits>
#include <memory>
#include <string>

#include <fmt/format.h>

namespace trailwall::cloudtrail {
namespace {

constexpr std::size_t kMinCapacity = 4096;

struct DecompressorDeleter {
  void operator()(libdeflate_decompressor* d) const { libdeflate_free_decompressor(d); }
};

// Output of one inflation: the buffer holds `size` valid bytes; capacity grows up to max_size.
struct Sink {
  PaddedBytes& bytes;
  std::size_t size = 0;
  std::size_t max_size = 0;

  [[nodiscard]] std::size_t room() const { return bytes.capacity() - size; }
  // Doubles the capacity (bounded by max_size); false when it cannot grow.
  bool grow() {
    if (bytes.capacity() >= max_size) {
      return false;
    }
    bytes.resize(size);  // reserve() keeps size() bytes
    bytes.reserve(std::min(max_size, std::max(kMinCapacity, bytes.capacity() * 2)));
    return true;
  }
};

bool allZero(std::string_view bytes) {
  return std::all_of(bytes.begin(), bytes.end(), [](char c) { return c == 0; });
}

// What follows a complete member: another member, zero padding (some writers pad to a block), or
// garbage, which gzip(1) also reports.
std::optional<Error> checkTrailer(std::string_view rest) {
  if (rest.empty() || isGzip(rest) || allZero(rest)) {
    return std::nullopt;
  }
  return Error{
      ErrorCode::InvalidInput,
      fmt::format("gzip: {} bytes of trailing garbage after the compressed data", rest.size())};
}

Error tooLarge(std::size_t max_size) {
  return Error{ErrorCode::InvalidInput,
               fmt::format("gzip: inflates to more than the limit of {} bytes", max_size)};
}

// zlib's streaming inflater keeps what it produced before a fault, which libdeflate's whole-member
// API cannot; used from the first member libdeflate rejects to the end of the stream.
std::optional<Error> inflateWithZlib(std::string_view gz, Sink& sink) {
  z_stream zs{};
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) {
    return Error{ErrorCode::Internal, "gzip: zlib initialisation failed"};
  }
  std::optional<Error> error;
  std::size_t in_pos = 0;
  while (true) {
    if (sink.room() == 0 && !sink.grow()) {
      error = tooLarge(sink.max_size);
      break;
    }
    const std::size_t in_chunk = std::min<std::size_t>(gz.size() - in_pos, UINT_MAX);
    const std::size_t out_chunk = std::min<std::size_t>(sink.room(), UINT_MAX);
    // zlib's API is not const-correct; it never writes through next_in.
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gz.data() + in_pos));
    zs.avail_in = static_cast<uInt>(in_chunk);
    zs.next_out = reinterpret_cast<Bytef*>(sink.bytes.data() + sink.size);
    zs.avail_out = static_cast<uInt>(out_chunk);
    const int rc = inflate(&zs, Z_NO_FLUSH);
    in_pos += in_chunk - zs.avail_in;
    sink.size += out_chunk - zs.avail_out;
    if (rc == Z_STREAM_END) {
      const std::string_view rest = gz.substr(in_pos);
      if (!rest.empty() && isGzip(rest)) {
        inflateReset(&zs);
        continue;
      }
      error = checkTrailer(rest);
      break;
    }
    if (rc == Z_OK) {
      continue;
    }
    if (rc == Z_BUF_ERROR && zs.avail_in == 0 && in_pos == gz.size()) {
      error = Error{ErrorCode::InvalidInput,
                    fmt::format("gzip: the compressed data is cut short (after {} inflated bytes)",
                                sink.size)};
      break;
    }
    if (rc == Z_BUF_ERROR) {
      continue;  // out of output room: the loop grows the sink
    }
    error = Error{ErrorCode::InvalidInput,
                  fmt::format("gzip: corrupt data after {} inflated bytes ({})", sink.size,
                              zs.msg != nullptr ? zs.msg : "zlib error " + std::to_string(rc))};
    break;
  }
  inflateEnd(&zs);
  return error;
}

}  // namespace

bool isGzip(std::string_view bytes) {
  return bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == 0x1f &&
         static_cast<unsigned char>(bytes[1]) == 0x8b;
}

Inflated gunzip(std::string_view gz, std::size_t max_size) {
  Inflated out;
  // The trailer's ISIZE is the last member's size mod 2^32: exact for the usual single member.
  std::size_t hint = 0;
  if (gz.size() >= 18) {
    const auto* tail = reinterpret_cast<const unsigned char*>(gz.data() + gz.size() - 4);
    hint = std::size_t{tail[0]} | std::size_t{tail[1]} << 8 | std::size_t{tail[2]} << 16 |
           std::size_t{tail[3]} << 24;
  }
  out.bytes.reserve(std::min(max_size, std::max({hint, gz.size() * 2, kMinCapacity})));
  Sink sink{out.bytes, 0, max_size};

  std::unique_ptr<libdeflate_decompressor, DecompressorDeleter> decompressor(
      libdeflate_alloc_decompressor());
  if (!decompressor) {
    out.error = Error{ErrorCode::Internal, "gzip: out of memory"};
    return out;
  }
  std::size_t in_pos = 0;
  while (in_pos < gz.size()) {
    std::size_t in_used = 0;
    std::size_t out_used = 0;
    const libdeflate_result rc = libdeflate_gzip_decompress_ex(
        decompressor.get(), gz.data() + in_pos, gz.size() - in_pos, sink.bytes.data() + sink.size,
        sink.room(), &in_used, &out_used);
    if (rc == LIBDEFLATE_SUCCESS) {
      sink.size += out_used;
      in_pos += in_used;
      const std::string_view rest = gz.substr(in_pos);
      if (!rest.empty() && !isGzip(rest)) {
        out.error = checkTrailer(rest);
        break;
      }
      continue;
    }
    if (rc == LIBDEFLATE_INSUFFICIENT_SPACE && sink.grow()) {
      continue;  // inflate this member again into the larger buffer
    }
    out.error = inflateWithZlib(gz.substr(in_pos), sink);
    break;
  }
  out.bytes.resize(sink.size);
  return out;
}

}  // namespace trailwall::cloudtrail
