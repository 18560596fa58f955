#pragma once
// Decoding CloudTrail input into changes and their scope (DESIGN §2). Pure: bytes in, values out;
// reading files, fetching S3 objects and receiving messages belong to the callers.

#include <cstddef>
#include <memory>
#include <string_view>
#include <vector>

#include "cloudtrail/byte_source.h"
#include "cloudtrail/change.h"
#include "cloudtrail/padded_bytes.h"

namespace trailwall::cloudtrail {

// Far above any real CloudTrail log file (CloudTrail writes one every few minutes per account and
// region; the largest are tens of MB), far below a machine's memory; a log file is decoded a
// window at a time, so this bounds the time spent on one input, not the memory.
inline constexpr std::size_t kDefaultMaxInputSize = std::size_t{2} << 30;
// Input that is not a log file is decoded whole: messages, notifications and events are KB-sized
// (SQS and EventBridge cap them at 1 MiB); this bounds the memory they may take. Also the largest
// single record of a log file.
inline constexpr std::size_t kMaxDocumentSize = std::size_t{64} << 20;

struct DecodeOptions {
  Filter filter;
  bool keep_ignored = false;  // list every ignored record in Decoded::ignored, not only counts
  // Bytes of JSON one input may hold: a plain file or stream, or what a gzip file inflates to.
  // An input over it is rejected with one error and nothing of it is used.
  std::size_t max_input_size = kDefaultMaxInputSize;
  // A log file larger than this is parsed this many bytes of records at a time.
  std::size_t window_size = std::size_t{1} << 20;
};

// Decodes input of any supported shape, detected from the bytes: a CloudTrail log file
// {"Records":[…]} (plain or gzip), one record, an EventBridge "AWS API Call via CloudTrail" or
// "Scheduled Event" event, an S3 event notification, CloudTrail's SNS notification, an SNS
// envelope, an SQS message body carrying any of these, a Lambda SQS or SNS event, and the output
// of `aws cloudtrail lookup-events`. Keeps its parsers, sized for the largest input so far,
// between inputs: one Decoder per thread; destroy it to give the memory back.
//
// Errors that reject an input (over max_input_size, a record or non-log document over
// kMaxDocumentSize, a read error of the source) are one error naming the source, and nothing of
// that input is kept. Damage keeps the rest: a bad record costs itself (its index is in the
// error); a gzip stream cut short or corrupt yields the records before the fault and one error.
class Decoder {
 public:
  explicit Decoder(DecodeOptions options = {});
  ~Decoder();
  Decoder(Decoder&&) noexcept;
  Decoder& operator=(Decoder&&) noexcept;

  // Appends what `input` holds to `out`. Bad input becomes errors in out.errors, each naming
  // `source` and the record; the other records of the same input are still decoded. The bytes
  // are written into while decoding (two bytes per window, restored before returning), so the
  // input is never copied; a gzip input is inflated a window at a time.
  void decode(PaddedBytes& input, std::string_view source, Decoded& out);
  // The same for bytes that must not be written (copied a window at a time).
  void decode(const PaddedBytes& input, std::string_view source, Decoded& out);
  // The same for bytes without padding (copied a window at a time).
  void decode(std::string_view input, std::string_view source, Decoded& out);
  // The same for a stream (file, pipe), plain or gzip, read a window at a time.
  void decode(ByteSource& input, std::string_view source, Decoded& out);

  [[nodiscard]] const DecodeOptions& options() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The EC2 event names trailwall acts on (DESIGN §2), sorted: what an EventBridge rule for
// trailwall must match (`trailwall event-pattern`, deploy/template.yaml).
[[nodiscard]] std::vector<std::string_view> handledEventNames();

}  // namespace trailwall::cloudtrail
