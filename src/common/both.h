#pragma once
// Two pieces of one computation at once: `here` on the calling thread while `there` runs on a
// second thread, for the few steps that are large enough at scale (an inventory of 100,000
// instances) and split into independent halves. An exception `there` (std::bad_alloc) reaches the
// caller as it would have on one thread, after both are done.

#include <exception>
#include <thread>
#include <utility>

namespace trailwall {

// True when a second thread can run at the same time as this one.
[[nodiscard]] inline bool secondCore() {
  return std::thread::hardware_concurrency() > 1;
}

template <class Here, class There>
void runBoth(Here&& here, There&& there) {
  std::exception_ptr failed;
  {
    std::jthread helper([&there, &failed] {
      try {
        std::forward<There>(there)();
      } catch (...) {
        failed = std::current_exception();
      }
    });
    std::forward<Here>(here)();
  }  // joins (also when `here` throws)
  if (failed) std::rethrow_exception(failed);
}

}  // namespace trailwall
