// libFuzzer target: EventBridge events ("AWS API Call via CloudTrail", "Scheduled Event"). Wrapped:
// the input is the event's detail as raw JSON (a CloudTrail record in production), so the
// envelope's fallbacks (account and region from the envelope) meet any record.
#include "envelope_fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return trailwall::fuzz::fuzzEnvelope(data, size, [](std::string_view input) {
    return R"({"version":"0","id":"6a7e8feb-b491-4cf7-a9f1-bf3703467718",)"
           R"("detail-type":"AWS API Call via CloudTrail","source":"aws.ec2",)"
           R"("account":"111122223333","time":"2025-01-01T00:00:00Z","region":"us-east-1",)"
           R"("resources":[],"detail":)" +
           std::string(input) + "}";
  });
}
