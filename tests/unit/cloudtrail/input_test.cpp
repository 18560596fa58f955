// The front end's readers (src/cli/input.h) give the decoder the same bytes however an input
// arrives: a mapped file, a file read whole, a FIFO, a pipelined stream, gzip inflated on the
// pipeline's thread; and each refuses what it must (a directory, a silent FIFO, too many bytes)
// with one error naming the input.
#include "cli/input.h"

#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "cloudtrail/decoder.h"
#include "cloudtrail/gzip.h"
#include "cloudtrail/report.h"
#include "unit/cloudtrail/test_util.h"

namespace trailwall::cli {
namespace {

namespace fs = std::filesystem;
using cloudtrail::Decoded;
using cloudtrail::DecodeOptions;
using cloudtrail::Decoder;
using cloudtrail::PaddedBytes;
using cloudtrail::testing::cloudTrailData;
using cloudtrail::testing::gzipMember;
using cloudtrail::testing::readFile;
using cloudtrail::testing::referenceSamples;

class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "trailwall-input-XXXXXX").string();
    path_ = mkdtemp(pattern.data());
  }
  ~TempDir() { fs::remove_all(path_); }
  [[nodiscard]] fs::path file(const std::string& name, const std::string& content) const {
    const fs::path path = path_ / name;
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }
  [[nodiscard]] const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// Writes `content` into a FIFO from a thread (the reader opens the other end).
class FifoWriter {
 public:
  FifoWriter(const fs::path& fifo, std::string content)
      : thread_([fifo, content = std::move(content)] {
          std::ofstream(fifo, std::ios::binary) << content;
        }) {}
  ~FifoWriter() { thread_.join(); }

 private:
  std::thread thread_;
};

DecodeOptions listing() {
  DecodeOptions options;
  options.keep_ignored = true;
  options.window_size = 512;  // the samples' log files span several windows
  return options;
}

std::string report(const Decoded& decoded) {
  return cloudtrail::toJson(decoded, true);
}

std::string decodeSource(cloudtrail::ByteSource& source) {
  Decoder decoder(listing());
  Decoded decoded;
  decoder.decode(source, "in", decoded);
  return report(decoded);
}

std::vector<fs::path> samples() {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(referenceSamples())) {
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  }
  files.push_back(cloudTrailData() / "cases" / "logfile-mixed-reasons.json");
  files.push_back(cloudTrailData() / "cases" / "logfile-malformed-record-in-the-middle.json");
  std::sort(files.begin(), files.end());
  return files;
}

TEST(InputReaders, MappedReadFifoPipelinedAndGzipGiveTheSameReportOnEverySample) {
  TempDir dir;
  InputLimits map_all;
  map_all.map_from = 0;
  InputLimits read_all;
  read_all.map_from = std::size_t{1} << 40;
  for (const fs::path& sample : samples()) {
    SCOPED_TRACE(sample.filename().string());
    const std::string content = readFile(sample);
    Decoded expected_decoded;
    Decoder(listing()).decode(std::string_view(content), "in", expected_decoded);
    const std::string expected = report(expected_decoded);
    const fs::path plain = dir.file("log.json", content);
    const fs::path gz = dir.file("log.json.gz", gzipMember(content));

    for (const InputLimits& limits : {map_all, read_all}) {
      auto bytes = readPadded(plain.string(), limits);
      ASSERT_TRUE(bytes) << bytes.error().message;
      EXPECT_EQ(bytes->view(), content);
      Decoded decoded;
      Decoder(listing()).decode(*bytes, "in", decoded);
      EXPECT_EQ(report(decoded), expected) << "readPadded, map_from " << limits.map_from;
    }
    {
      auto file = FileSource::open(plain.string(), {});
      ASSERT_TRUE(file);
      EXPECT_EQ(decodeSource(**file), expected) << "file as a stream";
    }
    {
      auto file = FileSource::open(plain.string(), {});
      ASSERT_TRUE(file);
      PipelinedSource pipeline(**file, 100, 3);
      EXPECT_EQ(decodeSource(pipeline), expected) << "pipelined";
    }
    {
      auto file = FileSource::open(gz.string(), {});
      ASSERT_TRUE(file);
      cloudtrail::GzipSource inflater(**file);
      PipelinedSource pipeline(inflater, 100, 3);
      EXPECT_EQ(decodeSource(pipeline), expected) << "gzip inflated on the pipeline's thread";
    }
    {
      auto file = FileSource::open(gz.string(), {});
      ASSERT_TRUE(file);
      EXPECT_EQ(decodeSource(**file), expected) << "gzip inflated by the decoder";
    }
    {
      const fs::path fifo = dir.path() / "fifo";
      ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
      auto file = FileSource::open(fifo.string(), {});  // does not wait for a writer
      ASSERT_TRUE(file);
      EXPECT_FALSE((*file)->regular());
      {
        FifoWriter writer(fifo, content);
        EXPECT_EQ(decodeSource(**file), expected) << "FIFO";
      }
      fs::remove(fifo);
    }
  }
}

// A file whose size is a multiple of the page size has no spare bytes in its last page: the
// padding after it must still be there, zero and writable (the decoder writes its window marks).
TEST(InputReaders, AMappedFileEndingOnAPageBoundaryIsPadded) {
  TempDir dir;
  const auto page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  const std::string content(4 * page, 'x');
  InputLimits limits;
  limits.map_from = 0;
  auto bytes = readPadded(dir.file("page.json", content).string(), limits);
  ASSERT_TRUE(bytes);
  ASSERT_EQ(bytes->size(), content.size());
  for (std::size_t i = 0; i < PaddedBytes::kPadding; ++i) {
    EXPECT_EQ(bytes->data()[content.size() + i], '\0');
  }
  bytes->data()[0] = '[';
  EXPECT_EQ(readFile(dir.path() / "page.json"), content) << "writes stay private";
}

TEST(InputReaders, ADirectoryIsOneErrorNamingIt) {
  TempDir dir;
  auto file = FileSource::open(dir.path().string(), {});
  ASSERT_FALSE(file);
  EXPECT_EQ(file.error().message,
            dir.path().string() + ": is a directory; name the log files in it");
  auto bytes = readPadded(dir.path().string(), {});
  ASSERT_FALSE(bytes);
  EXPECT_EQ(bytes.error().message, file.error().message);
}

TEST(InputReaders, AMissingFileIsOneErrorNamingIt) {
  auto bytes = readPadded("/nonexistent/log.json", {});
  ASSERT_FALSE(bytes);
  EXPECT_EQ(bytes.error().message, "cannot open /nonexistent/log.json: No such file or directory");
}

TEST(InputReaders, ASilentFifoIsGivenUpAfterTheIdleTimeout) {
  TempDir dir;
  const fs::path fifo = dir.path() / "silent";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  InputLimits limits;
  limits.idle_timeout_ms = 50;
  auto bytes = readPadded(fifo.string(), limits);  // nobody ever writes
  ASSERT_FALSE(bytes);
  EXPECT_EQ(bytes.error().code, ErrorCode::Timeout);
  EXPECT_EQ(bytes.error().message, fifo.string() + ": no data for 0.05 s");
}

TEST(InputReaders, MoreBytesThanTheLimitIsOneErrorNamingTheInput) {
  TempDir dir;
  const std::string content(5000, ' ');
  const fs::path path = dir.file("big.json", content);
  for (const std::size_t map_from : {std::size_t{0}, std::size_t{1} << 40}) {
    InputLimits limits;
    limits.max_size = 4999;
    limits.map_from = map_from;
    auto bytes = readPadded(path.string(), limits);
    ASSERT_FALSE(bytes);
    EXPECT_EQ(bytes.error().message,
              path.string() + ": larger than the input size limit of 4999 bytes");
  }
  const fs::path fifo = dir.path() / "fifo";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  InputLimits limits;
  limits.max_size = 1024;
  auto file = FileSource::open(fifo.string(), limits);
  ASSERT_TRUE(file);
  FifoWriter writer(fifo, content);  // fits in the pipe's buffer: written before the reader stops
  auto bytes = readPadded(**file, "fifo", limits);
  ASSERT_FALSE(bytes);
  EXPECT_EQ(bytes.error().message, "fifo: larger than the input size limit of 1 KiB (1024 bytes)");
}

// Yields `bytes` then fails, as a gzip stream cut short does.
class CutSource final : public cloudtrail::ByteSource {
 public:
  explicit CutSource(std::string bytes) : bytes_(std::move(bytes)) {}
  Result<std::size_t> read(char* out, std::size_t size) override {
    if (bytes_.empty()) return fail(ErrorCode::InvalidInput, "gzip: cut");
    const std::size_t n = std::min(size, bytes_.size());
    std::copy_n(bytes_.data(), n, out);
    bytes_.erase(0, n);
    return n;
  }
  [[nodiscard]] bool cutShort() const override { return bytes_.empty(); }
  [[nodiscard]] bool inflated() const override { return true; }

 private:
  std::string bytes_;
};

TEST(PipelinedSource, PassesTheBytesThenTheErrorAndWhatItMeans) {
  const std::string bytes(10000, 'a');
  CutSource inner(bytes);
  PipelinedSource pipeline(inner, 64, 2);
  EXPECT_TRUE(pipeline.inflated());
  std::string got;
  std::vector<char> buffer(100);
  while (true) {
    auto n = pipeline.read(buffer.data(), buffer.size());
    if (!n) {
      EXPECT_EQ(n.error().message, "gzip: cut");
      break;
    }
    ASSERT_GT(*n, 0u) << "an error, not an end";
    got.append(buffer.data(), *n);
  }
  EXPECT_EQ(got, bytes);
  EXPECT_TRUE(pipeline.cutShort());
}

// What a read loop gets from `source`: every byte, until the end.
std::string drain(cloudtrail::ByteSource& source, std::size_t buffer_size) {
  std::string got;
  std::vector<char> buffer(buffer_size);
  while (true) {
    auto n = source.read(buffer.data(), buffer.size());
    EXPECT_TRUE(n) << n.error().message;
    if (!n || *n == 0) return got;
    got.append(buffer.data(), *n);
  }
}

TEST(PipelinedSource, AnInputWithinTheFirstChunkIsReadWithoutAThread) {
  const std::string bytes(100, 'e');
  cloudtrail::MemorySource inner(bytes);
  PipelinedSource pipeline(inner, 128, 4);  // the end is seen before the first chunk is full
  EXPECT_EQ(drain(pipeline, 30), bytes);
  EXPECT_FALSE(pipeline.threaded());
  auto again = pipeline.read(nullptr, 0);
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, 0u) << "the end stays the end";
}

TEST(PipelinedSource, ALongerInputIsReadAheadOnItsThreadAfterTheFirstChunk) {
  std::string bytes;
  for (int i = 0; i < 5000; ++i) bytes += static_cast<char>('a' + i % 26);
  cloudtrail::MemorySource inner(bytes);
  PipelinedSource pipeline(inner, 101, 3);
  EXPECT_EQ(drain(pipeline, 64), bytes);
  EXPECT_TRUE(pipeline.threaded());
}

TEST(PipelinedSource, AnErrorWithinTheFirstChunkIsPassedOnWithoutAThread) {
  CutSource inner("abc");
  PipelinedSource pipeline(inner, 64, 2);
  std::vector<char> buffer(16);
  auto n = pipeline.read(buffer.data(), buffer.size());
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 3u);
  auto error = pipeline.read(buffer.data(), buffer.size());
  ASSERT_FALSE(error);
  EXPECT_EQ(error.error().message, "gzip: cut");
  EXPECT_TRUE(pipeline.cutShort());
  EXPECT_FALSE(pipeline.threaded());
  EXPECT_FALSE(pipeline.read(buffer.data(), buffer.size())) << "the error stays";
}

TEST(PipelinedSource, StopsItsThreadWhenDroppedEarly) {
  cloudtrail::MemorySource inner(std::string_view("x"));
  { PipelinedSource pipeline(inner, 1, 2); }  // never read: the destructor must not hang
  const std::string bytes(10000, 'y');
  cloudtrail::MemorySource longer(bytes);
  {
    PipelinedSource pipeline(longer, 1, 2);
    char byte = 0;
    ASSERT_TRUE(pipeline.read(&byte, 1));  // the first chunk, inline
    ASSERT_TRUE(pipeline.read(&byte, 1));  // from the thread, which has more to read
    EXPECT_TRUE(pipeline.threaded());
  }  // dropped with the thread waiting for room: the destructor must not hang
  SUCCEED();
}

}  // namespace
}  // namespace trailwall::cli
