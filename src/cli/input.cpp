#include "cli/input.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>

#include <fmt/format.h>

#include "cli/runtime.h"
#include "cloudtrail/window_reader.h"
#include "config/config.h"
#include "inventory/inventory_json.h"

namespace trailwall::cli {
namespace {

using cloudtrail::PaddedBytes;

std::size_t pageSize() {
  static const auto size = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  return size;
}

std::size_t roundUp(std::size_t n, std::size_t to) {
  return (n + to - 1) / to * to;
}

std::string errnoText(int error) {
  return std::strerror(error);
}

std::string overLimit(std::string_view name, std::size_t limit) {
  return fmt::format("{}: larger than the input size limit of {}", name,
                     cloudtrail::describeSize(limit));
}

// A file mapping whose page table a thread fills ahead of the decoder, a few MiB at a time, so
// the decoder neither waits for all of it first (MAP_POPULATE) nor takes a fault per 64 KiB. A
// file of one step or less is filled at once: a thread would cost more than it saves.
struct Mapping {
  static constexpr std::size_t kStep = std::size_t{4} << 20;
  char* base = nullptr;
  std::size_t length = 0;
  std::jthread filler;

  Mapping(char* mapped, std::size_t mapped_length, std::size_t size)
      : base(mapped), length(mapped_length) {
    if (size <= kStep) {
      madvise(base, roundUp(size, pageSize()), MADV_POPULATE_READ);  // else: the decoder faults
      return;
    }
    filler = std::jthread([this, size](const std::stop_token& stop) {
      for (std::size_t at = 0; at < size && !stop.stop_requested(); at += kStep) {
        if (madvise(base + at, std::min(kStep, roundUp(size, pageSize()) - at),
                    MADV_POPULATE_READ) != 0) {
          return;  // an older kernel: the decoder's page faults fill it instead
        }
      }
    });
  }
  ~Mapping() {
    filler.request_stop();
    if (filler.joinable()) filler.join();
    munmap(base, length);
  }
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;
};

void releaseMapping(void* owner, char*, std::size_t) {
  delete static_cast<Mapping*>(owner);
}

// `size` bytes of the file, then zeros (the padding). The mapping is private: the decoder's
// writes (two bytes per window) copy only the pages they touch.
Result<PaddedBytes> mapFile(int fd, std::size_t size, std::string_view path) {
  const std::size_t length = roundUp(size + PaddedBytes::kPadding, pageSize());
  void* base = mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (base == MAP_FAILED) {
    return fail(ErrorCode::Io, fmt::format("cannot map {}: {}", path, errnoText(errno)));
  }
  if (mmap(base, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, fd, 0) == MAP_FAILED) {
    const int error = errno;
    munmap(base, length);
    return fail(ErrorCode::Io, fmt::format("cannot map {}: {}", path, errnoText(error)));
  }
  madvise(base, size, MADV_SEQUENTIAL);
  auto* mapping = new Mapping(static_cast<char*>(base), length, size);
  return PaddedBytes::adopt(mapping->base, size, size, mapping, &releaseMapping);
}

}  // namespace

InputLimits inputLimits(const config::Config& config) {
  InputLimits limits;
  limits.max_size = config.aws.max_input_mib << 20;
  return limits;
}

std::string inputName(std::string_view path) {
  return path == "-" ? "stdin" : std::string(path);
}

Result<std::unique_ptr<FileSource>> FileSource::open(const std::string& path,
                                                     const InputLimits& limits) {
  const bool is_stdin = path == "-";
  // Non-blocking only for the open itself: a FIFO without a writer would block it.
  const int fd = is_stdin ? STDIN_FILENO : ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    return fail(ErrorCode::Io, fmt::format("cannot open {}: {}", path, errnoText(errno)));
  }
  struct stat st {};
  if (fstat(fd, &st) != 0 || (!is_stdin && fcntl(fd, F_SETFL, 0) != 0)) {
    const int error = errno;
    if (!is_stdin) ::close(fd);
    return fail(ErrorCode::Io, fmt::format("cannot open {}: {}", path, errnoText(error)));
  }
  if (S_ISDIR(st.st_mode)) {
    if (!is_stdin) ::close(fd);
    return fail(ErrorCode::InvalidInput,
                fmt::format("{}: is a directory; name the log files in it", inputName(path)));
  }
  // stdin is read as a stream even from a file: another process may have read part of it.
  const bool regular = S_ISREG(st.st_mode) && !is_stdin;
  return std::unique_ptr<FileSource>(
      new FileSource(fd, !is_stdin, regular, regular ? static_cast<std::size_t>(st.st_size) : 0,
                     limits.idle_timeout_ms));
}

FileSource::~FileSource() {
  if (owned_) ::close(fd_);
}

Result<std::size_t> FileSource::read(char* out, std::size_t size) {
  if (!regular_) {
    pollfd waiting{fd_, POLLIN, 0};
    int ready = 0;
    do {
      ready = poll(&waiting, 1, idle_timeout_ms_);
    } while (ready < 0 && errno == EINTR);
    if (ready == 0) {
      return fail(ErrorCode::Timeout,
                  fmt::format("no data for {} s", static_cast<double>(idle_timeout_ms_) / 1000));
    }
  }
  ssize_t got = 0;
  do {
    got = ::read(fd_, out, size);
  } while (got < 0 && errno == EINTR);
  if (got < 0) {
    return fail(ErrorCode::Io, fmt::format("cannot read: {}", errnoText(errno)));
  }
  return static_cast<std::size_t>(got);
}

PipelinedSource::PipelinedSource(cloudtrail::ByteSource& inner, std::size_t chunk,
                                 std::size_t depth)
    : inner_(inner),
      inflated_(inner.inflated()),
      chunk_(std::max<std::size_t>(chunk, 1)),
      depth_(std::max<std::size_t>(depth, 2)) {}

PipelinedSource::~PipelinedSource() {
  worker_.request_stop();
  changed_.notify_all();
}

void PipelinedSource::start() {
  ring_.resize(depth_);
  for (Chunk& c : ring_) c.bytes = std::make_unique_for_overwrite<char[]>(chunk_);
  worker_ = std::jthread([this](const std::stop_token& stop) { produce(stop); });
}

void PipelinedSource::produce(const std::stop_token& stop) {
  std::size_t tail = 0;
  while (true) {
    {
      std::unique_lock lock(mutex_);
      if (!changed_.wait(lock, stop, [this] { return filled_ < ring_.size(); })) return;
    }
    // The slot at `tail` is free: the reader is never in it while filled_ < ring_.size().
    Chunk& chunk = ring_[tail];
    chunk.size = 0;
    std::optional<Error> error;
    bool ended = false;
    while (chunk.size < chunk_ && !stop.stop_requested()) {
      auto got = inner_.read(chunk.bytes.get() + chunk.size, chunk_ - chunk.size);
      if (!got) {
        error = got.error();
        ended = true;
        break;
      }
      if (*got == 0) {
        ended = true;
        break;
      }
      chunk.size += *got;
    }
    std::lock_guard lock(mutex_);
    if (chunk.size > 0) {
      ++filled_;
      tail = (tail + 1) % ring_.size();
    }
    if (ended) {
      ended_ = true;
      error_ = std::move(error);
      cut_short_ = inner_.cutShort();
    }
    changed_.notify_all();
    if (ended || stop.stop_requested()) return;
  }
}

Result<std::size_t> PipelinedSource::read(char* out, std::size_t size) {
  if (!worker_.joinable() && !ended_) {
    if (read_inline_ < chunk_ && size > 0) {
      // No thread yet: nothing else touches the state.
      auto got = inner_.read(out, std::min(size, chunk_ - read_inline_));
      if (!got || *got == 0) {
        ended_ = true;
        cut_short_ = inner_.cutShort();
        if (!got) error_ = got.error();
      } else {
        read_inline_ += *got;
      }
      return got;
    }
    start();
  }
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [this] { return filled_ > 0 || ended_; });
  if (filled_ == 0) {
    if (error_) return std::unexpected(*error_);
    return std::size_t{0};
  }
  Chunk& chunk = ring_[head_];
  lock.unlock();  // the writer never touches a filled chunk
  const std::size_t n = std::min(size, chunk.size - offset_);
  std::memcpy(out, chunk.bytes.get() + offset_, n);
  offset_ += n;
  if (offset_ == chunk.size) {
    lock.lock();
    offset_ = 0;
    head_ = (head_ + 1) % ring_.size();
    --filled_;
    changed_.notify_all();
  }
  return n;
}

bool PipelinedSource::cutShort() const {
  std::lock_guard lock(mutex_);
  return cut_short_;
}

Result<PaddedBytes> readPadded(const std::string& path, const InputLimits& limits) {
  auto source = FileSource::open(path, limits);
  if (!source) return std::unexpected(source.error());
  return readPadded(**source, inputName(path), limits);
}

Result<PaddedBytes> readPadded(FileSource& source, std::string_view name,
                               const InputLimits& limits) {
  if (source.regular()) {
    const std::size_t size = source.fileSize();
    if (size > limits.max_size) {
      return fail(ErrorCode::InvalidInput, overLimit(name, limits.max_size));
    }
    if (size >= limits.map_from) {
      return mapFile(source.fd(), size, name);
    }
    if (lseek(source.fd(), 0, SEEK_SET) != 0) {
      return fail(ErrorCode::Io, fmt::format("cannot read {}: {}", name, errnoText(errno)));
    }
  }
  PaddedBytes bytes;
  std::size_t size = 0;
  bytes.reserve(std::min(limits.max_size + 1,
                         std::max<std::size_t>(source.fileSize() + 1, std::size_t{64} << 10)));
  while (true) {
    if (size == bytes.capacity()) {
      bytes.resize(size);
      bytes.reserve(std::min(limits.max_size + 1, size * 2));
    }
    auto got = source.read(bytes.data() + size, bytes.capacity() - size);
    if (!got) {
      return std::unexpected(got.error().withContext(name));
    }
    if (*got == 0) break;
    size += *got;
    if (size > limits.max_size) {
      return fail(ErrorCode::InvalidInput, overLimit(name, limits.max_size));
    }
  }
  bytes.resize(size);
  return bytes;
}

Result<inventory::Inventory> readInventoryFile(const std::string& path) {
  InputLimits limits;
  limits.max_size = std::numeric_limits<std::size_t>::max() - 1;
  auto bytes = readPadded(path, limits);
  if (!bytes) return std::unexpected(bytes.error());
  auto inv = inventory::parseInventoryJsonPadded(bytes->view());
  if (!inv) return std::unexpected(inv.error().withContext(inputName(path)));
  return std::move(*inv);
}

Result<std::unique_ptr<InventoryFileSource>> InventoryFileSource::open(const std::string& path) {
  auto inv = readInventoryFile(path);
  if (!inv) return std::unexpected(inv.error());
  return std::unique_ptr<InventoryFileSource>(new InventoryFileSource(path, std::move(*inv)));
}

Result<engine::LoadedInventory> InventoryFileSource::load(const engine::Target& /*target*/,
                                                          const inventory::Scope& /*scope*/) {
  engine::LoadedInventory loaded;
  if (path_ == "-") {
    loaded.inventory = *first_;
  } else if (first_) {
    loaded.inventory = std::move(*first_);
    first_.reset();
  } else {
    auto again = readInventoryFile(path_);
    if (!again) return std::unexpected(again.error());
    loaded.inventory = std::move(*again);
  }
  return loaded;
}

Result<S3Location> parseS3Url(std::string_view url) {
  constexpr std::string_view kScheme = "s3://";
  if (!url.starts_with(kScheme)) {
    return fail(ErrorCode::InvalidInput, fmt::format("'{}' is not an s3://bucket/key URL", url));
  }
  const auto rest = url.substr(kScheme.size());
  const auto slash = rest.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == rest.size()) {
    return fail(ErrorCode::InvalidInput,
                fmt::format("'{}' names no object: expected s3://bucket/key", url));
  }
  return S3Location{std::string(rest.substr(0, slash)), std::string(rest.substr(slash + 1))};
}

Result<EventInput> readEventInput(Runtime& runtime, const std::string& input) {
  if (input.starts_with("s3://")) {
    auto location = parseS3Url(input);
    if (!location) return std::unexpected(location.error());
    return readS3Object(runtime, location->bucket, location->key);
  }
  auto bytes = readPadded(input, inputLimits(runtime.config()));
  if (!bytes) return std::unexpected(bytes.error());
  return EventInput{std::move(*bytes), inputName(input)};
}

Result<EventInput> readS3Object(Runtime& runtime, const std::string& bucket,
                                const std::string& key) {
  auto s3 = runtime.s3();
  if (!s3) return std::unexpected(s3.error());
  const std::string source = fmt::format("s3://{}/{}", bucket, key);
  auto object = (*s3)->getObject(bucket, key);
  if (!object) return std::unexpected(object.error().withContext(source));
  const std::size_t limit = inputLimits(runtime.config()).max_size;
  if (object->body.size() > limit) {
    return fail(ErrorCode::InvalidInput, overLimit(source, limit));
  }
  return EventInput{PaddedBytes::fromString(std::move(object->body)), source};
}

}  // namespace trailwall::cli
