#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dag_filter.h"

namespace trailwall::panossim::test {
namespace {

struct FilterCase {
  const char* filter;
  std::vector<std::string> tags;
  bool expect;
};

TEST(DagFilter, TableOfExpressions) {
  const std::vector<FilterCase> cases = {
      {"'a'", {"a"}, true},
      {"'a'", {"b"}, false},
      {"'a'", {}, false},
      {"'a' and 'b'", {"a", "b"}, true},
      {"'a' and 'b'", {"a"}, false},
      {"'a' or 'b'", {"b"}, true},
      {"'a' or 'b'", {"c"}, false},
      // and binds tighter than or
      {"'a' or 'b' and 'c'", {"a"}, true},
      {"'a' or 'b' and 'c'", {"b"}, false},
      {"'a' or 'b' and 'c'", {"b", "c"}, true},
      {"'a' and 'b' or 'c'", {"c"}, true},
      {"'a' and 'b' or 'c'", {"a"}, false},
      // parentheses group
      {"('a' or 'b') and 'c'", {"a"}, false},
      {"('a' or 'b') and 'c'", {"a", "c"}, true},
      {"'a' and ('b' or ('c' and 'd'))", {"a", "c", "d"}, true},
      {"'a' and ('b' or ('c' and 'd'))", {"a", "c"}, false},
      {"((('a')))", {"a"}, true},
      // quoted names hold parentheses, spaces, dots and operator words
      {"'dummy(text)' or 'DEMO'", {"dummy(text)"}, true},  // pan-os-php #560
      {"'dummy(text)' or 'DEMO'", {"dummy"}, false},
      {"'web server' and 'prod'", {"web server", "prod"}, true},
      {"'trailwall.sg-0a1b' and 'instanceState.running'", {"trailwall.sg-0a1b"}, false},
      {"'and' or 'or'", {"or"}, true},
      {"'orange' or 'andes'", {"andes"}, true},
      // case of operators, double quotes, bare one-word names, no spaces around quotes
      {"'a' AND 'b'", {"a", "b"}, true},
      {"\"a\" Or 'b'", {"a"}, true},
      {"tag1 and tag2", {"tag1", "tag2"}, true},
      {"'a'and'b'", {"a", "b"}, true},
      // tag names are case-sensitive
      {"'Prod'", {"prod"}, false},
  };
  for (const FilterCase& c : cases) {
    auto f = DagFilter::parse(c.filter);
    ASSERT_TRUE(f.has_value()) << c.filter << ": " << f.error().message;
    EXPECT_EQ(f->matchesTags(c.tags), c.expect) << c.filter;
  }
}

TEST(DagFilter, InvalidFiltersNameThePosition) {
  const std::vector<std::pair<const char*, const char*>> cases = {
      {"", "empty"},
      {"   ", "empty"},
      {"'a' and", "missing"},
      {"and 'a'", "missing"},
      {"'a' or or 'b'", "missing"},
      {"'a", "unterminated"},
      {"('a'", "')' expected"},
      {"'a')", "unexpected ')'"},
      {"()", "missing before ')'"},
      {"''", "empty tag name"},
      {"not 'a'", "'not' is not supported"},
      {"'a' 'b'", "unexpected"},
  };
  for (const auto& [text, fragment] : cases) {
    auto f = DagFilter::parse(text);
    ASSERT_FALSE(f.has_value()) << text;
    EXPECT_NE(f.error().message.find(fragment), std::string::npos)
        << text << ": " << f.error().message;
    EXPECT_NE(f.error().message.find("character"), std::string::npos) << f.error().message;
  }
}

TEST(DagFilter, LengthLimitIs2047Characters) {
  std::string longest = "'";
  longest += std::string(2045, 'x');
  longest += "'";
  ASSERT_EQ(longest.size(), kDagFilterMaxLength);
  EXPECT_TRUE(DagFilter::parse(longest).has_value());
  auto too_long = DagFilter::parse(longest + " ");
  ASSERT_FALSE(too_long.has_value());
  EXPECT_NE(too_long.error().message.find("2047"), std::string::npos);
}

TEST(DagFilter, DeepNestingIsAnErrorNotACrash) {
  const std::string deep = std::string(1000, '(') + "'a'" + std::string(1000, ')');
  EXPECT_FALSE(DagFilter::parse(deep).has_value());
  std::string chain = "'t0'";
  for (int i = 1; i < 200; ++i) {
    chain += " or ('t" + std::to_string(i) + "'";
  }
  chain += std::string(199, ')');
  EXPECT_FALSE(DagFilter::parse(chain).has_value());  // too deep: refused, not overflowed
  std::string flat = "'t0'";
  for (int i = 1; i < 200; ++i) {
    flat += " or 't" + std::to_string(i) + "'";
  }
  auto f = DagFilter::parse(flat);
  ASSERT_TRUE(f.has_value());
  EXPECT_TRUE(f->matchesTags({"t199"}));
  EXPECT_EQ(f->tags().size(), 200U);
}

}  // namespace
}  // namespace trailwall::panossim::test
