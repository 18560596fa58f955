#include "common/clock.h"

#include <gtest/gtest.h>

namespace trailwall {
namespace {

using std::chrono::milliseconds;

TEST(FakeClock, SleepingAdvancesTimeWithoutWaiting) {
  FakeClock clock;
  const auto start = clock.now();
  const auto steady_start = clock.steadyNow();
  clock.sleepFor(milliseconds(2500));
  EXPECT_EQ(clock.now() - start, milliseconds(2500));
  EXPECT_EQ(clock.steadyNow() - steady_start, milliseconds(2500));
  EXPECT_EQ(clock.totalSlept(), milliseconds(2500));
  clock.advance(milliseconds(500));
  EXPECT_EQ(clock.totalSlept(), milliseconds(2500));
  EXPECT_EQ(clock.now() - start, milliseconds(3000));
}

TEST(SystemClock, SleepWaitsAtLeastTheDuration) {
  SystemClock clock;
  const auto start = clock.steadyNow();
  clock.sleepFor(milliseconds(5));
  EXPECT_GE(clock.steadyNow() - start, milliseconds(5));
}

}  // namespace
}  // namespace trailwall
