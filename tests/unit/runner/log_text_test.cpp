#include "runner/log_text.h"

#include <gtest/gtest.h>

namespace trailwall::runner {
namespace {

using Fields = std::vector<std::pair<std::string, std::string>>;

TEST(LogText, QuotedEscapesQuotesBackslashesAndControlCharacters) {
  EXPECT_EQ(quoteValue("plain"), "\"plain\"");
  EXPECT_EQ(quoteValue("say \"hi\"\\ now\nnext\t\x01"),
            "\"say \\\"hi\\\"\\\\ now\\nnext\\t\\u0001\"");
}

TEST(LogText, FieldsComeBackAsTheyWereWritten) {
  const std::string reason = "a \"quoted\" word, a \\ and\na new line";
  const auto parsed = splitLogFields("event=delivery id=m1 reason=" + quoteValue(reason) + " n=3");
  EXPECT_EQ(parsed.fields,
            (Fields{{"event", "delivery"}, {"id", "m1"}, {"reason", reason}, {"n", "3"}}));
  EXPECT_EQ(parsed.rest, "");
}

TEST(LogText, TextThatIsNoFieldIsKept) {
  const auto parsed = splitLogFields("starting up event=init note=\"unterminated");
  EXPECT_EQ(parsed.fields, (Fields{{"event", "init"}}));
  EXPECT_EQ(parsed.rest, "starting up note=\"unterminated");
}

}  // namespace
}  // namespace trailwall::runner
