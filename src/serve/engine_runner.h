#pragma once
// A BatchRunner over the engine: each delivery is decoded on its own (so each gets its own
// outcome), the CloudTrail log files S3 notifications point to are fetched, the scopes of all
// changes make one batch, and the engine runs it with one partial commit. Until the shared
// runner (src/runner) exists this is the daemon's; it keeps to the same contract.
//
// Outcomes: a delivery whose body cannot be read at all is Unreadable; one whose log file could
// not be fetched is Retry; the others are Done when the run committed (or had nothing to do)
// and Retry when it failed. Once the stop token is requested, the firewall is not written to
// (the run fails as "stopping" and its deliveries are Retry); a write already started finishes
// with its commit or is reverted by the firewall client.

#include <functional>

#include "cloudtrail/decoder.h"
#include "common/clock.h"
#include "engine/engine.h"
#include "engine/inventory_source.h"
#include "panos/firewall.h"
#include "policy/options.h"
#include "serve/batch_runner.h"

namespace trailwall::serve {

// Fetches the CloudTrail log file an S3 notification names.
using LogObjectReader =
    std::function<Result<cloudtrail::PaddedBytes>(const cloudtrail::LogObject& object)>;

class EngineRunner final : public BatchRunner {
 public:
  EngineRunner(policy::Options options, cloudtrail::DecodeOptions decode,
               engine::InventorySource& inventory, panos::Firewall& firewall,
               LogObjectReader read_object, Clock& clock)
      : options_(std::move(options)),
        decoder_(std::move(decode)),
        inventory_(inventory),
        firewall_(firewall),
        read_object_(std::move(read_object)),
        clock_(clock) {}

  [[nodiscard]] RunResult run(const std::vector<Delivery>& deliveries, RunKind kind,
                              std::stop_token stop) override;

 private:
  policy::Options options_;
  cloudtrail::Decoder decoder_;
  engine::InventorySource& inventory_;
  panos::Firewall& firewall_;
  LogObjectReader read_object_;
  Clock& clock_;
};

// The "+ name" / "~ name (fields)" / "- name" lines of a plan, for the status page.
[[nodiscard]] std::vector<std::string> planLines(const policy::Plan& plan);

// The managed rules of `rulebase`, as the status page shows them.
[[nodiscard]] std::vector<ManagedRule> managedRules(const policy::Rulebase& rulebase,
                                                    std::string_view managed_tag);

}  // namespace trailwall::serve
