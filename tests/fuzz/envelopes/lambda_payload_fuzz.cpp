// libFuzzer target: the payloads AWS Lambda invokes trailwall with (S3 and SNS events, SQS batches,
// EventBridge events and schedules). Wrapped: the input is the Message of a Lambda SNS event
// record (Records[].Sns.Message), the one payload whose envelope differs from its SQS and HTTP
// deliveries.
#include "envelope_fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return trailwall::fuzz::fuzzEnvelope(data, size, [](std::string_view input) {
    return R"({"Records":[{"EventSource":"aws:sns","EventVersion":"1.0",)"
           R"("EventSubscriptionArn":"arn:aws:sns:us-east-1:111122223333:trail:2bcfbf39",)"
           R"("Sns":{"Type":"Notification","MessageId":"95df01b4-ee98-5cb9-9903-4c221d41eb5e",)"
           R"("TopicArn":"arn:aws:sns:us-east-1:111122223333:trail","Subject":null,"Message":)" +
           trailwall::fuzz::jsonString(input) +
           R"(,"Timestamp":"2025-01-01T00:00:00.000Z","MessageAttributes":{}}}]})";
  });
}
