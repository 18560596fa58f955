#pragma once
// pugixml helpers for the XML protocols (EC2 Query, AWS Query, REST-XML). Internal to src/aws:
// included only from .cpp files, so pugixml stays a private dependency.

#include <pugixml.hpp>

#include <memory>
#include <string>
#include <string_view>

#include "common/error.h"

namespace trailwall::aws::xml {

// Parses `body`; errors: InvalidInput naming `what` and pugixml's reason and offset.
[[nodiscard]] inline Result<std::unique_ptr<pugi::xml_document>> parse(std::string_view body,
                                                                       std::string_view what) {
  auto doc = std::make_unique<pugi::xml_document>();
  const auto result = doc->load_buffer(body.data(), body.size(), pugi::parse_default);
  if (!result) {
    return fail(ErrorCode::InvalidInput, std::string(what) + ": malformed XML (" +
                                             result.description() + " at offset " +
                                             std::to_string(result.offset) + ")");
  }
  return doc;
}

// The text of child `name`, "" when absent.
[[nodiscard]] inline std::string text(const pugi::xml_node& node, const char* name) {
  return node.child(name).text().as_string();
}

// The root element, checked by name. Errors: InvalidInput.
[[nodiscard]] inline Result<pugi::xml_node> root(const pugi::xml_document& doc,
                                                 std::string_view expected, std::string_view what) {
  const pugi::xml_node r = doc.document_element();
  if (std::string_view(r.name()) != expected) {
    return fail(ErrorCode::InvalidInput, std::string(what) + ": expected <" +
                                             std::string(expected) + ">, got <" + r.name() + ">");
  }
  return r;
}

}  // namespace trailwall::aws::xml
