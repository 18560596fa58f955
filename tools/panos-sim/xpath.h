#pragma once
// XPath handling for the simulator. Selection (get/show/delete/move/…) uses pugixml's XPath 1.0
// engine, so the predicates real clients send work as on the device: entry[@name='a'],
// entry[@name='a' or @name='b'], member[text()='x'], contains(), local-name(), '//'
// (shared/reference/panos/API-NOTES.md section 4). Creation (set/edit of a missing node) needs a
// "simple" path: steps that are a name with at most one [@attr='value'] predicate.

#include <string>
#include <string_view>
#include <vector>

#include <pugixml.hpp>

#include "common/error.h"

namespace trailwall::panossim {

struct PathStep {
  std::string name;
  std::string attr;   // empty: no predicate
  std::string value;  // the predicate's literal
};

// Parses an absolute simple path (/config/devices/entry[@name='x']/…). InvalidInput when the
// path is relative, empty, or uses predicates beyond [@attr='literal'].
[[nodiscard]] Result<std::vector<PathStep>> parseSimplePath(std::string_view xpath);

// The XPath 1.0 literal for a value: '…', "…" or concat(…) when it holds both quote kinds.
[[nodiscard]] std::string xpathLiteral(std::string_view value);

// The absolute path of an element, with [@name='…'] on every step that has a name attribute.
[[nodiscard]] std::string canonicalPath(pugi::xml_node node);

// Every node the xpath selects (elements, and text/attribute owners' nodes as selected).
// InvalidInput when the expression does not parse or evaluates to something other than a
// node set.
[[nodiscard]] Result<pugi::xpath_node_set> selectNodes(const pugi::xml_node& root,
                                                       std::string_view xpath);

// Walks a simple path from the document without the XPath engine (fast path); the first
// match at each step. Null when absent.
[[nodiscard]] pugi::xml_node findSimple(const pugi::xml_node& root,
                                        const std::vector<PathStep>& steps);

}  // namespace trailwall::panossim
