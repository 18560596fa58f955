// libFuzzer target: SNS envelopes (an SNS notification delivered to SQS or HTTP). Wrapped: the
// input is the envelope's Message, the JSON-in-a-string SNS carries (an S3 notification or
// CloudTrail's own {"s3Bucket", "s3ObjectKey"} notification in production).
#include "envelope_fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return trailwall::fuzz::fuzzEnvelope(data, size, [](std::string_view input) {
    return R"({"Type":"Notification","MessageId":"63a3f6b6-d533-4a47-aef9-fcf5cf758c76",)"
           R"("TopicArn":"arn:aws:sns:us-east-1:111122223333:trail","Subject":"x","Message":)" +
           trailwall::fuzz::jsonString(input) +
           R"(,"Timestamp":"2025-01-01T00:00:00.000Z","SignatureVersion":"1"})";
  });
}
