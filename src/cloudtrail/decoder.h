#pragma once
// Decoding CloudTrail input into changes and their scope (DESIGN §2). Pure: bytes in, values out;
// reading files, fetching S3 objects and receiving messages belong to the callers.

#include <cstddef>
#include <memory>
#include <string_view>
#include <vector>

#include "cloudtrail/change.h"
#include "cloudtrail/padded_bytes.h"

namespace trailwall::cloudtrail {

struct DecodeOptions {
  Filter filter;
  bool keep_ignored = false;  // list every ignored record in Decoded::ignored, not only counts
  std::size_t max_inflated_size = std::size_t{2} << 30;  // bytes a gzip input may inflate to
};

// Decodes input of any supported shape, detected from the bytes: a CloudTrail log file
// {"Records":[…]} (plain or gzip), one record, an EventBridge "AWS API Call via CloudTrail" or
// "Scheduled Event" event, an S3 event notification, CloudTrail's SNS notification, an SNS
// envelope, an SQS message body carrying any of these, a Lambda SQS or SNS event, and the output
// of `aws cloudtrail lookup-events`. Keeps its parsers, sized for the largest input so far,
// between inputs: one Decoder per thread; destroy it to give the memory back.
class Decoder {
 public:
  explicit Decoder(DecodeOptions options = {});
  ~Decoder();
  Decoder(Decoder&&) noexcept;
  Decoder& operator=(Decoder&&) noexcept;

  // Appends what `input` holds to `out`. Bad input becomes errors in out.errors, each naming
  // `source` and the record; the other records of the same input are still decoded.
  void decode(const PaddedBytes& input, std::string_view source, Decoded& out);
  // The same for bytes without padding (copies them once).
  void decode(std::string_view input, std::string_view source, Decoded& out);

  [[nodiscard]] const DecodeOptions& options() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The EC2 event names trailwall acts on (DESIGN §2), sorted: what an EventBridge rule for
// trailwall must match (`trailwall event-pattern`, deploy/template.yaml).
[[nodiscard]] std::vector<std::string_view> handledEventNames();

}  // namespace trailwall::cloudtrail
