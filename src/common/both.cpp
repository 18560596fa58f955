#include "common/both.h"

#include <atomic>
#include <cstdlib>

namespace trailwall {
namespace {

std::atomic<SecondCore> g_when{SecondCore::IfIdle};

}  // namespace

void useSecondCore(SecondCore when) {
  g_when.store(when, std::memory_order_relaxed);
}

bool secondCore() {
  const SecondCore when = g_when.load(std::memory_order_relaxed);
  const unsigned cores = std::thread::hardware_concurrency();
  if (when == SecondCore::Never || cores < 2) return false;
  if (when == SecondCore::Always) return true;
  double load = 0;
  if (getloadavg(&load, 1) != 1) return true;  // unknown: assume the core is there
  return load < static_cast<double>(cores) - 0.5;
}

}  // namespace trailwall
