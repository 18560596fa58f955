#include "panos/run_lock.h"

#include <gtest/gtest.h>

#include <functional>

#include "form.h"
#include "http/fake_transport.h"
#include "lock_device.h"

namespace trailwall::panos {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::formFields;

const auto kStart = std::chrono::system_clock::from_time_t(1777629600);  // 2026-05-01T10:00:00Z

TEST(HoldComment, RoundTripsAndRefusesOtherComments) {
  const auto comment = holdComment("tw-0a1b2c3d4e5f", kStart);
  EXPECT_EQ(comment, "trailwall run tw-0a1b2c3d4e5f since 2026-05-01T10:00:00Z");
  const auto parsed = parseHoldComment(comment);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->run_id, "tw-0a1b2c3d4e5f");
  EXPECT_EQ(parsed->since, kStart);
  EXPECT_EQ(describeHolder(*parsed), "run tw-0a1b2c3d4e5f since 2026-05-01T10:00:00Z");
  for (const char* other : {"", "(null)", "maintenance window", "trailwall run x since soon",
                            "trailwall run tw-1 since 2026-13-01T10:00:00Z",
                            "trailwall run TW-1 since 2026-05-01T10:00:00Z",
                            "trailwall run tw-1 since 2026-05-01T10:00:00Z and more"}) {
    EXPECT_FALSE(parseHoldComment(other).has_value()) << other;
  }
  EXPECT_FALSE(validateRunId("tw-1'<x>"));
  EXPECT_FALSE(validateRunId(""));
  EXPECT_TRUE(validateRunId("tw-0a1b2c3d4e5f"));
}

// A device whose config locks follow LockDevice; `script` runs before each request so a test
// can let another run release its lock at a given time.
class RunLockTest : public ::testing::Test {
 protected:
  RunLockTest() {
    transport_.setHandler([this](const http::Request& r) -> Result<http::Response> {
      if (before_request_) before_request_();
      const auto fields = formFields(r.body);
      requests_.push_back(fields);
      if (auto reply = device_.handle(fields, "trailwall")) return *reply;
      return http::Response{200, {}, "<response status='error' code='1'/>"};
    });
  }
  RunLockOptions options(std::string run_id = "tw-me") {
    RunLockOptions o;
    o.firewall = "fw.example";
    o.run_id = std::move(run_id);
    o.wait = seconds(60);
    o.lease = seconds(900);
    return o;
  }
  // Another run's lock, taken `age` ago.
  void anotherRunHolds(std::string run_id, std::chrono::seconds age) {
    device_.locks["trailwall"] = holdComment(run_id, clock_.now() - age);
  }
  int sent(const std::string& cmd_prefix) const {
    int n = 0;
    for (const auto& f : requests_) {
      const auto c = f.find("cmd");
      if (c != f.end() && c->second.starts_with(cmd_prefix)) ++n;
    }
    return n;
  }

  testing::LockDevice device_;
  std::function<void()> before_request_;
  std::vector<std::map<std::string, std::string>> requests_;
  http::FakeTransport transport_;
  FakeClock clock_{kStart};
  PanOsClient client_{transport_, clock_, testing::deviceClientOptions()};
};

TEST_F(RunLockTest, TakesAFreeFirewallWithItsRunInTheLockComment) {
  auto hold = RunLock::take(client_, clock_, options());
  ASSERT_TRUE(hold.has_value()) << to_string(hold.error());
  EXPECT_EQ(device_.locks.at("trailwall"), "trailwall run tw-me since 2026-05-01T10:00:00Z");
  EXPECT_EQ((*hold)->report().waited, milliseconds(0));
  EXPECT_TRUE((*hold)->report().waited_for.empty());
  // The lock is taken on the whole device (scope shared).
  for (const auto& f : requests_) {
    if (f.at("cmd").starts_with("<request>")) {
      EXPECT_EQ(f.at("vsys"), "shared");
    }
  }
  EXPECT_TRUE((*hold)->verify().has_value());
  ASSERT_TRUE((*hold)->release().has_value());
  EXPECT_TRUE(device_.locks.empty());
  EXPECT_TRUE((*hold)->report().released);
}

TEST_F(RunLockTest, WaitsForAnotherRunAndNoticesItsReleaseWithinAFastPoll) {
  anotherRunHolds("tw-other", seconds(1));
  const auto released_at = clock_.steadyNow() + milliseconds(1300);
  before_request_ = [&] {
    if (clock_.steadyNow() >= released_at) device_.locks.erase("trailwall");
  };
  auto hold = RunLock::take(client_, clock_, options());
  ASSERT_TRUE(hold.has_value()) << to_string(hold.error());
  const auto waited = (*hold)->report().waited;
  EXPECT_GE(waited, milliseconds(1300));
  EXPECT_LE(waited, milliseconds(1300 + 250));  // one fast poll at most
  EXPECT_EQ((*hold)->report().waited_for,
            std::vector<std::string>{"run tw-other since 2026-05-01T09:59:59Z"});
  EXPECT_EQ(device_.locks.at("trailwall").rfind("trailwall run tw-me since", 0), 0U);
}

TEST_F(RunLockTest, GivesUpAfterTheWaitNamingTheRunItWaitedFor) {
  anotherRunHolds("tw-other", seconds(10));
  auto hold = RunLock::take(client_, clock_, options());
  ASSERT_FALSE(hold.has_value());
  EXPECT_EQ(hold.error().code, ErrorCode::Conflict);
  EXPECT_EQ(hold.error().message,
            "firewall fw.example is busy with run tw-other since 2026-05-01T09:59:50Z; waited "
            "60 s (a hold is taken over as crashed only after 900 s)");
  EXPECT_EQ(device_.locks.at("trailwall"), holdComment("tw-other", kStart - seconds(10)));
  EXPECT_EQ(device_.removes, 0);
  // Fast polls while the holder is young, then one per 2 s: 20 + 28 + the first look.
  EXPECT_LE(sent("<show><config-locks"), 50);
  EXPECT_GE(sent("<show><config-locks"), 45);
}

TEST_F(RunLockTest, PollsAgainFastWhenTheHolderChanges) {
  anotherRunHolds("tw-first", seconds(0));
  before_request_ = [&] {
    const auto t =
        clock_.steadyNow() - std::chrono::steady_clock::time_point(kStart.time_since_epoch());
    const auto held = device_.locks.find("trailwall");
    if (t >= seconds(8) && t < seconds(12) && held != device_.locks.end() &&
        held->second.find("tw-first") != std::string::npos) {
      anotherRunHolds("tw-second", seconds(0));
    }
    if (t >= seconds(12)) device_.locks.erase("trailwall");
  };
  auto hold = RunLock::take(client_, clock_, options());
  ASSERT_TRUE(hold.has_value()) << to_string(hold.error());
  EXPECT_EQ((*hold)->report().waited_for.size(), 2U);
  // The second holder was first seen at 8-10 s and polled fast from then: its release at 12 s
  // is noticed within 0.25 s.
  EXPECT_LE((*hold)->report().waited, milliseconds(12250));
}

TEST_F(RunLockTest, TakesOverACrashedRunsHoldAfterTheLease) {
  anotherRunHolds("tw-crashed", seconds(901));
  auto hold = RunLock::take(client_, clock_, options());
  ASSERT_TRUE(hold.has_value()) << to_string(hold.error());
  EXPECT_EQ((*hold)->report().took_over, "run tw-crashed since 2026-05-01T09:44:59Z");
  EXPECT_EQ(device_.removes, 1);
  EXPECT_EQ(device_.locks.at("trailwall").rfind("trailwall run tw-me since", 0), 0U);
  // Read twice before removing: the lock is removed only if it is still the crashed run's.
  EXPECT_GE(sent("<show><config-locks"), 2);
}

TEST_F(RunLockTest, DoesNotRemoveAHoldThatChangedBetweenItsTwoLooks) {
  anotherRunHolds("tw-crashed", seconds(901));
  before_request_ = [&] {
    // Another waiter takes the crashed run's hold over between this run's two looks, and keeps
    // it for the rest of the test.
    if (device_.shows == 1) anotherRunHolds("tw-quicker", seconds(0));
  };
  auto options_short = options();
  options_short.wait = seconds(5);
  auto hold = RunLock::take(client_, clock_, options_short);
  ASSERT_FALSE(hold.has_value());
  EXPECT_EQ(device_.removes, 0);
  EXPECT_NE(hold.error().message.find("busy with run tw-quicker"), std::string::npos)
      << hold.error().message;
}

TEST_F(RunLockTest, AYoungHoldIsNeverTakenOver) {
  anotherRunHolds("tw-alive", seconds(899));
  auto options_short = options();
  options_short.wait = seconds(0);
  auto hold = RunLock::take(client_, clock_, options_short);
  ASSERT_FALSE(hold.has_value());
  EXPECT_EQ(device_.removes, 0);
}

TEST_F(RunLockTest, AnotherAdministratorsLockIsWaitedForAndNeverRemoved) {
  device_.locks["bob"] = "maintenance";
  auto options_short = options();
  options_short.wait = seconds(30);
  auto hold = RunLock::take(client_, clock_, options_short);
  ASSERT_FALSE(hold.has_value());
  EXPECT_EQ(hold.error().code, ErrorCode::Conflict);
  EXPECT_EQ(hold.error().message,
            "firewall fw.example is busy: config lock held by bob (scope shared, since "
            "2026/05/01 10:00:00, comment: maintenance); waited 30 s; trailwall never removes "
            "another administrator's lock");
  EXPECT_EQ(device_.removes, 0);
  EXPECT_EQ(sent("<show><config-locks"), 4);  // at 0, 10, 20 and 30 s
}

TEST_F(RunLockTest, ALockOfTheAdministratorWithoutARunIsNotTakenOver) {
  device_.locks["trailwall"] = "";
  clock_.advance(std::chrono::hours(24));
  auto options_short = options();
  options_short.wait = seconds(0);
  auto hold = RunLock::take(client_, clock_, options_short);
  ASSERT_FALSE(hold.has_value());
  EXPECT_NE(hold.error().message.find(
                "a config lock of trailwall's administrator trailwall that no trailwall run took"),
            std::string::npos)
      << hold.error().message;
  EXPECT_EQ(device_.removes, 0);
}

TEST_F(RunLockTest, AnAddWhoseAnswerWasLostButTookEffectIsTheHold) {
  bool dropped = false;
  transport_.setHandler([&](const http::Request& r) -> Result<http::Response> {
    const auto fields = formFields(r.body);
    auto reply = device_.handle(fields, "trailwall");
    if (!dropped && fields.at("cmd").starts_with("<request><config-lock><add>")) {
      dropped = true;
      return fail(ErrorCode::Network, "connection reset by peer");
    }
    return *reply;
  });
  auto hold = RunLock::take(client_, clock_, options());
  ASSERT_TRUE(hold.has_value()) << to_string(hold.error());
  EXPECT_EQ(device_.adds, 1);
}

TEST_F(RunLockTest, LosingTheHoldIsSeenBeforeCommitting) {
  auto hold = RunLock::take(client_, clock_, options());
  ASSERT_TRUE(hold.has_value());
  anotherRunHolds("tw-thief", seconds(0));
  const auto lost = (*hold)->verify();
  ASSERT_FALSE(lost.has_value());
  EXPECT_EQ(lost.error().code, ErrorCode::Conflict);
  EXPECT_EQ(lost.error().message,
            "run tw-me lost its hold on firewall fw.example: the config lock now belongs to run "
            "tw-thief since 2026-05-01T10:00:00Z (taken over after the lease)");
  device_.locks.clear();
  EXPECT_EQ((*hold)->verify().error().message,
            "run tw-me lost its hold on firewall fw.example: its config lock is gone (removed by "
            "an administrator?)");
  // Releasing a lost hold removes nobody's lock.
  anotherRunHolds("tw-thief", seconds(0));
  ASSERT_TRUE((*hold)->release().has_value());
  EXPECT_EQ(device_.locks.size(), 1U);
  EXPECT_EQ(device_.removes, 0);
}

TEST_F(RunLockTest, AHoldAsOldAsTheLeaseDoesNotCommit) {
  auto hold = RunLock::take(client_, clock_, options());
  ASSERT_TRUE(hold.has_value());
  clock_.advance(seconds(900));
  const auto late = (*hold)->verify();
  ASSERT_FALSE(late.has_value());
  EXPECT_NE(late.error().message.find("has held firewall fw.example for 900 s, as long as the "
                                      "lease"),
            std::string::npos)
      << late.error().message;
}

TEST_F(RunLockTest, TheHoldIsReleasedWhenItGoesOutOfScope) {
  {
    auto hold = RunLock::take(client_, clock_, options());
    ASSERT_TRUE(hold.has_value());
    EXPECT_EQ(device_.locks.size(), 1U);
  }
  EXPECT_TRUE(device_.locks.empty());
  EXPECT_EQ(device_.removes, 1);
}

TEST_F(RunLockTest, AFailedReleaseIsRetriedAndThenReported) {
  auto hold = RunLock::take(client_, clock_, options());
  ASSERT_TRUE(hold.has_value());
  transport_.setHandler([](const http::Request&) -> Result<http::Response> {
    return fail(ErrorCode::Network, "connection refused");
  });
  const auto released = (*hold)->release();
  ASSERT_FALSE(released.has_value());
  EXPECT_NE(released.error().message.find(
                "releasing firewall fw.example held by run tw-me (the lock lapses after the lease "
                "of 900 s)"),
            std::string::npos)
      << released.error().message;
}

}  // namespace
}  // namespace trailwall::panos
