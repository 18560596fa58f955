#include "policy/rule.h"

#include <fmt/format.h>

#include <algorithm>

namespace trailwall::policy {
namespace {

bool contains(const Members& members, std::string_view value) {
  return std::find(members.begin(), members.end(), value) != members.end();
}

template <class T>
const T* findByName(const std::vector<T>& items, std::string_view name) {
  const auto it =
      std::find_if(items.begin(), items.end(), [name](const T& x) { return x.name == name; });
  return it == items.end() ? nullptr : &*it;
}

bool isAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

}  // namespace

bool SecurityRule::hasTag(std::string_view tag_name) const {
  return contains(tag, tag_name);
}

bool ServiceObject::hasTag(std::string_view tag_name) const {
  return contains(tag, tag_name);
}

bool AddressGroup::hasTag(std::string_view tag_name) const {
  return contains(tag, tag_name);
}

const SecurityRule* Rulebase::findRule(std::string_view name) const {
  return findByName(rules, name);
}

const ServiceObject* Rulebase::findService(std::string_view name) const {
  return findByName(services, name);
}

const Tag* Rulebase::findTag(std::string_view name) const {
  return findByName(tags, name);
}

const AddressGroup* Rulebase::findAddressGroup(std::string_view name) const {
  return findByName(address_groups, name);
}

Status validateName(std::string_view name, std::string_view what) {
  if (name.empty()) return fail(ErrorCode::InvalidInput, fmt::format("{} name is empty", what));
  if (name.size() > kMaxNameLength) {
    return fail(ErrorCode::InvalidInput,
                fmt::format("{} name '{}' is {} characters long; PAN-OS allows at most {}", what,
                            name, name.size(), kMaxNameLength));
  }
  if (!isAlnum(name[0]) && name[0] != '_') {
    return fail(
        ErrorCode::InvalidInput,
        fmt::format("{} name '{}' must start with a letter, digit or underscore", what, name));
  }
  for (char c : name) {
    if (!isAlnum(c) && c != '_' && c != '-' && c != '.' && c != ' ') {
      return fail(ErrorCode::InvalidInput,
                  fmt::format("{} name '{}' has a character PAN-OS does not allow ('{}'); use "
                              "letters, digits, '_', '-', '.' and spaces",
                              what, name, c));
    }
  }
  return {};
}

}  // namespace trailwall::policy
