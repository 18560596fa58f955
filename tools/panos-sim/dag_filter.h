#pragma once
// The match filter of a dynamic address group (`<dynamic><filter>'web' and 'prod'</filter>`):
// tag names combined with `and` / `or` and parentheses.
//
// What the device documents (API-NOTES.md section 12.5): operators `and` and `or`, tag names in
// single quotes, quoted names may hold parentheses ('dummy(text)', reference
// config-dag-filter-parens-tagname-panosphp560.xml), at most 2047 characters. Assumptions where
// no source says: `and` binds tighter than `or`; parentheses group; operators are matched
// without regard to case; a tag name may also be double-quoted or, when it is one word without
// quotes or parentheses, bare; `not` is refused (no source shows it; it is reserved in
// MineMeld's tag rules). An invalid filter is an InvalidInput error naming the position.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace trailwall::panossim {

inline constexpr std::size_t kDagFilterMaxLength = 2047;

class DagFilter {
 public:
  [[nodiscard]] static Result<DagFilter> parse(std::string_view text);

  // Whether an address carrying the tags `has` reports present matches the filter.
  [[nodiscard]] bool matches(const std::function<bool(std::string_view)>& has) const;
  // The same for a plain list of tags.
  [[nodiscard]] bool matchesTags(const std::vector<std::string>& tags) const;
  // The tag names the filter mentions, in order of appearance (duplicates kept).
  [[nodiscard]] const std::vector<std::string>& tags() const { return tags_; }

 private:
  // Postfix program: Tag pushes tags_[index] present?, And/Or pop two and push the result.
  enum class Op : std::uint8_t { Tag, And, Or };
  static constexpr std::size_t kMaxStack = 160;
  struct Step {
    Op op = Op::Tag;
    std::uint32_t index = 0;
  };
  std::vector<Step> program_;
  std::vector<std::string> tags_;
  friend class DagFilterParser;
};

}  // namespace trailwall::panossim
