#pragma once
// Decodes a form-encoded request body, so tests can assert on the parameters a client sent.

#include <map>
#include <string>
#include <string_view>

namespace trailwall::panos::testing {

inline std::string formDecode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out += ' ';
    } else if (text[i] == '%' && i + 2 < text.size()) {
      out += static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

inline std::map<std::string, std::string> formFields(std::string_view body) {
  std::map<std::string, std::string> fields;
  while (!body.empty()) {
    const auto amp = body.find('&');
    const auto pair = body.substr(0, amp);
    const auto eq = pair.find('=');
    fields[formDecode(pair.substr(0, eq))] =
        eq == std::string_view::npos ? "" : formDecode(pair.substr(eq + 1));
    body = amp == std::string_view::npos ? std::string_view{} : body.substr(amp + 1);
  }
  return fields;
}

}  // namespace trailwall::panos::testing
