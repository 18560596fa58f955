#pragma once
// A hand-written Firewall for the engine's tests: a rulebase in memory, a rule for which flows
// are already allowed, and scripted failures. apply() changes the rulebase the way PanOsFirewall
// changes the device (policy::applyPlan) and counts commits.

#include <functional>
#include <optional>
#include <utility>
#include <vector>

#include "panos/firewall.h"

namespace trailwall::panos {

class FakeFirewall final : public Firewall {
 public:
  explicit FakeFirewall(policy::Rulebase rulebase = {}) : rulebase_(std::move(rulebase)) {}

  [[nodiscard]] Result<policy::Rulebase> readRulebase() override {
    ++reads_;
    ++counts_.by_kind["config/get"];
    if (read_error_) {
      return std::unexpected(*read_error_);
    }
    return rulebase_;
  }

  [[nodiscard]] Result<AllowedReport> alreadyAllowed(
      const std::vector<policy::Flow>& flows) override {
    AllowedReport report;
    for (const auto& flow : flows) {
      ++report.tests;
      ++counts_.by_kind["op/test"];
      if (allows_ && allows_(flow)) {
        report.allowed.insert(flow);
      }
    }
    tests_ += report.tests;
    return report;
  }

  [[nodiscard]] Result<ApplyReport> apply(const policy::Plan& plan) override {
    ApplyReport report = plannedCounts(plan);
    if (plan.empty()) {
      return report;
    }
    applied_.push_back(plan);
    ++counts_.by_kind["config/multi-config"];
    ++counts_.by_kind["commit"];
    if (commit_error_) {
      auto error = *commit_error_;
      commit_error_.reset();
      return std::unexpected(error);  // the candidate is reverted: the rulebase stays as it was
    }
    rulebase_ = policy::applyPlan(rulebase_, plan);
    ++commits_;
    report.write_requests = 1;
    report.multi_config = true;
    report.commit_job = commits_;
    return report;
  }

  [[nodiscard]] RequestCounts requestCounts() const override { return counts_; }

  // Test setup.
  void setRulebase(policy::Rulebase rulebase) { rulebase_ = std::move(rulebase); }
  void setAllows(std::function<bool(const policy::Flow&)> allows) { allows_ = std::move(allows); }
  void failReads(Error error) { read_error_ = std::move(error); }
  void failNextCommit(Error error) { commit_error_ = std::move(error); }

  // Observations.
  [[nodiscard]] const policy::Rulebase& rulebase() const { return rulebase_; }
  [[nodiscard]] int reads() const { return reads_; }
  [[nodiscard]] int tests() const { return tests_; }
  [[nodiscard]] int commits() const { return commits_; }
  [[nodiscard]] const std::vector<policy::Plan>& appliedPlans() const { return applied_; }

 private:
  policy::Rulebase rulebase_;
  std::function<bool(const policy::Flow&)> allows_;
  std::optional<Error> read_error_;
  std::optional<Error> commit_error_;
  std::vector<policy::Plan> applied_;
  RequestCounts counts_;
  int reads_ = 0;
  int tests_ = 0;
  int commits_ = 0;
};

}  // namespace trailwall::panos
