// Every way an input reaches the decoder gives the same result: bytes in memory decoded in place,
// a copy, a stream read a few bytes at a time, gzip in memory and gzip streamed; and a log file
// decoded a window at a time gives what decoding it whole gives, whatever the window size (down to
// one byte, so every record boundary is a window boundary).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "cloudtrail/decoder.h"
#include "cloudtrail/report.h"
#include "unit/cloudtrail/test_util.h"

namespace trailwall::cloudtrail {
namespace {

namespace fs = std::filesystem;
using testing::ChunkedSource;
using testing::cloudTrailData;
using testing::gzipMember;
using testing::readFile;
using testing::referenceSamples;

// A window so large that every input is decoded whole.
constexpr std::size_t kWhole = std::size_t{1} << 40;

std::vector<fs::path> inputs() {
  std::vector<fs::path> files;
  const auto add = [&files](const fs::path& dir) {
    for (const auto& entry : fs::directory_iterator(dir)) {
      const std::string name = entry.path().filename().string();
      if (entry.is_regular_file() && !name.ends_with(".expected.json") && !name.ends_with(".md")) {
        files.push_back(entry.path());
      }
    }
  };
  add(referenceSamples());
  add(cloudTrailData() / "synthetic");
  add(cloudTrailData() / "cases");
  std::sort(files.begin(), files.end());
  return files;
}

DecodeOptions withWindow(std::size_t window) {
  DecodeOptions options;
  options.keep_ignored = true;
  options.window_size = window;
  return options;
}

enum class Path { InPlace, Copy, Stream, GzipInMemory, GzipStream };

std::string report(const std::string& input, Path path, std::size_t window, std::size_t chunk = 7) {
  Decoder decoder(withWindow(window));
  Decoded decoded;
  switch (path) {
    case Path::InPlace: {
      PaddedBytes bytes(input);
      decoder.decode(bytes, "in", decoded);
      EXPECT_EQ(bytes.view(), input) << "the decoder restores what it writes";
      break;
    }
    case Path::Copy: decoder.decode(std::string_view(input), "in", decoded); break;
    case Path::Stream: {
      ChunkedSource source(input, chunk);
      decoder.decode(source, "in", decoded);
      break;
    }
    case Path::GzipInMemory: {
      PaddedBytes bytes(gzipMember(input));
      decoder.decode(bytes, "in", decoded);
      break;
    }
    case Path::GzipStream: {
      const std::string gz = gzipMember(input);
      ChunkedSource source(gz, chunk);
      decoder.decode(source, "in", decoded);
      break;
    }
  }
  return toJson(decoded, true);
}

class ReaderTest : public ::testing::TestWithParam<fs::path> {};

TEST_P(ReaderTest, EveryReaderAndWindowSizeDecodesAlike) {
  const std::string input = readFile(GetParam());
  const std::string whole = report(input, Path::Copy, kWhole);
  for (const Path path :
       {Path::InPlace, Path::Copy, Path::Stream, Path::GzipInMemory, Path::GzipStream}) {
    for (const std::size_t window : {kWhole, std::size_t{1}, std::size_t{100}, std::size_t{700}}) {
      EXPECT_EQ(report(input, path, window), whole)
          << "reader " << static_cast<int>(path) << ", window " << window;
    }
  }
  EXPECT_EQ(report(input, Path::Stream, 1, 1), whole) << "one byte per read";
  EXPECT_EQ(report(input, Path::GzipStream, 1, 1), whole) << "one compressed byte per read";
}

std::string testName(const ::testing::TestParamInfo<fs::path>& info) {
  std::string name = info.param.stem().string();
  std::replace_if(
      name.begin(), name.end(), [](char c) { return !std::isalnum(static_cast<unsigned char>(c)); },
      '_');
  return name;
}

INSTANTIATE_TEST_SUITE_P(Samples, ReaderTest, ::testing::ValuesIn(inputs()), testName);

}  // namespace
}  // namespace trailwall::cloudtrail
