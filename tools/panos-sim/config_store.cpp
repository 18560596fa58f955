#include "config_store.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <optional>
#include <unordered_map>

#include "xml_text.h"
#include "xpath.h"

namespace trailwall::panossim {
namespace {

OpResult errorResult(int code, std::string line) {
  OpResult r;
  r.ok = false;
  r.code = code;
  r.lines.push_back(std::move(line));
  return r;
}

OpResult okResult() {
  OpResult r;
  r.changed = true;
  return r;
}

// Containers whose entries are named objects with PAN-OS's name rules (at most 63 characters;
// API-NOTES.md section 5.1 and the PANPY live test of the 63-character error).
bool isObjectContainer(std::string_view name) {
  static constexpr std::array<std::string_view, 10> kContainers = {
      "rules", "address",       "address-group", "service",           "service-group",
      "tag",   "profile-group", "zone",          "application-group", "schedule"};
  for (std::string_view c : kContainers) {
    if (c == name) {
      return true;
    }
  }
  return false;
}

// Name checks for one entry that is (or would be) under `container`.
std::optional<OpResult> checkEntryName(std::string_view container, std::string_view name) {
  if (!isObjectContainer(container)) {
    return std::nullopt;
  }
  if (name.empty()) {
    return errorResult(12, std::string(" ") + std::string(container) + " -> entry name is empty");
  }
  if (name.size() > 63) {
    // Wording of PAN-OS 11.x (PANPY live test; "Node can be at most" before 2023).
    return errorResult(12, " " + std::string(name) +
                               " can be at most 63 characters, but current length: " +
                               std::to_string(name.size()));
  }
  if (container == "tag") {
    return std::nullopt;  // tag names allow more punctuation
  }
  const auto alnum = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  };
  // Object names start with a letter or digit and hold letters, digits, '.', '_', '-', ' '.
  bool valid = alnum(name.front());
  for (const char c : name) {
    valid = valid && (alnum(c) || c == '.' || c == '_' || c == '-' || c == ' ');
  }
  if (!valid) {
    return errorResult(12, " " + std::string(container) + " -> " + std::string(name) +
                               " is invalid: a name starts with a letter or digit and may "
                               "contain letters, digits, spaces, '.', '_' and '-'");
  }
  if (container == "rules" && (name == "intrazone-default" || name == "interzone-default")) {
    return errorResult(12, " rules -> " + std::string(name) + " is a reserved name");
  }
  return std::nullopt;
}

std::optional<OpResult> checkFragmentNames(const pugi::xml_node& parent,
                                           std::string_view parent_name) {
  for (pugi::xml_node child = parent.first_child(); child; child = child.next_sibling()) {
    if (child.type() != pugi::node_element) {
      continue;
    }
    if (std::strcmp(child.name(), "entry") == 0) {
      if (auto bad = checkEntryName(parent_name, child.attribute("name").value())) {
        return bad;
      }
    }
    if (auto bad = checkFragmentNames(child, child.name())) {
      return bad;
    }
  }
  return std::nullopt;
}

// Length limits of the PAN-OS schema for text fields (CODEGEN specs, API-NOTES.md sections 5.1,
// 12.5 and 15): a security rule's description 1024 (the schema-generated spec; the earlier
// hand-written one said 1023), address, address-group and service descriptions and tag
// comments 1023, a dynamic group's filter 2047. Characters are counted as code points. The
// message repeats the name-length error's wording (assumption).
std::optional<std::size_t> lengthLimit(const std::vector<std::string>& chain) {
  const auto ends = [&](std::initializer_list<std::string_view> tail) {
    if (chain.size() < tail.size()) {
      return false;
    }
    std::size_t i = chain.size() - tail.size();
    for (std::string_view t : tail) {
      if (chain[i++] != t) {
        return false;
      }
    }
    return true;
  };
  if (ends({"rules", "entry", "description"})) {
    return 1024;
  }
  if (ends({"address", "entry", "description"}) ||
      ends({"address-group", "entry", "description"}) ||
      ends({"service", "entry", "description"}) || ends({"tag", "entry", "comments"})) {
    return 1023;
  }
  if (ends({"address-group", "entry", "dynamic", "filter"})) {
    return 2047;
  }
  return std::nullopt;
}

// Checks the children of `parent` (a fragment node) whose ancestors' names are `chain`.
std::optional<OpResult> checkLengths(const pugi::xml_node& parent,
                                     std::vector<std::string>& chain) {
  for (pugi::xml_node child = parent.first_child(); child; child = child.next_sibling()) {
    if (child.type() != pugi::node_element) {
      continue;
    }
    chain.emplace_back(child.name());
    if (const auto limit = lengthLimit(chain)) {
      const std::string_view text = child.text().get();
      if (utf8Length(text) > *limit) {
        chain.pop_back();
        return errorResult(
            12, " " + std::string(text) + " can be at most " + std::to_string(*limit) +
                    " characters, but current length: " + std::to_string(utf8Length(text)));
      }
    }
    auto bad = checkLengths(child, chain);
    chain.pop_back();
    if (bad) {
      return bad;
    }
  }
  return std::nullopt;
}

// The element names from the document down to `node`.
std::vector<std::string> ancestry(pugi::xml_node node) {
  std::vector<std::string> out;
  for (; node && node.type() == pugi::node_element; node = node.parent()) {
    out.emplace_back(node.name());
  }
  return {out.rbegin(), out.rend()};
}

std::vector<std::string> stepNames(const std::vector<PathStep>& steps) {
  std::vector<std::string> out;
  for (const PathStep& s : steps) {
    out.push_back(s.name);
  }
  return out;
}

// Deeper than any PAN-OS configuration; the merge and annotation walks recurse per level.
constexpr int kMaxElementDepth = 64;

struct DepthWalker final : pugi::xml_tree_walker {
  int max_depth = 0;
  bool for_each(pugi::xml_node&) override {
    max_depth = std::max(max_depth, depth());
    return max_depth <= kMaxElementDepth;
  }
};

bool parseFragment(pugi::xml_document& frag, std::string_view element) {
  const pugi::xml_parse_result parsed =
      frag.load_buffer(element.data(), element.size(), pugi::parse_default | pugi::parse_fragment);
  if (!parsed) {
    return false;
  }
  DepthWalker walker;
  if (!frag.traverse(walker)) {
    return false;
  }
  for (pugi::xml_node n = frag.first_child(); n; n = n.next_sibling()) {
    if (n.type() == pugi::node_pcdata &&
        std::string_view(n.value()).find_first_not_of(" \t\r\n") != std::string_view::npos) {
      return false;  // bare text is not an element
    }
  }
  return true;
}

bool hasElementChildren(const pugi::xml_node& node) {
  for (pugi::xml_node c = node.first_child(); c; c = c.next_sibling()) {
    if (c.type() == pugi::node_element) {
      return true;
    }
  }
  return false;
}

pugi::xml_node findMatchingChild(pugi::xml_node parent, const pugi::xml_node& like) {
  const pugi::xml_attribute name = like.attribute("name");
  const bool is_member = std::strcmp(like.name(), "member") == 0;
  for (pugi::xml_node c = parent.child(like.name()); c; c = c.next_sibling(like.name())) {
    if (name) {
      if (std::strcmp(c.attribute("name").value(), name.value()) == 0) {
        return c;
      }
    } else if (is_member) {
      if (std::strcmp(c.text().get(), like.text().get()) == 0) {
        return c;
      }
    } else {
      return c;
    }
  }
  return {};
}

// set semantics: entries merge by name, members by text (no duplicates), leaves replace their
// value, anything new is appended (PAN-OS "set" = create or merge, API-NOTES.md section 3.1).
void mergeInto(pugi::xml_node dst, const pugi::xml_node& src, std::vector<pugi::xml_node>* out) {
  for (pugi::xml_node c = src.first_child(); c; c = c.next_sibling()) {
    if (c.type() != pugi::node_element) {
      continue;
    }
    pugi::xml_node existing = findMatchingChild(dst, c);
    if (!existing) {
      pugi::xml_node added = dst.append_copy(c);
      if (out != nullptr) {
        out->push_back(added);
      }
      continue;
    }
    if (std::strcmp(c.name(), "member") == 0) {
      continue;
    }
    if (hasElementChildren(c) || c.attribute("name")) {
      mergeInto(existing, c, nullptr);
    } else {
      while (existing.first_child()) {
        existing.remove_child(existing.first_child());
      }
      for (pugi::xml_node t = c.first_child(); t; t = t.next_sibling()) {
        existing.append_copy(t);
      }
    }
    if (out != nullptr) {
      out->push_back(existing);
    }
  }
}

// Creates the missing tail of a simple path, validating created entry names.
Result<pugi::xml_node> ensurePath(pugi::xml_document& doc, const std::vector<PathStep>& steps,
                                  std::optional<OpResult>* name_error,
                                  pugi::xml_node* first_created = nullptr) {
  pugi::xml_node current = doc;
  for (const PathStep& step : steps) {
    pugi::xml_node next;
    for (pugi::xml_node c = current.child(step.name.c_str()); c;
         c = c.next_sibling(step.name.c_str())) {
      if (step.attr.empty() || step.value == c.attribute(step.attr.c_str()).value()) {
        next = c;
        break;
      }
    }
    if (!next) {
      if (current == doc && doc.document_element()) {
        return fail(ErrorCode::InvalidInput, "a configuration has one root");
      }
      if (step.attr == "name") {
        if (auto bad = checkEntryName(current.name(), step.value)) {
          *name_error = bad;
          return fail(ErrorCode::InvalidInput, "bad name");
        }
      }
      next = current.append_child(step.name.c_str());
      if (first_created != nullptr && !*first_created) {
        *first_created = next;
      }
      if (!step.attr.empty()) {
        next.append_attribute(step.attr.c_str()).set_value(step.value.c_str());
      }
    }
    current = next;
  }
  return current;
}

OpResult badXpath() {
  return errorResult(6, " Bad Xpath");
}
OpResult malformed() {
  return errorResult(18, " Malformed Request");
}
OpResult notPresent() {
  return errorResult(7, " Object doesn't exist");
}

// Looks up the single node an operation works on.
Result<pugi::xml_node> selectOne(pugi::xml_document& doc, std::string_view xpath, OpResult* err) {
  auto nodes = selectNodes(doc, xpath);
  if (!nodes) {
    *err = badXpath();
    return fail(ErrorCode::InvalidInput, "xpath");
  }
  if (nodes->empty()) {
    *err = notPresent();
    return fail(ErrorCode::NotFound, "absent");
  }
  if (nodes->size() > 1) {
    *err = errorResult(8, " Object not unique");
    return fail(ErrorCode::InvalidInput, "not unique");
  }
  pugi::xml_node node = nodes->first().node();
  if (!node || node.type() != pugi::node_element) {
    *err = badXpath();
    return fail(ErrorCode::InvalidInput, "not an element");
  }
  return node;
}

OpResult doSet(pugi::xml_document& doc, const ConfigOp& op, std::vector<std::string>* touched) {
  pugi::xml_document frag;
  if (!parseFragment(frag, op.element)) {
    return malformed();
  }
  auto nodes = selectNodes(doc, op.xpath);
  if (!nodes) {
    return badXpath();
  }
  pugi::xml_node target;
  if (nodes->size() > 1) {
    return errorResult(8, " Object not unique");
  }
  std::optional<OpResult> name_error;
  pugi::xml_node first_created;
  if (nodes->size() == 1) {
    target = nodes->first().node();
    if (!target || target.type() != pugi::node_element) {
      return badXpath();
    }
  } else {
    auto steps = parseSimplePath(op.xpath);
    if (!steps) {
      return badXpath();
    }
    if (auto bad = checkFragmentNames(frag, steps->back().name)) {
      return *bad;
    }
    std::vector<std::string> chain = stepNames(*steps);
    if (auto bad = checkLengths(frag, chain)) {
      return *bad;
    }
    auto created = ensurePath(doc, *steps, &name_error, &first_created);
    if (!created) {
      return name_error ? *name_error : badXpath();
    }
    target = *created;
  }
  if (auto bad = checkFragmentNames(frag, target.name())) {
    return *bad;
  }
  std::vector<std::string> chain = ancestry(target);
  if (auto bad = checkLengths(frag, chain)) {
    return *bad;
  }
  std::vector<pugi::xml_node> changed;
  mergeInto(target, frag, &changed);
  if (touched != nullptr && first_created) {
    touched->push_back(canonicalPath(first_created));  // a new object: the object is dirty
  } else if (touched != nullptr) {
    if (changed.empty()) {
      touched->push_back(canonicalPath(target));
    }
    for (const pugi::xml_node& n : changed) {
      touched->push_back(canonicalPath(n));
    }
  }
  return okResult();
}

OpResult doEdit(pugi::xml_document& doc, const ConfigOp& op, std::vector<std::string>* touched) {
  pugi::xml_document frag;
  if (!parseFragment(frag, op.element)) {
    return malformed();
  }
  pugi::xml_node root;
  int roots = 0;
  for (pugi::xml_node n = frag.first_child(); n; n = n.next_sibling()) {
    if (n.type() == pugi::node_element) {
      root = n;
      ++roots;
    }
  }
  if (roots != 1) {
    return errorResult(12, " edit needs exactly one element, the node named by the xpath");
  }
  auto nodes = selectNodes(doc, op.xpath);
  if (!nodes) {
    return badXpath();
  }
  if (nodes->size() > 1) {
    return errorResult(8, " Object not unique");
  }
  pugi::xml_node target;
  if (nodes->size() == 1) {
    target = nodes->first().node();
    if (!target || target.type() != pugi::node_element || !target.parent() ||
        target.parent().type() == pugi::node_document) {
      return badXpath();
    }
  } else {
    auto steps = parseSimplePath(op.xpath);
    if (!steps) {
      return badXpath();
    }
    std::vector<PathStep> parent_steps(steps->begin(), steps->end() - 1);
    std::vector<std::string> chain = stepNames(parent_steps);
    if (auto bad = checkLengths(frag, chain)) {
      return *bad;
    }
    std::optional<OpResult> name_error;
    auto parent = parent_steps.empty()
                      ? Result<pugi::xml_node>(fail(ErrorCode::InvalidInput, "root"))
                      : ensurePath(doc, parent_steps, &name_error);
    if (!parent) {
      return name_error ? *name_error : badXpath();
    }
    const PathStep& last = steps->back();
    if (last.name != root.name() ||
        (!last.attr.empty() && last.value != root.attribute(last.attr.c_str()).value())) {
      return errorResult(12, std::string(" ") + root.name() + " unexpected here");
    }
    if (root.attribute("name")) {
      if (auto bad = checkEntryName(parent->name(), root.attribute("name").value())) {
        return *bad;
      }
    }
    if (auto bad = checkFragmentNames(root, root.name())) {
      return *bad;
    }
    pugi::xml_node added = parent->append_copy(root);
    if (touched != nullptr) {
      touched->push_back(canonicalPath(added));
    }
    return okResult();
  }
  if (std::strcmp(target.name(), root.name()) != 0) {
    return errorResult(12, std::string(" ") + root.name() + " unexpected here");
  }
  const pugi::xml_attribute target_name = target.attribute("name");
  if (target_name && std::strcmp(target_name.value(), root.attribute("name").value()) != 0) {
    return errorResult(12, std::string(" ") + root.name() + " unexpected here");
  }
  if (auto bad = checkFragmentNames(root, root.name())) {
    return *bad;
  }
  std::vector<std::string> chain = ancestry(target.parent());
  if (auto bad = checkLengths(frag, chain)) {
    return *bad;
  }
  pugi::xml_node parent = target.parent();
  pugi::xml_node replaced = parent.insert_copy_before(root, target);
  parent.remove_child(target);
  if (touched != nullptr) {
    touched->push_back(canonicalPath(replaced));
  }
  return okResult();
}

// Objects other configuration refers to by name (rules, groups) cannot be deleted: code 10,
// "Reference count not zero" (DOCS error codes: "address object still in use in policy").
std::optional<OpResult> checkReferences(const pugi::xml_node& victim) {
  static constexpr std::array<std::string_view, 6> kReferable = {
      "address", "address-group", "service", "service-group", "tag", "profile-group"};
  const std::string_view container = victim.parent().name();
  if (std::strcmp(victim.name(), "entry") != 0 ||
      std::find(kReferable.begin(), kReferable.end(), container) == kReferable.end()) {
    return std::nullopt;
  }
  // The scope that can refer to it: its vsys (or the whole config for shared objects).
  pugi::xml_node scope = victim.parent().parent();
  if (std::strcmp(scope.name(), "shared") == 0) {
    scope = scope.parent();
  }
  const std::string name = victim.attribute("name").value();
  std::vector<std::string> refs;
  auto found = selectNodes(scope, ".//member[text()=" + xpathLiteral(name) + "]");
  if (!found) {
    return std::nullopt;
  }
  for (const pugi::xpath_node& m : *found) {
    const pugi::xml_node field = m.node().parent();
    std::string path;  // "rulebase -> security -> rules -> r1 -> destination"

    for (pugi::xml_node n = field; n && n != scope; n = n.parent()) {
      const std::string step = n.attribute("name") ? n.attribute("name").value() : n.name();
      path = path.empty() ? step : step + " -> " + path;
    }
    if (field.parent() != victim) {
      refs.push_back(" " + path);
    }
  }
  if (refs.empty()) {
    return std::nullopt;
  }
  OpResult r = errorResult(10, " " + std::string(container) + " -> " + name +
                                   " cannot be deleted because of references from:");
  r.lines.insert(r.lines.end(), refs.begin(), refs.end());
  return r;
}

OpResult doDelete(pugi::xml_document& doc, const ConfigOp& op, std::vector<std::string>* touched) {
  auto nodes = selectNodes(doc, op.xpath);
  if (!nodes) {
    return badXpath();
  }
  if (nodes->empty()) {
    // A success with code 7 (reference config-object-doesnt-exist-code7-subresponse.xml).
    OpResult r;
    r.code = 7;
    r.msg = "Object doesn't exist";
    return r;
  }
  std::vector<pugi::xml_node> victims;
  for (const pugi::xpath_node& xn : *nodes) {
    pugi::xml_node n = xn.node();
    if (xn.attribute() || !n || n.type() != pugi::node_element || !n.parent() ||
        n.parent().type() == pugi::node_document) {
      return errorResult(15, " Operation denied: this node cannot be deleted");
    }
    if (auto referenced = checkReferences(n)) {
      return *referenced;
    }
    victims.push_back(n);
  }
  for (pugi::xml_node n : victims) {
    if (touched != nullptr) {
      touched->push_back(canonicalPath(n.parent()));
    }
    n.parent().remove_child(n);
  }
  return okResult();
}

pugi::xml_node findSibling(pugi::xml_node node, std::string_view name) {
  for (pugi::xml_node s = node.parent().child(node.name()); s; s = s.next_sibling(node.name())) {
    if (name == s.attribute("name").value()) {
      return s;
    }
  }
  return {};
}

OpResult doMove(pugi::xml_document& doc, const ConfigOp& op, std::vector<std::string>* touched) {
  OpResult err;
  auto node = selectOne(doc, op.xpath, &err);
  if (!node) {
    return err;
  }
  pugi::xml_node parent = node->parent();
  if (!parent || parent.type() == pugi::node_document) {
    return errorResult(15, " Operation denied: the root cannot move");
  }
  // Documented: where = top | bottom | before | after, dst = the sibling (DOCS-11.1 "Move
  // Configuration"; clients pass the entry name, PANPY/PANGO; an xpath is accepted too).
  if (op.where == "top") {
    parent.prepend_move(*node);
  } else if (op.where == "bottom") {
    parent.append_move(*node);
  } else if (op.where == "before" || op.where == "after") {
    if (op.dst.empty()) {
      return errorResult(17, " dst is required when where is " + op.where);
    }
    pugi::xml_node dst;
    if (op.dst.front() == '/') {
      OpResult dst_err;
      auto found = selectOne(doc, op.dst, &dst_err);
      if (!found) {
        return dst_err;
      }
      dst = *found;
    } else {
      dst = findSibling(*node, op.dst);
    }
    if (!dst || dst.parent() != parent) {
      return errorResult(7, " " + op.dst + " doesn't exist");
    }
    if (dst == *node) {
      return errorResult(14, " cannot move " + op.dst + " relative to itself");
    }
    if (op.where == "before") {
      parent.insert_move_before(*node, dst);
    } else {
      parent.insert_move_after(*node, dst);
    }
  } else {
    return errorResult(17, " where must be top, bottom, before or after");
  }
  if (touched != nullptr) {
    touched->push_back(canonicalPath(*node));
  }
  return okResult();
}

OpResult doRename(pugi::xml_document& doc, const ConfigOp& op, std::vector<std::string>* touched) {
  if (op.newname.empty()) {
    return errorResult(17, " newname is required");
  }
  OpResult err;
  auto node = selectOne(doc, op.xpath, &err);
  if (!node) {
    return err;
  }
  pugi::xml_attribute name = node->attribute("name");
  if (!name) {
    return errorResult(12, std::string(" ") + node->name() + " has no name to change");
  }
  if (auto bad = checkEntryName(node->parent().name(), op.newname)) {
    return *bad;
  }
  if (pugi::xml_node other = findSibling(*node, op.newname); other && other != *node) {
    return errorResult(12, " " + op.newname + " already exists");
  }
  name.set_value(op.newname.c_str());
  if (touched != nullptr) {
    touched->push_back(canonicalPath(*node));
  }
  return okResult();
}

OpResult doClone(pugi::xml_document& doc, const ConfigOp& op, std::vector<std::string>* touched) {
  if (op.newname.empty() || op.from.empty()) {
    return errorResult(17, " clone needs from and newname");
  }
  OpResult err;
  auto container = selectOne(doc, op.xpath, &err);
  if (!container) {
    return err;
  }
  auto source = selectOne(doc, op.from, &err);
  if (!source) {
    return err;
  }
  if (!source->attribute("name")) {
    return errorResult(12, std::string(" ") + source->name() + " has no name to clone");
  }
  if (auto bad = checkEntryName(container->name(), op.newname)) {
    return *bad;
  }
  for (pugi::xml_node s = container->child(source->name()); s; s = s.next_sibling(source->name())) {
    if (op.newname == s.attribute("name").value()) {
      return errorResult(12, " " + op.newname + " already exists");
    }
  }
  pugi::xml_node copy = source->parent() == *container
                            ? container->insert_copy_after(*source, *source)
                            : container->append_copy(*source);
  copy.attribute("name").set_value(op.newname.c_str());
  copy.remove_attribute("uuid");
  if (touched != nullptr) {
    touched->push_back(canonicalPath(copy));
  }
  return okResult();
}

}  // namespace

OpResult applyConfigOp(pugi::xml_document& doc, const ConfigOp& op,
                       std::vector<std::string>* touched) {
  if (op.xpath.empty()) {
    return errorResult(6, " Bad Xpath: xpath is required");
  }
  if (op.action == "set") return doSet(doc, op, touched);
  if (op.action == "edit") return doEdit(doc, op, touched);
  if (op.action == "delete") return doDelete(doc, op, touched);
  if (op.action == "move") return doMove(doc, op, touched);
  if (op.action == "rename") return doRename(doc, op, touched);
  if (op.action == "clone") return doClone(doc, op, touched);
  return errorResult(1, " Unknown command: " + op.action);
}

Result<std::unique_ptr<ConfigStore>> ConfigStore::fromXml(std::string_view xml) {
  auto store = std::make_unique<ConfigStore>();
  const pugi::xml_parse_result parsed = store->running_.load_buffer(xml.data(), xml.size());
  if (!parsed) {
    return fail(ErrorCode::InvalidInput, std::string("configuration is not XML: ") +
                                             parsed.description() + " at offset " +
                                             std::to_string(parsed.offset));
  }
  if (std::strcmp(store->running_.document_element().name(), "config") != 0) {
    return fail(ErrorCode::InvalidInput, "configuration root element must be <config>");
  }
  store->candidate_.reset(store->running_);
  return store;
}

void ConfigStore::replaceTopLevel(const pugi::xml_node& element) {
  for (pugi::xml_document* doc : {&running_, &candidate_}) {
    pugi::xml_node config = doc->child("config");
    config.remove_child(element.name());
    config.append_copy(element);
  }
}

void ConfigStore::resetTo(const pugi::xml_document& running) {
  running_.reset(running);
  candidate_.reset(running);
  journal_.clear();
}

OpResult ConfigStore::apply(const ConfigOp& op, const std::string& admin, const std::string& time) {
  std::vector<std::string> touched;
  OpResult r = applyConfigOp(candidate_, op, &touched);
  if (r.ok && r.changed) {
    journal_.push_back(JournalEntry{next_dirty_id_++, admin, time, op, std::move(touched)});
  }
  return r;
}

std::vector<OpResult> ConfigStore::applyAll(const std::vector<ConfigOp>& ops,
                                            const std::string& admin, const std::string& time,
                                            bool replace_own_changes) {
  pugi::xml_document scratch;
  std::vector<JournalEntry> kept;
  if (replace_own_changes) {
    kept = replayWithout({admin}, scratch);
  } else {
    scratch.reset(candidate_);
  }
  std::vector<OpResult> results;
  std::vector<JournalEntry> added;
  std::uint64_t id = next_dirty_id_;
  for (const ConfigOp& op : ops) {
    std::vector<std::string> touched;
    results.push_back(applyConfigOp(scratch, op, &touched));
    if (!results.back().ok) {
      return results;
    }
    if (results.back().changed) {
      added.push_back(JournalEntry{id++, admin, time, op, std::move(touched)});
    }
  }
  candidate_.reset(scratch);
  next_dirty_id_ = id;
  if (replace_own_changes) {
    journal_ = std::move(kept);
  }
  for (JournalEntry& e : added) {
    journal_.push_back(std::move(e));
  }
  return results;
}

Result<std::unique_ptr<pugi::xml_document>> ConfigStore::prepareCommit(
    const std::set<std::string>& admins, std::uint64_t up_to_dirty_id) const {
  auto doc = std::make_unique<pugi::xml_document>();
  const bool everything = admins.empty() && up_to_dirty_id >= lastDirtyId();
  if (everything) {
    doc->reset(candidate_);
    return doc;
  }
  doc->reset(running_);
  for (const JournalEntry& e : journal_) {
    if (e.dirty_id > up_to_dirty_id || (!admins.empty() && !admins.contains(e.admin))) {
      continue;
    }
    const OpResult r = applyConfigOp(*doc, e.op, nullptr);
    if (!r.ok) {
      std::string detail = " " + e.op.action + " " + e.op.xpath + " by " + e.admin +
                           " depends on changes not in this commit:";
      for (const std::string& line : r.lines) {
        detail += line;
      }
      return fail(ErrorCode::Conflict, detail);
    }
  }
  return doc;
}

void ConfigStore::finishCommit(std::unique_ptr<pugi::xml_document> running,
                               const std::set<std::string>& admins, std::uint64_t up_to_dirty_id) {
  running_.reset(*running);
  std::erase_if(journal_, [&](const JournalEntry& e) {
    return e.dirty_id <= up_to_dirty_id && (admins.empty() || admins.contains(e.admin));
  });
  if (journal_.empty()) {
    candidate_.reset(running_);
  }
}

std::vector<JournalEntry> ConfigStore::replayWithout(const std::set<std::string>& admins,
                                                     pugi::xml_document& doc) const {
  doc.reset(running_);
  std::vector<JournalEntry> kept;
  for (const JournalEntry& e : journal_) {
    if (!admins.contains(e.admin) && applyConfigOp(doc, e.op, nullptr).ok) {
      kept.push_back(e);
    }
  }
  return kept;
}

void ConfigStore::revert(const std::set<std::string>& admins) {
  if (admins.empty()) {
    candidate_.reset(running_);
    journal_.clear();
    return;
  }
  journal_ = replayWithout(admins, candidate_);
}

namespace {

void annotate(const pugi::xml_node& source, pugi::xml_node copy,
              const std::unordered_map<const void*, const JournalEntry*>& marks) {
  if (auto it = marks.find(source.internal_object()); it != marks.end()) {
    const JournalEntry& e = *it->second;
    copy.append_attribute("admin").set_value(e.admin.c_str());
    copy.append_attribute("dirtyId").set_value(std::to_string(e.dirty_id).c_str());
    copy.append_attribute("time").set_value(e.time.c_str());
  }
  pugi::xml_node c = copy.first_child();
  for (pugi::xml_node s = source.first_child(); s && c;
       s = s.next_sibling(), c = c.next_sibling()) {
    if (s.type() == pugi::node_element) {
      annotate(s, c, marks);
    }
  }
}

}  // namespace

void ConfigStore::appendAnnotatedCopy(pugi::xml_node dest, const pugi::xml_node& source) const {
  pugi::xml_node copy = dest.append_copy(source);
  if (journal_.empty() || source.type() != pugi::node_element) {
    return;
  }
  const std::string base = canonicalPath(source);
  std::unordered_map<const void*, const JournalEntry*> marks;
  for (const JournalEntry& e : journal_) {
    for (const std::string& path : e.touched) {
      if (path.compare(0, base.size(), base) != 0) {
        continue;
      }
      auto steps = parseSimplePath(path);
      if (!steps) {
        continue;
      }
      if (pugi::xml_node n = findSimple(candidate_, *steps)) {
        marks[n.internal_object()] = &e;
      }
    }
  }
  if (!marks.empty()) {
    annotate(source, copy, marks);
  }
}

}  // namespace trailwall::panossim
