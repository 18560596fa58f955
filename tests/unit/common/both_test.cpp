// runBoth: both halves run, on two threads, and an exception of the second reaches the caller.
#include "common/both.h"

#include <gtest/gtest.h>

#include <new>
#include <thread>

namespace trailwall {
namespace {

TEST(RunBoth, RunsBothHalvesOnTwoThreads) {
  std::thread::id here;
  std::thread::id there;
  runBoth([&] { here = std::this_thread::get_id(); }, [&] { there = std::this_thread::get_id(); });
  EXPECT_EQ(here, std::this_thread::get_id());
  EXPECT_NE(there, std::thread::id());
  EXPECT_NE(there, here);
}

TEST(SecondCore, NeverAlwaysAndTheDefault) {
  useSecondCore(SecondCore::Never);
  EXPECT_FALSE(secondCore());
  useSecondCore(SecondCore::Always);
  EXPECT_EQ(secondCore(), std::thread::hardware_concurrency() > 1);
  useSecondCore(SecondCore::IfIdle);
  if (std::thread::hardware_concurrency() < 2) {
    EXPECT_FALSE(secondCore());
  }
}

TEST(RunBoth, AnExceptionOnTheSecondThreadReachesTheCallerAfterBothAreDone) {
  bool here_done = false;
  EXPECT_THROW(runBoth([&] { here_done = true; }, [] { throw std::bad_alloc(); }), std::bad_alloc);
  EXPECT_TRUE(here_done);
}

}  // namespace
}  // namespace trailwall
