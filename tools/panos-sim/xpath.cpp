#include "xpath.h"

#include <algorithm>
#include <exception>
#include <new>

namespace trailwall::panossim {
namespace {

bool isNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == ':';
}

}  // namespace

Result<std::vector<PathStep>> parseSimplePath(std::string_view xpath) {
  std::vector<PathStep> steps;
  if (xpath.empty() || xpath.front() != '/') {
    return fail(ErrorCode::InvalidInput, "xpath must be absolute");
  }
  std::size_t i = 0;
  while (i < xpath.size()) {
    if (xpath[i] != '/') {
      return fail(ErrorCode::InvalidInput, "expected '/' in xpath");
    }
    ++i;
    PathStep step;
    const std::size_t start = i;
    while (i < xpath.size() && isNameChar(xpath[i])) {
      ++i;
    }
    if (i == start) {
      return fail(ErrorCode::InvalidInput, "empty xpath step");
    }
    step.name = std::string(xpath.substr(start, i - start));
    if (i < xpath.size() && xpath[i] == '[') {
      ++i;
      if (i >= xpath.size() || xpath[i] != '@') {
        return fail(ErrorCode::InvalidInput, "only [@attr='value'] predicates create nodes");
      }
      ++i;
      const std::size_t attr_start = i;
      while (i < xpath.size() && isNameChar(xpath[i])) {
        ++i;
      }
      step.attr = std::string(xpath.substr(attr_start, i - attr_start));
      while (i < xpath.size() && xpath[i] == ' ') {
        ++i;
      }
      if (step.attr.empty() || i >= xpath.size() || xpath[i] != '=') {
        return fail(ErrorCode::InvalidInput, "malformed predicate");
      }
      ++i;
      while (i < xpath.size() && xpath[i] == ' ') {
        ++i;
      }
      if (i >= xpath.size() || (xpath[i] != '\'' && xpath[i] != '"')) {
        return fail(ErrorCode::InvalidInput, "predicate value must be a quoted literal");
      }
      const char quote = xpath[i++];
      const std::size_t end = xpath.find(quote, i);
      if (end == std::string_view::npos) {
        return fail(ErrorCode::InvalidInput, "unterminated literal");
      }
      step.value = std::string(xpath.substr(i, end - i));
      i = end + 1;
      while (i < xpath.size() && xpath[i] == ' ') {
        ++i;
      }
      if (i >= xpath.size() || xpath[i] != ']') {
        return fail(ErrorCode::InvalidInput, "only one [@attr='value'] predicate per step");
      }
      ++i;
    }
    steps.push_back(std::move(step));
  }
  if (steps.empty()) {
    return fail(ErrorCode::InvalidInput, "empty xpath");
  }
  return steps;
}

std::string xpathLiteral(std::string_view value) {
  // Appends only (g++ 12 reports a false -Wrestrict on "'" + std::string(...)).
  std::string out;
  out.reserve(value.size() + 2);
  const auto quoted = [&out](char quote, std::string_view text) {
    out.push_back(quote);
    out.append(text);
    out.push_back(quote);
  };
  if (value.find('\'') == std::string_view::npos) {
    quoted('\'', value);
    return out;
  }
  if (value.find('"') == std::string_view::npos) {
    quoted('"', value);
    return out;
  }
  out.append("concat(");
  std::size_t start = 0;
  bool first = true;
  while (true) {
    const std::size_t q = value.find('\'', start);
    const std::string_view piece =
        value.substr(start, q == std::string_view::npos ? std::string_view::npos : q - start);
    if (!piece.empty()) {
      out.append(first ? "" : ",");
      quoted('\'', piece);
      first = false;
    }
    if (q == std::string_view::npos) {
      break;
    }
    out.append(first ? "" : ",");
    quoted('"', "'");
    first = false;
    start = q + 1;
  }
  out.push_back(')');
  return out;
}

std::string canonicalPath(pugi::xml_node node) {
  std::vector<std::string> parts;
  for (pugi::xml_node n = node; n && n.type() == pugi::node_element; n = n.parent()) {
    std::string part = n.name();
    if (const pugi::xml_attribute name = n.attribute("name")) {
      part += "[@name=" + xpathLiteral(name.value()) + "]";
    }
    parts.push_back(std::move(part));
  }
  std::string out;
  for (auto it = parts.rbegin(); it != parts.rend(); ++it) {
    out += "/";
    out += *it;
  }
  return out;
}

Result<pugi::xpath_node_set> selectNodes(const pugi::xml_node& root, std::string_view xpath) {
  try {
    const std::string expr(xpath);
    pugi::xpath_query query(expr.c_str());
    if (query.return_type() != pugi::xpath_type_node_set) {
      return fail(ErrorCode::InvalidInput, "xpath does not select nodes");
    }
    return query.evaluate_node_set(root);
  } catch (const pugi::xpath_exception& e) {
    return fail(ErrorCode::InvalidInput, std::string("invalid xpath: ") + e.what());
  } catch (const std::bad_alloc&) {
    return fail(ErrorCode::InvalidInput, "xpath too large");
  } catch (const std::exception& e) {
    return fail(ErrorCode::InvalidInput, std::string("invalid xpath: ") + e.what());
  }
}

pugi::xml_node findSimple(const pugi::xml_node& root, const std::vector<PathStep>& steps) {
  pugi::xml_node current = root;
  for (const PathStep& step : steps) {
    pugi::xml_node next;
    for (pugi::xml_node child = current.child(step.name.c_str()); child;
         child = child.next_sibling(step.name.c_str())) {
      if (step.attr.empty() || step.value == child.attribute(step.attr.c_str()).value()) {
        next = child;
        break;
      }
    }
    if (!next) {
      return {};
    }
    current = next;
  }
  return current;
}

}  // namespace trailwall::panossim
