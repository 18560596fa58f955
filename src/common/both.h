#pragma once
// Two pieces of one computation at once: `here` on the calling thread while `there` runs on a
// second thread, for the few steps that are large enough at scale (an inventory of 100,000
// instances) and split into independent halves. An exception `there` (std::bad_alloc) reaches the
// caller as it would have on one thread, after both are done.

#include <exception>
#include <thread>
#include <utility>

namespace trailwall {

// When the steps that can use a second thread do so.
enum class SecondCore {
  IfIdle,  // when the machine has one: more than one core, and the load average of the last
           // minute leaves one idle (a busy machine runs the halves one after the other anyway,
           // and the split costs more CPU than it saves)
  Always,  // whenever there is more than one core (tests of the two-thread paths)
  Never,
};
void useSecondCore(SecondCore when);  // process-wide; IfIdle by default

// True when a step should run its two halves at once (runBoth), as useSecondCore says.
[[nodiscard]] bool secondCore();

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
