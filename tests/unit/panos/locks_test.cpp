#include "panos/locks.h"

#include <gtest/gtest.h>

#include "reference.h"

namespace trailwall::panos {
namespace {

using testing::parseReference;

TEST(Locks, ReadsConfigAndCommitLocks) {
  for (const char* file :
       {"op-show-config-locks-present.xml", "op-show-commit-locks-present.xml"}) {
    const auto locks = parseLocks(parseReference(file));
    ASSERT_EQ(locks.size(), 1U) << file;
    EXPECT_EQ(locks[0].admin, "xxx");
    EXPECT_EQ(locks[0].type, "shared");
    EXPECT_EQ(locks[0].scope, "shared");
    EXPECT_EQ(locks[0].created, "2025/10/30 02:14:14");
    EXPECT_TRUE(locks[0].logged_in);
    EXPECT_EQ(locks[0].comment, "");  // "(null)"
  }
  EXPECT_TRUE(parseLocks(parseReference("op-show-config-locks-none.xml")).empty());
  EXPECT_TRUE(parseLocks(parseReference("op-show-commit-locks-none.xml")).empty());
}

TEST(Locks, SeparatesOurOwnLockFromOthers) {
  const auto locks = parseLocks(parseReference("op-show-config-locks-present.xml"));
  EXPECT_TRUE(heldByOthers(locks, "xxx").empty());
  EXPECT_EQ(heldByOthers(locks, "trailwall").size(), 1U);
  EXPECT_EQ(describeLocks(locks, "config"),
            "config lock held by xxx (scope shared, since 2025/10/30 02:14:14)");
}

}  // namespace
}  // namespace trailwall::panos
