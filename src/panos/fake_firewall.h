#pragma once
// A hand-written Firewall for the engine's tests: a rulebase in memory, a rule for which flows
// are already allowed, a hold that can be refused, lost or preceded by another run's change, and
// scripted failures. apply() changes the rulebase the way PanOsFirewall changes the device
// (policy::applyPlan) and counts holds, writes and commits.

#include <algorithm>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "panos/firewall.h"
#include "panos/userid.h"

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

  [[nodiscard]] const PendingChanges& pendingChanges() const override { return pending_; }
  [[nodiscard]] Result<bool> unmarkedChangesPending() override { return unmarked_pending_; }

  [[nodiscard]] Result<AllowedReport> alreadyAllowed(
      const std::vector<policy::Flow>& flows) override {
    AllowedReport report;
    for (const auto& flow : flows) {
      ++report.tests;
      ++counts_.by_kind["op/test"];
      tested_.push_back(flow);
      if (allows_ && allows_(flow)) {
        report.allowed.insert(flow);
      }
    }
    tests_ += report.tests;
    return report;
  }

  // The first enabled rule of the rulebase whose source, destination and application admit the
  // flow (zones and services are not looked at), unless setMatches scripts the answer.
  [[nodiscard]] Result<MatchAnswers> matchFlows(const std::vector<policy::Flow>& flows) override {
    MatchAnswers report;
    for (const auto& flow : flows) {
      if (report.tests >= max_tests_) {
        report.matches.emplace_back();
        ++report.untested;
        continue;
      }
      ++report.tests;
      ++counts_.by_kind["op/test"];
      proved_.push_back(flow);
      report.matches.push_back(matches_ ? matches_(flow) : matching(flow, /*all=*/false));
    }
    return report;
  }

  // Every enabled rule that admits the flow, in order (show-all).
  [[nodiscard]] Result<MatchAnswers> matchFlowsAll(
      const std::vector<policy::Flow>& flows) override {
    MatchAnswers report;
    for (const auto& flow : flows) {
      ++report.tests;
      ++counts_.by_kind["op/test"];
      report.matches.push_back(matches_all_ ? matches_all_(flow) : matching(flow, /*all=*/true));
    }
    return report;
  }

  [[nodiscard]] Result<policy::Mappings> readRegistrations() override {
    ++counts_.by_kind["op/show"];
    if (registration_read_error_) return std::unexpected(*registration_read_error_);
    return registrations_;
  }

  // Applies `changes` to the registrations in memory, counting the requests the PAN-OS client
  // would send (uidMessages with the same bound).
  [[nodiscard]] Status sendRegistrations(const policy::RegistrationChanges& changes,
                                         std::int64_t timeout_seconds, Hold& /*hold*/,
                                         RegistrationReport& report) override {
    if (!held_) {
      return fail(ErrorCode::Internal, "FakeFirewall: registrations without holding the firewall");
    }
    auto messages = uidMessages(changes, timeout_seconds, max_body_);
    if (!messages) return std::unexpected(messages.error());
    report.requests = static_cast<int>(messages->size());
    counts_.by_kind["user-id"] += report.requests;
    userid_requests_ += report.requests;
    if (registration_error_) return std::unexpected(*registration_error_);
    for (const auto& [address, tags] : changes.unregister_tags) {
      for (const auto& tag : tags) registrations_[address].erase(tag);
      if (registrations_[address].empty()) registrations_.erase(address);
      report.unregistered += tags.size();
    }
    for (const auto& [address, tags] : changes.register_tags) {
      registrations_[address].insert(tags.begin(), tags.end());
      report.registered += tags.size();
    }
    last_timeout_ = timeout_seconds;
    sent_.push_back(changes);
    report.sent = true;
    return {};
  }

  [[nodiscard]] Result<std::unique_ptr<Hold>> hold() override {
    ++holds_;
    if (hold_error_) {
      return std::unexpected(*hold_error_);
    }
    if (before_hold_) {
      auto hook = std::move(before_hold_);
      before_hold_ = nullptr;
      hook(*this);  // another run's work, done while this one waited
    }
    auto held = std::make_unique<FakeHold>(*this);
    held_ = true;
    return std::unique_ptr<Hold>(std::move(held));
  }

  [[nodiscard]] Status revertLeftovers(Hold& /*hold*/) override {
    ++leftover_reverts_;
    pending_ = {};
    unmarked_pending_ = false;
    if (leftovers_) {
      rulebase_ = *leftovers_;  // the candidate without them
      leftovers_.reset();
    }
    return {};
  }

  [[nodiscard]] Status apply(const policy::Plan& plan, Hold& hold, ApplyReport& report) override {
    report = plannedCounts(plan);
    if (plan.empty()) {
      return {};
    }
    if (!held_) {
      return fail(ErrorCode::Internal, "FakeFirewall: apply without holding the firewall");
    }
    applied_.push_back(plan);
    ++counts_.by_kind["config/multi-config"];
    report.written = true;
    report.write_requests = 1;
    report.multi_config = true;
    if (auto still = hold.verify(); !still) {
      return std::unexpected(still.error());
    }
    ++counts_.by_kind["commit"];
    if (commit_error_) {
      auto error = *commit_error_;
      commit_error_.reset();
      report.reverted = true;
      return std::unexpected(error);  // the candidate is reverted: the rulebase stays as it was
    }
    rulebase_ = policy::applyPlan(rulebase_, plan);
    ++commits_;
    report.commit_job = commits_;
    report.committed = true;
    return {};
  }

  [[nodiscard]] RequestCounts requestCounts() const override { return counts_; }

  // Test setup.
  void setRulebase(policy::Rulebase rulebase) { rulebase_ = std::move(rulebase); }
  void setAllows(std::function<bool(const policy::Flow&)> allows) { allows_ = std::move(allows); }
  void setMatches(std::function<std::vector<MatchedRule>(const policy::Flow&)> matches) {
    matches_ = std::move(matches);
  }
  void setMatchesAll(std::function<std::vector<MatchedRule>(const policy::Flow&)> matches) {
    matches_all_ = std::move(matches);
  }
  void setMaxTests(int max_tests) { max_tests_ = max_tests; }
  void failReads(Error error) { read_error_ = std::move(error); }
  void failNextCommit(Error error) { commit_error_ = std::move(error); }
  void refuseHold(Error error) { hold_error_ = std::move(error); }
  void loseHoldBeforeCommit(Error error) { lose_hold_ = std::move(error); }
  // Runs `hook` once, when the next hold is taken (as if another run committed meanwhile).
  void beforeHold(std::function<void(FakeFirewall&)> hook) { before_hold_ = std::move(hook); }
  // Leftover uncommitted changes of this administrator: the candidate is `with` until they are
  // reverted, then `without`.
  void setLeftovers(PendingChanges pending, policy::Rulebase with, policy::Rulebase without) {
    pending_ = std::move(pending);
    rulebase_ = std::move(with);
    leftovers_ = std::move(without);
  }
  void setUnmarkedPending(bool pending) { unmarked_pending_ = pending; }
  void setRegistrations(policy::Mappings registrations) {
    registrations_ = std::move(registrations);
  }
  void failRegistrationRead(Error error) { registration_read_error_ = std::move(error); }
  void failRegistrations(Error error) { registration_error_ = std::move(error); }
  void setMaxUserIdBody(std::size_t bytes) { max_body_ = bytes; }

  // Observations.
  [[nodiscard]] const policy::Rulebase& rulebase() const { return rulebase_; }
  [[nodiscard]] int reads() const { return reads_; }
  [[nodiscard]] int tests() const { return tests_; }
  [[nodiscard]] const std::vector<policy::Flow>& tested() const { return tested_; }
  [[nodiscard]] const std::vector<policy::Flow>& proved() const { return proved_; }
  [[nodiscard]] int commits() const { return commits_; }
  [[nodiscard]] int holds() const { return holds_; }
  [[nodiscard]] int releases() const { return releases_; }
  [[nodiscard]] bool held() const { return held_; }
  [[nodiscard]] int leftoverReverts() const { return leftover_reverts_; }
  [[nodiscard]] const std::vector<policy::Plan>& appliedPlans() const { return applied_; }
  [[nodiscard]] const policy::Mappings& registrations() const { return registrations_; }
  [[nodiscard]] int userIdRequests() const { return userid_requests_; }
  [[nodiscard]] const std::vector<policy::RegistrationChanges>& sentRegistrations() const {
    return sent_;
  }
  [[nodiscard]] std::int64_t lastTimeout() const { return last_timeout_; }

 private:
  // The first (or every) enabled rule whose source, destination and application admit the flow;
  // a destination naming a dynamic address group with a filter "'tag'" admits the addresses
  // registered with that tag.
  [[nodiscard]] std::vector<MatchedRule> matching(const policy::Flow& flow, bool all) const {
    const auto admits = [](const policy::Members& members, const std::string& value) {
      return members.empty() || std::find(members.begin(), members.end(), "any") != members.end() ||
             std::find(members.begin(), members.end(), value) != members.end();
    };
    const auto destination = flow.destination.toString();
    const auto admits_destination = [&](const policy::Members& members) {
      if (admits(members, destination)) return true;
      const auto registered = registrations_.find(flow.destination);
      if (registered == registrations_.end()) return false;
      return std::any_of(members.begin(), members.end(), [&](const std::string& m) {
        const auto* group = rulebase_.findAddressGroup(m);
        if (group == nullptr || group->filter.size() < 2) return false;
        const auto tag = group->filter.substr(1, group->filter.size() - 2);
        return registered->second.contains(tag);
      });
    };
    const auto source =
        flow.source.prefixLength() == 0 ? std::string("any") : flow.source.toString();
    std::vector<MatchedRule> out;
    for (std::size_t i = 0; i < rulebase_.rules.size(); ++i) {
      const auto& rule = rulebase_.rules[i];
      if (rule.disabled || !admits_destination(rule.destination) || !admits(rule.source, source) ||
          !admits(rule.application, flow.application)) {
        continue;
      }
      out.push_back(MatchedRule{rule.name, static_cast<int>(i) + 1, rule.action});
      if (!all) break;
    }
    return out;
  }

  class FakeHold final : public Hold {
   public:
    explicit FakeHold(FakeFirewall& firewall) : firewall_(firewall) { report_.run_id = "test"; }
    ~FakeHold() override { (void)release(); }
    [[nodiscard]] Status verify() override {
      if (firewall_.lose_hold_) {
        return std::unexpected(*firewall_.lose_hold_);
      }
      return {};
    }
    [[nodiscard]] Status release() override {
      if (!report_.released) {
        report_.released = true;
        firewall_.held_ = false;
        ++firewall_.releases_;
      }
      return {};
    }
    [[nodiscard]] const HoldReport& report() const override { return report_; }

   private:
    FakeFirewall& firewall_;
    HoldReport report_;
  };

  policy::Rulebase rulebase_;
  std::optional<policy::Rulebase> leftovers_;
  PendingChanges pending_;
  bool unmarked_pending_ = false;
  std::function<bool(const policy::Flow&)> allows_;
  std::function<void(FakeFirewall&)> before_hold_;
  std::optional<Error> read_error_;
  std::optional<Error> commit_error_;
  std::optional<Error> hold_error_;
  std::optional<Error> lose_hold_;
  std::vector<policy::Plan> applied_;
  std::vector<policy::Flow> tested_;
  std::vector<policy::Flow> proved_;
  std::function<std::vector<MatchedRule>(const policy::Flow&)> matches_;
  std::function<std::vector<MatchedRule>(const policy::Flow&)> matches_all_;
  int max_tests_ = 200;
  policy::Mappings registrations_;
  std::optional<Error> registration_read_error_;
  std::optional<Error> registration_error_;
  std::vector<policy::RegistrationChanges> sent_;
  std::size_t max_body_ = kMaxUserIdBodyBytes;
  std::int64_t last_timeout_ = 0;
  int userid_requests_ = 0;
  RequestCounts counts_;
  int reads_ = 0;
  int tests_ = 0;
  int commits_ = 0;
  int holds_ = 0;
  int releases_ = 0;
  int leftover_reverts_ = 0;
  bool held_ = false;
};

}  // namespace trailwall::panos
