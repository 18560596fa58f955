#include "panos/poll_schedule.h"

#include <algorithm>

namespace trailwall::panos {

std::chrono::milliseconds PollSchedule::next(std::chrono::milliseconds elapsed) const {
  const auto floor = std::chrono::milliseconds(1);
  const auto slow_interval = std::max(slow, floor);
  const auto fast_interval = std::clamp(fast, floor, slow_interval);
  return elapsed < fast_for ? fast_interval : slow_interval;
}

}  // namespace trailwall::panos
