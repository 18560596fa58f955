// libFuzzer target over every PAN-OS reply parser: the envelope, messages, multi-config
// sub-responses, error mapping, commit replies, jobs, locks, security-policy-match (all three
// shapes, and the CLI text on its own) and Panorama's (push jobs, show devicegroups, version).
// Nothing may crash, hang or read out of bounds.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "panos/client.h"
#include "panos/jobs.h"
#include "panos/locks.h"
#include "panos/panorama.h"
#include "panos/policy_match.h"
#include "panos/response.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace trailwall::panos;
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  (void)parsePolicyMatchText(body);
  const auto response = ApiResponse::parse(body);
  if (!response) {
    return 0;
  }
  (void)response->joinedMessages();
  (void)response->subResponses();
  (void)errorFromResponse(*response, 200, "fuzz");
  (void)errorFromResponse(*response, 403, "fuzz");
  (void)isMultiConfigRefusal(*response, 400);
  (void)parseCommitReply(*response);
  if (const auto job = parseJob(*response, 1)) {
    (void)job->done();
    (void)pushResult(*job, "dg");
  }
  (void)unpushedCommitters(parseJobs(*response), "dg", "trailwall");
  for (const char* group : {"LAB", "dg1"}) {
    if (const auto devices = parseDeviceGroup(*response, group)) {
      (void)decidePush(PushPolicy::Auto, std::nullopt, *devices);
    }
  }
  (void)systemInfoVersion(*response);
  const auto locks = parseLocks(*response);
  (void)describeLocks(heldByOthers(locks, "trailwall"), "config");
  (void)parsePolicyMatch(*response);
  return 0;
}
