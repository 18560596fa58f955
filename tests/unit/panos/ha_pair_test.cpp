#include "panos/ha_pair.h"

#include <gtest/gtest.h>

#include <deque>

#include <fmt/format.h>

#include "panos/fake_firewall.h"
#include "reference.h"

namespace trailwall::panos {
namespace {

using testing::parseReference;

HaState haState(std::string local, std::string peer = "") {
  HaState state;
  state.enabled = true;
  state.mode = "Active-Passive";
  state.local = std::move(local);
  state.peer = std::move(peer);
  state.running_sync = "synchronized";
  state.sync_enabled = true;
  return state;
}

Error networkError() {
  return Error{ErrorCode::Network, "connection closed before an answer"};
}

TEST(HaState, ReadsTheActiveAndPassiveFirewallReplies) {
  const auto active = parseHaState(parseReference("op-show-ha-state-active-fw-719-perl.xml"));
  ASSERT_TRUE(active) << to_string(active.error());
  EXPECT_TRUE(active->enabled);
  EXPECT_EQ(active->mode, "Active-Passive");
  EXPECT_EQ(active->local, "active");  // not last-error-state (suspended)
  EXPECT_EQ(active->peer, "passive");
  EXPECT_EQ(active->running_sync, "synchronized");
  EXPECT_TRUE(active->sync_enabled);
  EXPECT_TRUE(active->active());

  const auto passive = parseHaState(parseReference("op-show-ha-state-passive-fw-1009-xsoar.xml"));
  ASSERT_TRUE(passive);
  EXPECT_EQ(passive->local, "passive");
  EXPECT_EQ(passive->peer, "active");
  EXPECT_EQ(passive->running_sync, "not synchronized");
  EXPECT_FALSE(passive->active());
}

TEST(HaState, ReadsDisabledAndPanoramaReplies) {
  for (const auto* name :
       {"op-show-ha-state-disabled-xsoar.xml", "op-show-ha-state-disabled-group-perl.xml"}) {
    const auto disabled = parseHaState(parseReference(name));
    ASSERT_TRUE(disabled) << name;
    EXPECT_FALSE(disabled->enabled) << name;
    EXPECT_FALSE(disabled->active()) << name;
  }
  const auto panorama =
      parseHaState(parseReference("op-show-ha-state-panorama-primary-active-xsoar.xml"));
  ASSERT_TRUE(panorama);
  EXPECT_EQ(panorama->local, "primary-active");
  EXPECT_EQ(panorama->peer, "secondary-passive");
  EXPECT_TRUE(panorama->active());
}

TEST(ChooseActivePeer, TheOnlyActivePeer) {
  std::vector<PeerAnswer> answers{{"fw-a", haState("passive", "active")},
                                  {"fw-b", haState("active", "passive")}};
  EXPECT_EQ(chooseActivePeer(answers), 1U);
  // The other peer not answering does not matter while one is active.
  answers[0].state = std::unexpected(networkError());
  EXPECT_EQ(chooseActivePeer(answers), 1U);
  answers[0].state = haState("initial");
  EXPECT_EQ(chooseActivePeer(answers), 1U);
}

TEST(ChooseActivePeer, NoActivePeerNamesEveryPeersState) {
  std::vector<PeerAnswer> answers{{"fw-a", std::unexpected(networkError())},
                                  {"fw-b", haState("passive", "unknown")}};
  auto chosen = chooseActivePeer(answers);
  ASSERT_FALSE(chosen);
  EXPECT_EQ(chosen.error().code, ErrorCode::Remote);
  EXPECT_NE(chosen.error().message.find("fw-a: no answer"), std::string::npos);
  EXPECT_NE(chosen.error().message.find("fw-b: passive"), std::string::npos);
  answers[1].state = std::unexpected(networkError());
  chosen = chooseActivePeer(answers);
  ASSERT_FALSE(chosen);
  EXPECT_EQ(chosen.error().code, ErrorCode::Network);
}

TEST(ChooseActivePeer, HaDisabledIsAConfigurationError) {
  std::vector<PeerAnswer> answers{{"fw-a", HaState{}}, {"fw-b", haState("active")}};
  const auto chosen = chooseActivePeer(answers);
  ASSERT_FALSE(chosen);
  EXPECT_EQ(chosen.error().code, ErrorCode::Config);
  EXPECT_NE(chosen.error().message.find("fw-a reports HA disabled"), std::string::npos);
}

TEST(ChooseActivePeer, TwoActivePassivePeersBothActiveWritesToNeither) {
  std::vector<PeerAnswer> answers{{"fw-a", haState("active")}, {"fw-b", haState("active")}};
  const auto chosen = chooseActivePeer(answers);
  ASSERT_FALSE(chosen);
  EXPECT_EQ(chosen.error().code, ErrorCode::Conflict);
}

TEST(ChooseActivePeer, ActiveActiveWritesToThePrimary) {
  std::vector<PeerAnswer> answers{{"fw-a", haState("active-secondary", "active-primary")},
                                  {"fw-b", haState("active-primary", "active-secondary")}};
  EXPECT_EQ(chooseActivePeer(answers), 1U);
  std::swap(answers[0].state, answers[1].state);
  EXPECT_EQ(chooseActivePeer(answers), 0U);
  // The primary gone: the remaining active peer.
  answers[0].state = haState("non-functional");
  EXPECT_EQ(chooseActivePeer(answers), 1U);
}

TEST(MayBeFailover, ConnectionFailuresAndDenialsOnly) {
  EXPECT_TRUE(mayBeFailover(networkError()));
  EXPECT_TRUE(mayBeFailover(Error{ErrorCode::Timeout, "no answer in 60 s"}));
  EXPECT_TRUE(mayBeFailover(Error{ErrorCode::Denied, "error 15 (operation denied)"}));
  EXPECT_FALSE(mayBeFailover(Error{ErrorCode::Conflict, "config lock held by admin"}));
  EXPECT_FALSE(mayBeFailover(Error{ErrorCode::InvalidInput, "bad xpath"}));
  EXPECT_FALSE(mayBeFailover(Error{ErrorCode::Remote, "commit failed"}));
}

TEST(RulesByName, ComparesRulesWithoutAttributes) {
  const auto active = ApiResponse::parse(
      R"(<response status="success"><result><rules>
      <entry name="a" uuid="1"><action>allow</action></entry>
      <entry name="b"><action>allow</action></entry>
      <entry name="c"><action>deny</action></entry></rules></result></response>)");
  const auto passive = ApiResponse::parse(
      R"(<response status="success"><result><rules>
      <entry name="a" uuid="1" admin="x" dirtyId="3"><action>allow</action></entry>
      <entry name="c"><action>allow</action></entry>
      <entry name="d"><action>allow</action></entry></rules></result></response>)");
  ASSERT_TRUE(active && passive);
  const auto a = rulesByName(active->result());
  const auto p = rulesByName(passive->result());
  ASSERT_EQ(a.size(), 3U);
  EXPECT_EQ(a.at("a"), p.at("a"));
  EXPECT_EQ(rulebaseDifference(a, a), "");
  EXPECT_EQ(rulebaseDifference(a, p), "missing b; different c; not on the active peer d");
}

// A peer whose HA state the test sets; its running rules are its FakeFirewall's rulebase.
class FakeHaPeer final : public HaPeer {
 public:
  FakeHaPeer(std::string name, Result<HaState> state, policy::Rulebase rulebase)
      : name_(std::move(name)), state_(std::move(state)), firewall_(std::move(rulebase)) {}
  [[nodiscard]] const std::string& name() const override { return name_; }
  [[nodiscard]] Firewall& firewall() override { return firewall_; }
  [[nodiscard]] Result<HaState> haState() override {
    ++state_queries_;
    if (!script_.empty()) {
      state_ = std::move(script_.front());
      script_.pop_front();
    }
    return state_;
  }
  [[nodiscard]] RequestCounts stateRequests() const override {
    RequestCounts counts;
    counts.by_kind["op/show"] = state_queries_;
    return counts;
  }
  [[nodiscard]] Result<std::map<std::string, std::string>> runningRules() override {
    std::map<std::string, std::string> rules;
    for (const auto& rule : firewall_.rulebase().rules) {
      rules[rule.name] = rule.action + " " + fmt::format("{}", fmt::join(rule.destination, ","));
    }
    return rules;
  }
  void setState(Result<HaState> state) { state_ = std::move(state); }
  // The answers of the next state queries, then the last one stays.
  void scriptStates(std::deque<Result<HaState>> states) { script_ = std::move(states); }
  [[nodiscard]] FakeFirewall& fake() { return firewall_; }
  [[nodiscard]] int stateQueries() const { return state_queries_; }

 private:
  std::string name_;
  Result<HaState> state_;
  std::deque<Result<HaState>> script_;
  FakeFirewall firewall_;
  int state_queries_ = 0;
};

policy::Rulebase someRules() {
  policy::SecurityRule rule;
  rule.name = "deny-all";
  rule.action = "deny";
  rule.destination = {"any"};
  policy::Rulebase rulebase;
  rulebase.rules = {rule};
  return rulebase;
}

policy::Plan addingOneRule() {
  policy::SecurityRule rule;
  rule.name = "sg-0123456789abcdef0-tcp-443";
  rule.action = "allow";
  rule.destination = {"10.0.1.10"};
  policy::Plan plan;
  plan.add_rules = {rule};
  plan.placement = policy::Placement{policy::Placement::Where::Before, "deny-all"};
  return plan;
}

class HaPairFirewallTest : public ::testing::Test {
 protected:
  HaPairFirewallTest() {
    auto a = std::make_unique<FakeHaPeer>("fw-a", haState("active", "passive"), someRules());
    auto b = std::make_unique<FakeHaPeer>("fw-b", haState("passive", "active"), someRules());
    a_ = a.get();
    b_ = b.get();
    options_.failover_wait = std::chrono::seconds(10);
    options_.poll = std::chrono::seconds(2);
    options_.passive_check_wait = std::chrono::seconds(4);
    pair_ = std::make_unique<HaPairFirewall>(std::move(a), std::move(b), clock_, options_);
  }
  void makeActive(FakeHaPeer& peer, FakeHaPeer& other, Result<HaState> other_state) {
    peer.setState(haState("active", "passive"));
    other.setState(std::move(other_state));
  }

  FakeClock clock_;
  HaPairOptions options_;
  FakeHaPeer* a_ = nullptr;
  FakeHaPeer* b_ = nullptr;
  std::unique_ptr<HaPairFirewall> pair_;
};

TEST_F(HaPairFirewallTest, ReadsHoldsWritesAndCommitsOnlyOnTheActivePeer) {
  makeActive(*b_, *a_, haState("passive", "active"));
  ASSERT_TRUE(pair_->readRulebase());
  auto hold = pair_->hold();
  ASSERT_TRUE(hold) << to_string(hold.error());
  ApplyReport report;
  ASSERT_TRUE(pair_->apply(addingOneRule(), **hold, report));
  EXPECT_EQ(pair_->activePeer(), "fw-b");
  EXPECT_EQ(b_->fake().commits(), 1);
  EXPECT_EQ(b_->fake().holds(), 1);
  EXPECT_EQ(a_->fake().commits(), 0);
  EXPECT_EQ(a_->fake().holds(), 0);
  EXPECT_EQ(a_->fake().reads(), 0);
  EXPECT_TRUE(a_->fake().appliedPlans().empty());
  // Each peer asked its state once, at the first request.
  EXPECT_EQ(a_->stateQueries(), 1);
  EXPECT_EQ(b_->stateQueries(), 1);
}

TEST_F(HaPairFirewallTest, NoActivePeerIsAnErrorWithoutAnyWrite) {
  a_->setState(haState("passive"));
  b_->setState(std::unexpected(networkError()));
  const auto start = clock_.steadyNow();
  auto hold = pair_->hold();
  ASSERT_FALSE(hold);
  EXPECT_NE(hold.error().message.find("no HA peer is active"), std::string::npos);
  EXPECT_EQ(clock_.steadyNow() - start, std::chrono::seconds(10));  // failover_wait, then no
  EXPECT_EQ(a_->fake().holds() + b_->fake().holds(), 0);
}

TEST_F(HaPairFirewallTest, ActivePeerDyingAtTheCommitIsAFailoverToItsPeer) {
  auto hold = pair_->hold();
  ASSERT_TRUE(hold);
  EXPECT_EQ(pair_->activePeer(), "fw-a");
  // fw-a dies as it is asked to commit; fw-b takes over.
  a_->fake().failNextCommit(networkError());
  makeActive(*b_, *a_, std::unexpected(networkError()));
  ApplyReport report;
  const auto applied = pair_->apply(addingOneRule(), **hold, report);
  ASSERT_FALSE(applied);
  EXPECT_EQ(applied.error().code, ErrorCode::Failover);
  EXPECT_NE(applied.error().message.find("fw-a is no longer the active peer, fw-b is"),
            std::string::npos)
      << applied.error().message;
  EXPECT_EQ(pair_->activePeer(), "fw-b");
  // The old hold writes nowhere: fw-b is not written through fw-a's hold.
  ApplyReport again;
  const auto through_old_hold = pair_->apply(addingOneRule(), **hold, again);
  ASSERT_FALSE(through_old_hold);
  EXPECT_EQ(through_old_hold.error().code, ErrorCode::Failover);
  EXPECT_TRUE(b_->fake().appliedPlans().empty());
  // A fresh hold is taken on the new active peer and writes there.
  auto fresh = pair_->hold();
  ASSERT_TRUE(fresh);
  ASSERT_TRUE(pair_->apply(addingOneRule(), **fresh, again));
  EXPECT_EQ(b_->fake().commits(), 1);
  EXPECT_EQ(a_->fake().commits(), 0);
}

TEST_F(HaPairFirewallTest, AnErrorWhileThePeerStaysActiveIsNoFailover) {
  auto hold = pair_->hold();
  ASSERT_TRUE(hold);
  a_->fake().failNextCommit(networkError());
  ApplyReport report;
  const auto applied = pair_->apply(addingOneRule(), **hold, report);
  ASSERT_FALSE(applied);
  EXPECT_EQ(applied.error().code, ErrorCode::Network);
  EXPECT_EQ(pair_->activePeer(), "fw-a");
  // Other errors do not even ask the peers.
  const int queries = a_->stateQueries();
  a_->fake().failNextCommit(Error{ErrorCode::Remote, "commit failed: invalid reference"});
  const auto failed = pair_->apply(addingOneRule(), **hold, report);
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().code, ErrorCode::Remote);
  EXPECT_EQ(a_->stateQueries(), queries);
}

TEST_F(HaPairFirewallTest, WaitsABoundedTimeForThePeerToBecomeActive) {
  auto hold = pair_->hold();
  ASSERT_TRUE(hold);
  a_->fake().failNextCommit(networkError());
  a_->setState(std::unexpected(networkError()));
  // fw-b is still passive for two polls (promotion hold), then active.
  b_->scriptStates(
      {haState("passive", "unknown"), haState("passive", "unknown"), haState("active", "unknown")});
  ApplyReport report;
  const auto start = clock_.steadyNow();
  const auto applied = pair_->apply(addingOneRule(), **hold, report);
  ASSERT_FALSE(applied);
  EXPECT_EQ(applied.error().code, ErrorCode::Failover);
  EXPECT_EQ(clock_.steadyNow() - start, std::chrono::seconds(4));
}

TEST_F(HaPairFirewallTest, CheckPassiveReportsAPassiveThatDidNotReceiveTheCommit) {
  options_.check_passive = true;
  auto a = std::make_unique<FakeHaPeer>("fw-a", haState("active", "passive"), someRules());
  auto b = std::make_unique<FakeHaPeer>("fw-b", haState("passive", "active"), someRules());
  auto* b_peer = b.get();
  HaPairFirewall pair(std::move(a), std::move(b), clock_, options_);
  auto hold = pair.hold();
  ASSERT_TRUE(hold);
  ApplyReport report;
  const auto applied = pair.apply(addingOneRule(), **hold, report);
  ASSERT_FALSE(applied);
  EXPECT_TRUE(report.committed);  // the commit stands; the pair is what is wrong
  EXPECT_EQ(applied.error().code, ErrorCode::Remote);
  EXPECT_NE(applied.error().message.find("fw-b is not synchronized"), std::string::npos)
      << applied.error().message;
  EXPECT_NE(applied.error().message.find("missing sg-0123456789abcdef0-tcp-443"), std::string::npos)
      << applied.error().message;
  EXPECT_EQ(b_peer->fake().commits(), 0);

  // Synchronized (the test plays config sync): no error.
  b_peer->fake().setRulebase(policy::applyPlan(someRules(), addingOneRule()));
  auto hold2 = pair.hold();
  ASSERT_TRUE(hold2);
  ApplyReport report2;
  policy::Plan nothing_new = addingOneRule();
  EXPECT_TRUE(pair.apply(nothing_new, **hold2, report2).has_value());
}

TEST_F(HaPairFirewallTest, CheckPassiveFailsAtOnceWhenConfigSyncIsOff) {
  options_.check_passive = true;
  auto off = haState("active", "passive");
  off.sync_enabled = false;
  off.running_sync = "not synchronized";
  auto a = std::make_unique<FakeHaPeer>("fw-a", off, someRules());
  auto b = std::make_unique<FakeHaPeer>("fw-b", haState("passive", "active"), someRules());
  HaPairFirewall pair(std::move(a), std::move(b), clock_, options_);
  auto hold = pair.hold();
  ASSERT_TRUE(hold);
  ApplyReport report;
  const auto start = clock_.steadyNow();
  const auto applied = pair.apply(addingOneRule(), **hold, report);
  ASSERT_FALSE(applied);
  EXPECT_NE(applied.error().message.find("running-sync not synchronized, config sync disabled"),
            std::string::npos)
      << applied.error().message;
  EXPECT_EQ(clock_.steadyNow(), start);  // no wait: sync is off
}

}  // namespace
}  // namespace trailwall::panos
