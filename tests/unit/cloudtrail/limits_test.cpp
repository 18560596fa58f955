// Bounded inputs (issue 10): an input over the size limit, a gzip bomb, a record or a non-log
// document too large to hold, a stream that fails, a gzip stream cut short or corrupt, deep
// nesting and records of the wrong shape each give one clear error naming the input (and the
// record where there is one), never a crash; damage keeps the good records, a rejected input
// keeps nothing.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "cloudtrail/decoder.h"
#include "unit/cloudtrail/test_util.h"

namespace trailwall::cloudtrail {
namespace {

using testing::ChunkedSource;
using testing::cloudTrailData;
using testing::gzipMember;
using testing::mixedLog;
using testing::readFile;

std::vector<std::string> messages(const Decoded& decoded) {
  std::vector<std::string> out;
  for (const Error& error : decoded.errors) out.push_back(error.message);
  return out;
}

DecodeOptions options(std::size_t max_input_size, std::size_t window = std::size_t{1} << 20) {
  DecodeOptions o;
  o.max_input_size = max_input_size;
  o.window_size = window;
  return o;
}

// The records of the mixed log after its '[', to put records of a test's own before them.
std::string mixedRecords() {
  const std::string mixed = mixedLog();
  const std::size_t open = mixed.find('[');
  return open == std::string::npos ? std::string() : mixed.substr(open + 1);
}

bool nothingKept(const Decoded& decoded) {
  return decoded.changes.empty() && decoded.objects.empty() && decoded.ignoredTotal() == 0 &&
         decoded.records == 0;
}

// `prefix` and then `filler` bytes without end (a FIFO that never stops, a gzip bomb's inside),
// generated as read, so the test holds none of it.
class EndlessSource final : public ByteSource {
 public:
  EndlessSource(std::string prefix, char filler) : prefix_(std::move(prefix)), filler_(filler) {}
  Result<std::size_t> read(char* out, std::size_t size) override {
    const std::size_t from_prefix = std::min(size, prefix_.size() - offset_);
    std::memcpy(out, prefix_.data() + offset_, from_prefix);
    offset_ += from_prefix;
    std::memset(out + from_prefix, filler_, size - from_prefix);
    total_ += size;
    return size;
  }
  std::size_t total_ = 0;

 private:
  std::string prefix_;
  std::size_t offset_ = 0;
  char filler_;
};

// Yields `bytes`, then fails.
class FailingSource final : public ByteSource {
 public:
  explicit FailingSource(std::string bytes) : bytes_(std::move(bytes)) {}
  Result<std::size_t> read(char* out, std::size_t size) override {
    if (bytes_.empty()) return fail(ErrorCode::Io, "cannot read: Input/output error");
    const std::size_t n = std::min(size, bytes_.size());
    std::memcpy(out, bytes_.data(), n);
    bytes_.erase(0, n);
    return n;
  }

 private:
  std::string bytes_;
};

TEST(InputLimit, PlainInputOverTheLimitIsRejectedWithOneErrorAndNothingKept) {
  const std::string log = mixedLog();
  const std::size_t limit = log.size() - 1;
  const std::string expected =
      "log.json: larger than the input size limit of " + std::to_string(limit) + " bytes";
  for (const std::size_t window : {std::size_t{1}, std::size_t{1} << 20}) {
    Decoder decoder(options(limit, window));
    Decoded in_place;
    PaddedBytes bytes(log);
    decoder.decode(bytes, "log.json", in_place);
    EXPECT_EQ(messages(in_place), std::vector<std::string>{expected});
    EXPECT_TRUE(nothingKept(in_place));
    Decoded streamed;
    ChunkedSource source(log, 100);
    decoder.decode(source, "log.json", streamed);
    EXPECT_EQ(messages(streamed), std::vector<std::string>{expected}) << "window " << window;
    EXPECT_TRUE(nothingKept(streamed));
  }
  // The limit itself is allowed.
  Decoded at_limit;
  Decoder(options(log.size())).decode(std::string_view(log), "log.json", at_limit);
  EXPECT_TRUE(at_limit.errors.empty());
  EXPECT_EQ(at_limit.changes.size(), 3u);
}

TEST(InputLimit, AStreamThatNeverEndsStopsAtTheLimit) {
  EndlessSource source("{\"Records\":[", ' ');
  Decoder decoder(options(std::size_t{4} << 20, 4096));
  Decoded decoded;
  decoder.decode(source, "fifo", decoded);
  EXPECT_EQ(
      messages(decoded),
      std::vector<std::string>{"fifo: larger than the input size limit of 4 MiB (4194304 bytes)"});
  EXPECT_LE(source.total_, (std::size_t{4} << 20) + (std::size_t{1} << 20));
}

TEST(InputLimit, GzipInflatingOverTheLimitIsRejected) {
  const std::string gz = gzipMember(mixedLog());
  for (const std::size_t window : {std::size_t{1}, std::size_t{1} << 20}) {
    Decoder decoder(options(1000, window));
    Decoded decoded;
    PaddedBytes bytes(gz);
    decoder.decode(bytes, "log.json.gz", decoded);
    EXPECT_EQ(messages(decoded),
              std::vector<std::string>{
                  "log.json.gz: gzip: inflates to more than the input size limit of 1000 bytes"});
    EXPECT_TRUE(nothingKept(decoded));
  }
}

// 1 GiB of zeros in about 1 MB: 128 members of 8 MiB each.
std::string gzipBomb() {
  const std::string member = gzipMember(std::string(std::size_t{8} << 20, '\0'));
  std::string bomb;
  for (int i = 0; i < 128; ++i) bomb += member;
  return bomb;
}

TEST(InputLimit, GzipBombStopsAtTheLimitForInputThatIsNoLogFile) {
  const std::string bomb = gzipBomb();
  ASSERT_LT(bomb.size(), std::size_t{2} << 20);
  Decoder decoder;  // default limits
  Decoded decoded;
  decoder.decode(std::string_view(bomb), "bomb.gz", decoded);
  EXPECT_EQ(messages(decoded),
            std::vector<std::string>{
                "bomb.gz: not a CloudTrail log file ({\"Records\": [...]}) and larger than 64 MiB "
                "(67108864 bytes), the limit for other input"});
  Decoded small;
  Decoder(options(std::size_t{8} << 20)).decode(std::string_view(bomb), "bomb.gz", small);
  EXPECT_EQ(messages(small),
            std::vector<std::string>{
                "bomb.gz: gzip: inflates to more than the input size limit of 8 MiB (8388608 "
                "bytes)"});
}

TEST(InputLimit, ARecordWithoutEndIsRejected) {
  EndlessSource source("{\"Records\":[{\"eventName\":\"", 'a');
  Decoder decoder(options(std::size_t{1} << 30, 4096));
  Decoded decoded;
  decoder.decode(source, "log.json", decoded);
  EXPECT_EQ(messages(decoded),
            std::vector<std::string>{
                "log.json: Records[0]: no end of the record within 64 MiB (67108864 bytes)"});
  EXPECT_LE(source.total_, std::size_t{160} << 20);
}

TEST(InputLimit, AReadErrorRejectsTheInput) {
  const std::string log = mixedLog();
  for (const std::size_t window : {std::size_t{1}, std::size_t{1} << 20}) {
    FailingSource source(log.substr(0, log.size() / 2));
    Decoder decoder(options(kDefaultMaxInputSize, window));
    Decoded decoded;
    decoder.decode(source, "stdin", decoded);
    EXPECT_EQ(messages(decoded),
              std::vector<std::string>{"stdin: cannot read: Input/output error"});
    EXPECT_TRUE(nothingKept(decoded));
  }
}

TEST(DamagedInput, GzipCutShortKeepsTheRecordsBeforeTheCutWithOneError) {
  const std::string log = mixedLog();
  const std::string gz = gzipMember(log);
  // "...(after N inflated bytes)" with N digits; std::regex trips g++ 12 under ASan.
  const auto isCutMessage = [](std::string_view message) {
    constexpr std::string_view head = "log.json.gz: gzip: the compressed data is cut short (after ";
    constexpr std::string_view tail = " inflated bytes)";
    if (!message.starts_with(head) || !message.ends_with(tail)) return false;
    const std::string_view digits =
        message.substr(head.size(), message.size() - head.size() - tail.size());
    return !digits.empty() && digits.find_first_not_of("0123456789") == std::string_view::npos;
  };
  for (const std::size_t window : {std::size_t{1}, std::size_t{1} << 20}) {
    Decoder decoder(options(kDefaultMaxInputSize, window));
    Decoded decoded;
    decoder.decode(std::string_view(gz).substr(0, gz.size() * 3 / 4), "log.json.gz", decoded);
    ASSERT_EQ(decoded.errors.size(), 1u) << decoded.errors[1].message;
    EXPECT_TRUE(isCutMessage(decoded.errors[0].message)) << decoded.errors[0].message;
    ASSERT_FALSE(decoded.changes.empty());
    EXPECT_EQ(decoded.changes[0].event_name, "StartInstances");
  }
  // Cut in the trailer: every record is whole.
  Decoded whole;
  Decoder().decode(std::string_view(gz).substr(0, gz.size() - 4), "log.json.gz", whole);
  EXPECT_EQ(messages(whole),
            std::vector<std::string>{"log.json.gz: gzip: the compressed data is cut short (after " +
                                     std::to_string(log.size()) + " inflated bytes)"});
  EXPECT_EQ(whole.changes.size(), 3u);
  EXPECT_EQ(whole.records, 7u);
}

TEST(DamagedInput, CorruptGzipKeepsTheRecordsBeforeTheFaultWithOneError) {
  std::string log = mixedLog();
  std::string gz = gzipMember(log);
  gz[gz.size() - 6] = static_cast<char>(gz[gz.size() - 6] ^ 0x20);  // the CRC-32
  Decoded decoded;
  Decoder().decode(std::string_view(gz), "log.json.gz", decoded);
  EXPECT_EQ(messages(decoded), std::vector<std::string>{"log.json.gz: gzip: corrupt data after " +
                                                        std::to_string(log.size()) +
                                                        " inflated bytes (checksum mismatch)"});
  EXPECT_EQ(decoded.changes.size(), 3u);
}

// The parser's depth limit (1024) holds where the decoder reads deeply: the parameters of a
// handled call. Elsewhere deep values are skipped without recursion.
TEST(DamagedInput, DeepNestingIsOneErrorForItsRecord) {
  const std::string deep = std::string(5000, '[') + std::string(5000, ']');
  std::string log =
      R"({"Records":[{"eventName":"RunInstances","eventSource":"ec2.amazonaws.com",)"
      R"("awsRegion":"us-east-1","eventTime":"2024-01-01T00:00:00Z","responseElements":{"x":)";
  log += deep;
  log += "}},";
  log += mixedRecords();
  for (const std::size_t window : {std::size_t{1}, std::size_t{1} << 20}) {
    Decoded decoded;
    Decoder(options(kDefaultMaxInputSize, window))
        .decode(std::string_view(log), "deep.json", decoded);
    EXPECT_EQ(messages(decoded),
              std::vector<std::string>{
                  "deep.json: Records[0]: responseElements: malformed JSON (The JSON document was "
                  "too deep (too many nested objects and arrays))"});
    EXPECT_EQ(decoded.changes.size(), 3u);
    EXPECT_EQ(decoded.records, 8u);
  }
  std::string deep_objects;
  for (int i = 0; i < 100000; ++i) deep_objects += "{\"a\":";
  deep_objects += '1';
  deep_objects.append(100000, '}');
  Decoded decoded;
  Decoder().decode(std::string_view(deep_objects), "deep.json", decoded);
  EXPECT_EQ(messages(decoded),
            std::vector<std::string>{"deep.json: not a CloudTrail log file or record, EventBridge "
                                     "event, S3 or SNS notification, or SQS message"});
}

TEST(DamagedInput, ARecordOfTheWrongShapeCostsOnlyItself) {
  std::string log = R"({"Records":[42, {"eventName": 7},)";
  log += mixedRecords();
  for (const std::size_t window : {std::size_t{1}, std::size_t{1} << 20}) {
    Decoded decoded;
    Decoder(options(kDefaultMaxInputSize, window))
        .decode(std::string_view(log), "shape.json", decoded);
    EXPECT_EQ(messages(decoded),
              (std::vector<std::string>{
                  "shape.json: Records[0]: expected an object, found a number",
                  "shape.json: Records[1]: eventName: expected a string, found a number"}));
    EXPECT_EQ(decoded.changes.size(), 3u);
    EXPECT_EQ(decoded.records, 9u);
  }
}

TEST(DamagedInput, InvalidUtf8CostsOnlyItsRecord) {
  std::string log = "{\"Records\":[{\"eventName\":\"Start\xff\"},";
  log += mixedRecords();
  for (const std::size_t window : {std::size_t{1}, std::size_t{1} << 20}) {
    Decoded decoded;
    Decoder(options(kDefaultMaxInputSize, window))
        .decode(std::string_view(log), "utf8.json", decoded);
    EXPECT_EQ(messages(decoded),
              std::vector<std::string>{"utf8.json: Records[0]: malformed JSON (The input is not "
                                       "valid UTF-8)"});
    EXPECT_EQ(decoded.changes.size(), 3u);
  }
}

}  // namespace
}  // namespace trailwall::cloudtrail
