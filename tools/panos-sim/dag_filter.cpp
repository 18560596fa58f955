#include "dag_filter.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace trailwall::panossim {

// Recursive descent over: expr := term ('or' term)* ; term := factor ('and' factor)* ;
// factor := '(' expr ')' | quoted-name | bare-name. Emits the postfix program as it goes.
class DagFilterParser {
 public:
  explicit DagFilterParser(std::string_view text) : text_(text) {}

  Result<DagFilter> run() {
    if (text_.size() > kDagFilterMaxLength) {
      return fail(ErrorCode::InvalidInput,
                  "filter is longer than " + std::to_string(kDagFilterMaxLength) + " characters (" +
                      std::to_string(text_.size()) + ")");
    }
    if (auto ok = expression(0); !ok) {
      return std::unexpected(ok.error());
    }
    skipSpace();
    if (pos_ < text_.size()) {
      return std::unexpected(bad("unexpected '" + std::string(1, text_[pos_]) + "'").error());
    }
    // The evaluation stack's height (matches() uses a fixed array of kMaxStack).
    std::size_t height = 0;
    for (const DagFilter::Step& step : filter_.program_) {
      height = step.op == DagFilter::Op::Tag ? height + 1 : height - 1;
      if (height > DagFilter::kMaxStack) {
        return std::unexpected(bad("the filter is too complex").error());
      }
    }
    return std::move(filter_);
  }

 private:
  // Deeper nesting than any real filter; keeps recursion bounded on hostile input.
  static constexpr int kMaxDepth = 64;

  Status bad(const std::string& what) const {
    return fail(ErrorCode::InvalidInput,
                "filter is invalid at character " + std::to_string(pos_ + 1) + ": " + what);
  }

  void skipSpace() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_])) != 0) {
      ++pos_;
    }
  }

  static bool wordChar(char c) {
    return std::isspace(static_cast<unsigned char>(c)) == 0 && c != '(' && c != ')' && c != '\'' &&
           c != '"';
  }

  // The next bare word without consuming it.
  std::string_view peekWord() {
    skipSpace();
    std::size_t end = pos_;
    while (end < text_.size() && wordChar(text_[end])) {
      ++end;
    }
    return text_.substr(pos_, end - pos_);
  }

  static bool isKeyword(std::string_view word, std::string_view keyword) {
    return word.size() == keyword.size() &&
           std::equal(word.begin(), word.end(), keyword.begin(), [](char a, char b) {
             return std::tolower(static_cast<unsigned char>(a)) == b;
           });
  }

  Status expression(int depth) {
    if (auto ok = term(depth); !ok) {
      return ok;
    }
    while (isKeyword(peekWord(), "or")) {
      pos_ += 2;
      if (auto ok = term(depth); !ok) {
        return ok;
      }
      filter_.program_.push_back({DagFilter::Op::Or, 0});
    }
    return {};
  }

  Status term(int depth) {
    if (auto ok = factor(depth); !ok) {
      return ok;
    }
    while (isKeyword(peekWord(), "and")) {
      pos_ += 3;
      if (auto ok = factor(depth); !ok) {
        return ok;
      }
      filter_.program_.push_back({DagFilter::Op::And, 0});
    }
    return {};
  }

  Status factor(int depth) {
    skipSpace();
    if (pos_ >= text_.size()) {
      return bad(filter_.program_.empty() ? "the filter is empty" : "a tag name is missing");
    }
    const char c = text_[pos_];
    if (c == '(') {
      if (depth >= kMaxDepth) {
        return bad("parentheses nested too deeply");
      }
      ++pos_;
      if (auto ok = expression(depth + 1); !ok) {
        return ok;
      }
      skipSpace();
      if (pos_ >= text_.size() || text_[pos_] != ')') {
        return bad("')' expected");
      }
      ++pos_;
      return {};
    }
    if (c == '\'' || c == '"') {
      const std::size_t close = text_.find(c, pos_ + 1);
      if (close == std::string_view::npos) {
        return bad(std::string("unterminated ") + (c == '\'' ? "'" : "\"") + " quote");
      }
      if (close == pos_ + 1) {
        return bad("empty tag name");
      }
      addTag(text_.substr(pos_ + 1, close - pos_ - 1));
      pos_ = close + 1;
      return {};
    }
    if (c == ')') {
      return bad("a tag name is missing before ')'");
    }
    const std::string_view word = peekWord();
    if (isKeyword(word, "and") || isKeyword(word, "or")) {
      return bad("a tag name is missing before '" + std::string(word) + "'");
    }
    if (isKeyword(word, "not")) {
      return bad("'not' is not supported");
    }
    addTag(word);
    pos_ += word.size();
    return {};
  }

  void addTag(std::string_view name) {
    filter_.program_.push_back(
        {DagFilter::Op::Tag, static_cast<std::uint32_t>(filter_.tags_.size())});
    filter_.tags_.emplace_back(name);
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  DagFilter filter_;
};

Result<DagFilter> DagFilter::parse(std::string_view text) {
  return DagFilterParser(text).run();
}

bool DagFilter::matches(const std::function<bool(std::string_view)>& has) const {
  // The parser bounds nesting, so the stack of a valid program stays small: a fixed array
  // keeps evaluation (once per rule and query in security-policy-match) free of allocation.
  std::array<bool, kMaxStack> stack{};
  std::size_t top = 0;
  for (const Step& s : program_) {
    if (s.op == Op::Tag) {
      stack[top++] = has(tags_[s.index]);
      continue;
    }
    --top;
    stack[top - 1] =
        s.op == Op::And ? (stack[top - 1] && stack[top]) : (stack[top - 1] || stack[top]);
  }
  return top == 1 && stack[0];
}

bool DagFilter::matchesTags(const std::vector<std::string>& tags) const {
  return matches(
      [&](std::string_view tag) { return std::find(tags.begin(), tags.end(), tag) != tags.end(); });
}

}  // namespace trailwall::panossim
