#pragma once
// Reading event input for `events` and `handle`: files (.json or .json.gz, decoded by the
// cloudtrail decoder from the bytes), standard input, FIFOs, and CloudTrail log files in S3.
//
// Bounded: at most InputLimits::max_size bytes of an input are read (the decoder bounds what gzip
// inflates to with the same figure), and a pipe, FIFO or terminal that stays silent for
// idle_timeout_ms is given up. The size limit ends a FIFO that never stops writing; the timeout
// ends one that stops writing without closing; regular files need neither.

#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "cloudtrail/byte_source.h"
#include "cloudtrail/decoder.h"
#include "cloudtrail/padded_bytes.h"
#include "common/error.h"
#include "engine/inventory_source.h"
#include "inventory/inventory.h"

namespace trailwall::config {
struct Config;
}  // namespace trailwall::config

namespace trailwall::cli {

class Runtime;

struct InputLimits {
  std::size_t max_size = cloudtrail::kDefaultMaxInputSize;
  int idle_timeout_ms = 60'000;
  std::size_t map_from = std::size_t{256} << 10;  // smaller files are read: cheaper than mapping
};

// The limits the configuration asks for (aws.max_input_mib).
[[nodiscard]] InputLimits inputLimits(const config::Config& config);

// "-" names stdin; reports and errors call it "stdin".
[[nodiscard]] std::string inputName(std::string_view path);

// A file, a FIFO or stdin ("-") as a stream of bytes. Regular files are read as they are; a pipe,
// FIFO, socket or terminal (and stdin, whatever it is) is waited on, at most idle_timeout_ms
// between two reads. Read errors
// do not name the input (the decoder does).
class FileSource final : public cloudtrail::ByteSource {
 public:
  // Errors name the path: it cannot be opened (Io), it is a directory (InvalidInput).
  [[nodiscard]] static Result<std::unique_ptr<FileSource>> open(const std::string& path,
                                                                const InputLimits& limits);
  ~FileSource() override;
  FileSource(const FileSource&) = delete;
  FileSource& operator=(const FileSource&) = delete;

  [[nodiscard]] Result<std::size_t> read(char* out, std::size_t size) override;
  [[nodiscard]] bool regular() const { return regular_; }
  [[nodiscard]] std::size_t fileSize() const { return file_size_; }
  [[nodiscard]] int fd() const { return fd_; }

 private:
  FileSource(int fd, bool owned, bool regular, std::size_t file_size, int idle_timeout_ms)
      : fd_(fd),
        owned_(owned),
        regular_(regular),
        file_size_(file_size),
        idle_timeout_ms_(idle_timeout_ms) {}

  int fd_;
  bool owned_;
  bool regular_;
  std::size_t file_size_;
  int idle_timeout_ms_;
};

// Reads `inner` on a thread of its own, a few chunks ahead of its reader, so that reading a file
// or inflating gzip overlaps with decoding: on two cores a log file takes about the time of the
// slower of the two. The first chunk's worth is read on the caller's thread: an input that ends
// within it (an event, a small log file) costs no thread and no ring of chunks. Errors,
// cutShort() and inflated() are passed on as `inner` gives them.
class PipelinedSource final : public cloudtrail::ByteSource {
 public:
  explicit PipelinedSource(cloudtrail::ByteSource& inner, std::size_t chunk = std::size_t{1} << 20,
                           std::size_t depth = 4);
  // Stops the thread once its read in progress returns (a silent pipe: the idle timeout).
  ~PipelinedSource() override;
  PipelinedSource(const PipelinedSource&) = delete;
  PipelinedSource& operator=(const PipelinedSource&) = delete;

  [[nodiscard]] Result<std::size_t> read(char* out, std::size_t size) override;
  [[nodiscard]] bool cutShort() const override;
  [[nodiscard]] bool inflated() const override { return inflated_; }
  // Whether the input outgrew the first chunk, so the thread was started.
  [[nodiscard]] bool threaded() const { return worker_.joinable(); }

 private:
  struct Chunk {
    std::unique_ptr<char[]> bytes;  // chunk_ bytes, uninitialised until read into
    std::size_t size = 0;
  };
  void start();
  void produce(const std::stop_token& stop);

  cloudtrail::ByteSource& inner_;
  const bool inflated_;
  const std::size_t chunk_;
  const std::size_t depth_;
  std::size_t read_inline_ = 0;  // bytes read on the caller's thread before the start
  std::vector<Chunk> ring_;
  mutable std::mutex mutex_;
  std::condition_variable_any changed_;
  std::size_t head_ = 0;    // the chunk being read from
  std::size_t offset_ = 0;  // bytes of it already read
  std::size_t filled_ = 0;  // chunks ready, from head_ on
  bool ended_ = false;
  bool cut_short_ = false;
  std::optional<Error> error_;
  std::jthread worker_;  // last: started once everything it uses exists
};

// The whole of a file ("-" = stdin) as padded bytes. A regular file is mapped with its page table
// filled at once (no copy, and not one page fault per 4 KiB); anything else is read to its end.
// Errors name the path: cannot open or read (Io), a directory or over max_size (InvalidInput),
// silent for idle_timeout_ms (Timeout).
[[nodiscard]] Result<cloudtrail::PaddedBytes> readPadded(const std::string& path,
                                                         const InputLimits& limits = {});
// The same for a file already open (at its start, or two bytes in after a peek: a regular file
// is mapped from its start), named `name` in errors.
[[nodiscard]] Result<cloudtrail::PaddedBytes> readPadded(FileSource& source, std::string_view name,
                                                         const InputLimits& limits);

// An inventory JSON file ("-" = stdin), mapped and parsed where it lies (no copy of the text;
// the mapping is gone when this returns). Errors name the path.
[[nodiscard]] Result<inventory::Inventory> readInventoryFile(const std::string& path);

// The inventory of `plan`/`apply --inventory FILE`, complete for everything: read once, and
// handed to the engine on its first load without a copy (it may hold 100,000 instances). A
// later load (the engine loads again only when a scope widens, which "everything" cannot) reads
// the file again; stdin cannot be read again, so its inventory is kept and copied.
class InventoryFileSource final : public engine::InventorySource {
 public:
  // Errors name the path (readInventoryFile).
  [[nodiscard]] static Result<std::unique_ptr<InventoryFileSource>> open(const std::string& path);

  [[nodiscard]] Result<engine::LoadedInventory> load(const engine::Target& target,
                                                     const inventory::Scope& scope) override;

 private:
  InventoryFileSource(std::string path, inventory::Inventory first)
      : path_(std::move(path)), first_(std::move(first)) {}

  std::string path_;
  std::optional<inventory::Inventory> first_;  // until the first load (stdin: always)
};

struct EventInput {
  cloudtrail::PaddedBytes bytes;
  std::string source;  // how errors and reports name it: the path, "stdin" or "s3://bucket/key"
};

// "s3://bucket/key" → {bucket, key}; InvalidInput for anything else.
struct S3Location {
  std::string bucket;
  std::string key;
};
[[nodiscard]] Result<S3Location> parseS3Url(std::string_view url);

// A file, "-", or s3://bucket/key (fetched with the runtime's AWS session), within the
// configuration's input limits.
[[nodiscard]] Result<EventInput> readEventInput(Runtime& runtime, const std::string& input);
// One S3 object (the S3 client follows the bucket's region redirect itself).
[[nodiscard]] Result<EventInput> readS3Object(Runtime& runtime, const std::string& bucket,
                                              const std::string& key);

}  // namespace trailwall::cli
