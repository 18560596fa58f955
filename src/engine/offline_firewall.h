#pragma once
// A firewall known only from its configuration export (`trailwall plan --rules FILE`, or no
// firewall at all: an empty rulebase). It can be planned against but not asked about flows
// (no flow counts as already allowed) and not written to.

#include <utility>

#include "panos/firewall.h"

namespace trailwall::engine {

class OfflineFirewall final : public panos::Firewall {
 public:
  explicit OfflineFirewall(policy::Rulebase rulebase) : rulebase_(std::move(rulebase)) {}

  [[nodiscard]] Result<policy::Rulebase> readRulebase() override { return rulebase_; }
  [[nodiscard]] const panos::PendingChanges& pendingChanges() const override { return none_; }
  [[nodiscard]] Result<bool> unmarkedChangesPending() override { return false; }
  [[nodiscard]] Result<panos::AllowedReport> alreadyAllowed(
      const std::vector<policy::Flow>& /*flows*/) override {
    return panos::AllowedReport{};
  }
  [[nodiscard]] Result<panos::MatchAnswers> matchFlows(
      const std::vector<policy::Flow>& flows) override {
    panos::MatchAnswers none;  // an export cannot be asked
    none.matches.resize(flows.size());
    none.untested = static_cast<int>(flows.size());
    return none;
  }
  [[nodiscard]] Result<panos::MatchAnswers> matchFlowsAll(
      const std::vector<policy::Flow>& flows) override {
    return matchFlows(flows);
  }
  // An export holds no registrations: the tag layout's plan shows every one as to register.
  [[nodiscard]] Result<policy::Mappings> readRegistrations() override { return policy::Mappings{}; }
  [[nodiscard]] Status sendRegistrations(const policy::RegistrationChanges& /*changes*/,
                                         std::int64_t /*timeout_seconds*/, panos::Hold& /*hold*/,
                                         panos::RegistrationReport& /*report*/) override {
    return fail(ErrorCode::Unsupported,
                "a rulebase read from a file cannot be written; configure the firewall");
  }
  [[nodiscard]] Result<std::unique_ptr<panos::Hold>> hold() override {
    return fail(ErrorCode::Unsupported,
                "a rulebase read from a file cannot be written; configure the firewall");
  }
  [[nodiscard]] Status revertLeftovers(panos::Hold& /*hold*/) override { return {}; }
  [[nodiscard]] Status apply(const policy::Plan& /*plan*/, panos::Hold& /*hold*/,
                             panos::ApplyReport& /*report*/) override {
    return fail(ErrorCode::Unsupported,
                "a rulebase read from a file cannot be written; configure the firewall");
  }
  [[nodiscard]] panos::RequestCounts requestCounts() const override { return {}; }

 private:
  policy::Rulebase rulebase_;
  panos::PendingChanges none_;
};

}  // namespace trailwall::engine
