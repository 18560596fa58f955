#pragma once
// Building HTML on the server with escaping in one place: markup can only be a compile-time
// string (Markup's constructor is consteval), and every other piece of text goes through
// text(), which escapes it. So no value read from AWS, the firewall or a message can become
// markup.

#include <cstddef>
#include <string>
#include <string_view>

namespace trailwall::serve {

class Markup {
 public:
  template <std::size_t N>
  consteval Markup(const char (&markup)[N])  // NOLINT(google-explicit-constructor)
      : text_(markup, N - 1) {}
  [[nodiscard]] std::string_view text() const { return text_; }

 private:
  std::string_view text_;
};

class Html {
 public:
  Html& raw(Markup markup) {
    out_ += markup.text();
    return *this;
  }
  Html& text(std::string_view value);
  [[nodiscard]] std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

// &, <, >, " and ' as character references: safe in element content and quoted attributes.
[[nodiscard]] std::string escapeHtml(std::string_view text);

}  // namespace trailwall::serve
