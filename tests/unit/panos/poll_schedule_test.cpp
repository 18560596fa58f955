#include "panos/poll_schedule.h"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include "form.h"
#include "http/fake_transport.h"
#include "lock_device.h"
#include "panos/client.h"

namespace trailwall::panos {
namespace {

using std::chrono::milliseconds;

TEST(PollSchedule, FastWhileYoungThenTheDeviceFriendlyInterval) {
  const PollSchedule schedule;
  EXPECT_EQ(schedule.next(milliseconds(0)), milliseconds(250));
  EXPECT_EQ(schedule.next(milliseconds(4999)), milliseconds(250));
  EXPECT_EQ(schedule.next(milliseconds(5000)), milliseconds(2000));
  EXPECT_EQ(schedule.next(std::chrono::minutes(10)), milliseconds(2000));
  // A slow interval below the fast one (a simulator polled every 0.1 s) wins.
  const PollSchedule quick{milliseconds(250), milliseconds(5000), milliseconds(100)};
  EXPECT_EQ(quick.next(milliseconds(0)), milliseconds(100));
  const PollSchedule zero{milliseconds(0), milliseconds(0), milliseconds(0)};
  EXPECT_EQ(zero.next(milliseconds(0)), milliseconds(1));
}

// A commit job that finishes `duration` after the wait starts; the client polls it with the
// default schedule on an injected clock.
struct Polled {
  milliseconds noticed_late{0};  // from the job's end to the poll that saw it
  std::vector<milliseconds> polls;
};

Polled waitFor(milliseconds duration) {
  FakeClock clock;
  const auto start = clock.steadyNow();
  Polled out;
  http::FakeTransport transport([&](const http::Request&) -> Result<http::Response> {
    const auto t = std::chrono::duration_cast<milliseconds>(clock.steadyNow() - start);
    out.polls.push_back(t);
    const bool done = t >= duration;
    return http::Response{
        200,
        {},
        fmt::format("<response status=\"success\"><result><job><id>4</id><type>Commit</type>"
                    "<status>{}</status><result>{}</result><progress>{}</progress></job></result>"
                    "</response>",
                    done ? "FIN" : "ACT", done ? "OK" : "PEND", done ? 100 : 50)};
  });
  PanOsClient client(transport, clock, testing::deviceClientOptions());
  const auto job = client.waitForJob(4);
  EXPECT_TRUE(job.has_value());
  out.noticed_late = std::chrono::duration_cast<milliseconds>(clock.steadyNow() - start) - duration;
  return out;
}

TEST(CommitWait, ACommitUpToFiveSecondsIsNoticedWithinAQuarterSecond) {
  for (int ms = 0; ms <= 5000; ms += 37) {
    const auto polled = waitFor(milliseconds(ms));
    EXPECT_LE(polled.noticed_late, milliseconds(250)) << "commit of " << ms << " ms";
  }
}

TEST(CommitWait, ALongerCommitIsNoticedWithinOneIntervalAndPolledAtMostEveryTwoSeconds) {
  for (int ms = 5001; ms <= 60000; ms += 733) {
    const auto polled = waitFor(milliseconds(ms));
    EXPECT_LE(polled.noticed_late, milliseconds(2000)) << "commit of " << ms << " ms";
    for (std::size_t i = 1; i < polled.polls.size(); ++i) {
      if (polled.polls[i - 1] >= milliseconds(5000)) {
        EXPECT_GE(polled.polls[i] - polled.polls[i - 1], milliseconds(2000))
            << "commit of " << ms << " ms, poll " << i;
      }
    }
  }
  // A 60 s commit costs 21 polls in its first 5 s and one per 2 s after.
  EXPECT_LE(waitFor(milliseconds(60000)).polls.size(), 21U + 28U);
}

}  // namespace
}  // namespace trailwall::panos
