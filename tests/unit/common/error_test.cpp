#include "common/error.h"

#include <gtest/gtest.h>

namespace trailwall {
namespace {

Result<int> parsePositive(int value) {
  if (value <= 0) {
    return fail(ErrorCode::InvalidInput, "value must be positive, got " + std::to_string(value));
  }
  return value;
}

TEST(Error, FailCarriesCodeAndMessage) {
  const auto r = parsePositive(-3);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::InvalidInput);
  EXPECT_EQ(to_string(r.error()), "invalid input: value must be positive, got -3");
}

TEST(Error, ContextIsPrefixed) {
  const Error e{ErrorCode::NotFound, "no such file"};
  EXPECT_EQ(e.withContext("reading rules.xml").message, "reading rules.xml: no such file");
  EXPECT_EQ(e.withContext("x").code, ErrorCode::NotFound);
}

TEST(Error, EveryCodeHasAName) {
  for (int c = 0; c <= static_cast<int>(ErrorCode::Internal); ++c) {
    EXPECT_NE(to_string(static_cast<ErrorCode>(c)), "unknown error") << c;
  }
}

}  // namespace
}  // namespace trailwall
