#include "form.h"

#include "common/percent.h"

namespace trailwall::panossim {
namespace {

std::string decode(std::string_view text) {
  return percentDecode(text, PlusIs::Space);  // form bodies encode a space as '+'
}

}  // namespace

std::vector<std::pair<std::string, std::string>> parseForm(std::string_view body) {
  std::vector<std::pair<std::string, std::string>> out;
  std::size_t start = 0;
  while (start <= body.size()) {
    std::size_t end = body.find('&', start);
    if (end == std::string_view::npos) {
      end = body.size();
    }
    const std::string_view pair = body.substr(start, end - start);
    if (!pair.empty()) {
      const std::size_t eq = pair.find('=');
      if (eq == std::string_view::npos) {
        out.emplace_back(decode(pair), "");
      } else {
        out.emplace_back(decode(pair.substr(0, eq)), decode(pair.substr(eq + 1)));
      }
    }
    start = end + 1;
  }
  return out;
}

}  // namespace trailwall::panossim
