#include "common/exit_pool.h"

#include <mutex>
#include <vector>

namespace trailwall::detail {

void keepInExitPool(std::shared_ptr<void> value) {
  // Allocated once and never deleted: no destructor runs at exit.
  static auto* const pool = new std::vector<std::shared_ptr<void>>();
  static std::mutex mutex;
  const std::lock_guard lock(mutex);
  pool->push_back(std::move(value));
}

}  // namespace trailwall::detail
