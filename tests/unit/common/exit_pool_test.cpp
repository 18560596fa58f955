#include "common/exit_pool.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace trailwall {
namespace {

struct Counted {
  static inline int destroyed = 0;
  std::vector<std::string> payload;
  explicit Counted(std::vector<std::string> p) : payload(std::move(p)) {}
  Counted(Counted&& other) noexcept = default;
  Counted(const Counted&) = delete;
  Counted& operator=(const Counted&) = delete;
  Counted& operator=(Counted&&) = delete;
  ~Counted() {
    if (!payload.empty()) ++destroyed;  // a moved-from shell frees nothing
  }
};

TEST(ExitPool, KeepsTheValueWithoutEverFreeingIt) {
  Counted value(std::vector<std::string>(1000, std::string(100, 'x')));
  keepUntilExit(std::move(value));
  EXPECT_TRUE(value.payload.empty());  // moved, not copied: the caller's shell frees nothing
  keepUntilExit(Counted({"another"}));
  EXPECT_EQ(Counted::destroyed, 0);
}

}  // namespace
}  // namespace trailwall
