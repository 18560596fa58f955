#include "cloudtrail/gzip.h"

#include <isa-l/igzip_lib.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <memory>
#include <string>

#include <fmt/format.h>

namespace trailwall::cloudtrail {
namespace {

constexpr std::size_t kInputChunk = std::size_t{256} << 10;  // compressed bytes per read
constexpr std::size_t kMaxStep = std::size_t{1} << 30;       // igzip counts in 32 bits

std::string_view isalMessage(int rc) {
  switch (rc) {
    case ISAL_INVALID_BLOCK: return "invalid block";
    case ISAL_INVALID_SYMBOL: return "invalid symbol";
    case ISAL_INVALID_LOOKBACK: return "invalid distance";
    case ISAL_INVALID_WRAPPER: return "invalid gzip header";
    case ISAL_UNSUPPORTED_METHOD: return "unsupported compression method";
    case ISAL_INCORRECT_CHECKSUM: return "checksum mismatch";
    case ISAL_NEED_DICT: return "needs a preset dictionary";
    default: return "inflate error";
  }
}

}  // namespace

bool isGzip(std::string_view bytes) {
  return bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == 0x1f &&
         static_cast<unsigned char>(bytes[1]) == 0x8b;
}

struct GzipSource::Impl {
  inflate_state state{};
  // Compressed input: a view of memory, or chunks read from `source` into `chunk`.
  std::string_view memory;
  ByteSource* source = nullptr;
  std::unique_ptr<char[]> chunk;  // kInputChunk bytes, uninitialised until read into
  std::string_view pending;       // compressed bytes not yet given to igzip
  bool source_ended = false;
  std::size_t consumed = 0;  // compressed bytes igzip has taken, for messages
  std::size_t inflated = 0;
  bool finished = false;
  bool cut_short = false;
  std::optional<Error> error;  // reported once the bytes before it have been delivered

  Impl() {
    isal_inflate_init(&state);
    state.crc_flag = ISAL_GZIP;
  }

  // Makes `pending` hold at least `want` bytes unless the input ends first. False on a read
  // error (stored).
  bool refill(std::size_t want) {
    if (source == nullptr) {
      if (pending.empty() && !memory.empty()) {
        pending = memory;
        memory = {};
      }
      source_ended = memory.empty();
      return true;
    }
    while (pending.size() < want && !source_ended) {
      const std::size_t kept = pending.size();
      if (kept > 0) {
        std::memmove(chunk.get(), pending.data(), kept);  // pending lies inside chunk
      }
      auto got = source->read(chunk.get() + kept, kInputChunk - kept);
      if (!got) {
        error = got.error();
        return false;
      }
      source_ended = *got == 0;
      pending = std::string_view(chunk.get(), kept + *got);
    }
    return true;
  }

  void take(std::size_t n) {
    pending.remove_prefix(n);
    consumed += n;
  }

  void fault(std::string message) {
    error = Error{ErrorCode::InvalidInput, "gzip: " + std::move(message)};
    cut_short = true;
  }

  // After a member: another member, zero padding (some writers pad to a block), or garbage,
  // which gzip(1) also reports. True when another member starts.
  bool nextMember() {
    while (true) {
      if (!refill(2)) return false;
      if (pending.empty()) {
        finished = true;
        return false;
      }
      if (isGzip(pending)) {
        isal_inflate_reset(&state);
        state.crc_flag = ISAL_GZIP;
        return true;
      }
      const auto nonzero = pending.find_first_not_of('\0');
      if (nonzero == std::string_view::npos) {
        take(pending.size());
        continue;
      }
      if (nonzero == 0 && pending.size() == 1 && !source_ended) {
        continue;  // one byte of a possible next member: read its second byte
      }
      fault(fmt::format("trailing garbage after the compressed data (at byte {})",
                        consumed + nonzero));
      return false;
    }
  }

  Result<std::size_t> read(char* out, std::size_t size) {
    std::size_t produced = 0;
    while (produced < size && !finished && !error) {
      if (state.block_state == ISAL_BLOCK_FINISH) {
        if (!nextMember()) break;
      }
      if (pending.empty() && !refill(1)) break;
      const std::size_t in = std::min(pending.size(), kMaxStep);
      const std::size_t room = std::min(size - produced, kMaxStep);
      state.next_in = reinterpret_cast<std::uint8_t*>(const_cast<char*>(pending.data()));
      state.avail_in = static_cast<std::uint32_t>(in);
      state.next_out = reinterpret_cast<std::uint8_t*>(out + produced);
      state.avail_out = static_cast<std::uint32_t>(room);
      const int rc = isal_inflate(&state);
      take(in - state.avail_in);
      produced += room - state.avail_out;
      inflated += room - state.avail_out;
      if (rc < 0) {
        fault(fmt::format("corrupt data after {} inflated bytes ({})", inflated, isalMessage(rc)));
        break;
      }
      if (state.block_state != ISAL_BLOCK_FINISH && state.avail_out > 0 && pending.empty() &&
          source_ended) {
        fault(fmt::format("the compressed data is cut short (after {} inflated bytes)", inflated));
        break;
      }
    }
    if (produced > 0) {
      return produced;  // an error comes with the next call
    }
    if (error) {
      return std::unexpected(*error);
    }
    return std::size_t{0};
  }
};

GzipSource::GzipSource(std::string_view compressed) : impl_(std::make_unique<Impl>()) {
  impl_->memory = compressed;
}

GzipSource::GzipSource(ByteSource& compressed) : impl_(std::make_unique<Impl>()) {
  impl_->source = &compressed;
  impl_->chunk = std::make_unique_for_overwrite<char[]>(kInputChunk);
}

GzipSource::~GzipSource() = default;

Result<std::size_t> GzipSource::read(char* out, std::size_t size) {
  return impl_->read(out, size);
}

bool GzipSource::cutShort() const {
  return impl_->cut_short;
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
  out.bytes.reserve(std::min(max_size, std::max({hint, gz.size() * 2, std::size_t{4096}})) + 1);
  GzipSource source(gz);
  std::size_t size = 0;
  while (true) {
    if (size == out.bytes.capacity()) {
      out.bytes.resize(size);
      out.bytes.reserve(std::min(max_size + 1, size * 2));
    }
    auto got = source.read(out.bytes.data() + size, out.bytes.capacity() - size);
    if (!got) {
      out.error = got.error();
      break;
    }
    if (*got == 0) break;
    size += *got;
    if (size > max_size) {
      size = max_size;
      out.error = Error{ErrorCode::InvalidInput,
                        fmt::format("gzip: inflates to more than the limit of {} bytes", max_size)};
      break;
    }
  }
  out.bytes.resize(size);
  return out;
}

}  // namespace trailwall::cloudtrail
