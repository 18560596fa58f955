#pragma once
// Big plain-data structures a one-shot command builds once and holds until the process ends (an
// inventory of 100,000 instances, the desired rules, the plan). Freeing them piece by piece at
// exit costs a large part of such a run (hundreds of thousands of small allocations) and gives
// nothing back to anyone: the process's memory goes back whole when it exits. Only for
// values that own memory and nothing else (no files, locks or connections), and only in
// processes that exit after one run: a long-running loop (Lambda, daemon) must free them.

#include <memory>
#include <utility>

namespace trailwall {

namespace detail {
void keepInExitPool(std::shared_ptr<void> value);
}  // namespace detail

// Moves `value` to the heap, where it stays (reachable, so leak checkers do not report it) until
// the process exits without freeing it.
template <class T>
void keepUntilExit(T&& value) {
  detail::keepInExitPool(std::make_shared<std::remove_cvref_t<T>>(std::forward<T>(value)));
}

}  // namespace trailwall
