// libFuzzer target: SQS messages and batches. As it is, the input is one message body (an
// EventBridge event, an S3 notification or an SNS envelope in production); wrapped, it is the
// body of both records of a Lambda SQS batch, so the batch's per-message locations and errors
// see any bytes.
#include "envelope_fuzz.h"

namespace {

std::string record(std::string_view id, const std::string& body) {
  return std::string(R"({"messageId":")") + std::string(id) +
         R"(","receiptHandle":"AQEB","body":)" + body +
         R"(,"attributes":{"ApproximateReceiveCount":"1"},"messageAttributes":{},)"
         R"("eventSource":"aws:sqs","eventSourceARN":"arn:aws:sqs:us-east-1:111122223333:q",)"
         R"("awsRegion":"us-east-1"})";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return trailwall::fuzz::fuzzEnvelope(data, size, [](std::string_view input) {
    const std::string body = trailwall::fuzz::jsonString(input);
    return R"({"Records":[)" + record("059f36b4-87a3-44ab-83d2-661975830a7d", body) + "," +
           record("2e1424d4-f796-459a-8184-9c92662be6da", body) + "]}";
  });
}
