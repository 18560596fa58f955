// libFuzzer target: S3 event notifications (the original trigger: a CloudTrail log file landed).
// Wrapped: the input is the object key of an ObjectCreated record, so the URL decoding of keys
// ("+" for spaces, %XX) and the recognition of CloudTrail log, digest and insight keys see any
// bytes.
#include "envelope_fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return trailwall::fuzz::fuzzEnvelope(data, size, [](std::string_view input) {
    return R"({"Records":[{"eventVersion":"2.1","eventSource":"aws:s3","awsRegion":"us-east-1",)"
           R"("eventTime":"2025-01-01T00:00:00.000Z","eventName":"ObjectCreated:Put",)"
           R"("s3":{"s3SchemaVersion":"1.0","configurationId":"trail",)"
           R"("bucket":{"name":"aws-cloudtrail-logs-111122223333-trail",)"
           R"("arn":"arn:aws:s3:::aws-cloudtrail-logs-111122223333-trail"},)"
           R"("object":{"key":)" +
           trailwall::fuzz::jsonString(input) + R"(,"size":1024}}}]})";
  });
}
