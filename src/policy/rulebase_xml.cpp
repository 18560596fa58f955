#include "policy/rulebase_xml.h"

#include <fmt/format.h>

#include <array>
#include <cstring>
#include <iterator>
#include <new>
#include <sstream>

namespace trailwall::policy {
namespace {

// Children of a rule <entry> that are member lists, with the field each fills.
constexpr std::array<std::pair<const char*, Members SecurityRule::*>, 11> kMemberFields{{
    {"from", &SecurityRule::from},
    {"to", &SecurityRule::to},
    {"source", &SecurityRule::source},
    {"destination", &SecurityRule::destination},
    {"source-user", &SecurityRule::source_user},
    {"category", &SecurityRule::category},
    {"application", &SecurityRule::application},
    {"service", &SecurityRule::service},
    {"source-hip", &SecurityRule::source_hip},
    {"destination-hip", &SecurityRule::destination_hip},
    {"tag", &SecurityRule::tag},
}};

constexpr std::array<std::pair<const char*, std::string SecurityRule::*>, 6> kTextFields{{
    {"action", &SecurityRule::action},
    {"description", &SecurityRule::description},
    {"log-setting", &SecurityRule::log_setting},
    {"rule-type", &SecurityRule::rule_type},
    {"schedule", &SecurityRule::schedule},
    {"group-tag", &SecurityRule::group_tag},
}};

constexpr std::array<std::pair<const char*, bool SecurityRule::*>, 3> kFlagFields{{
    {"disabled", &SecurityRule::disabled},
    {"negate-source", &SecurityRule::negate_source},
    {"negate-destination", &SecurityRule::negate_destination},
}};

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t\r\n");
  return s.substr(first, last - first + 1);
}

std::string text(const pugi::xml_node& node) {
  return std::string(trim(node.text().get()));
}

Members members(const pugi::xml_node& node) {
  Members out;
  for (const auto& m : node.children("member")) out.push_back(text(m));
  return out;
}

std::string raw(const pugi::xml_node& node) {
  std::ostringstream out;
  node.print(out, "", pugi::format_raw);
  return out.str();
}

Result<bool> yesNo(const pugi::xml_node& node, std::string_view rule) {
  const std::string value = text(node);
  if (value == "yes") return true;
  if (value == "no") return false;
  return fail(ErrorCode::InvalidInput,
              fmt::format("rule '{}': <{}> is '{}', expected yes or no", rule, node.name(), value));
}

// True when the text can stand in an XML 1.0 document: valid UTF-8, no control characters
// other than tab, newline and carriage return.
bool xmlSafe(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') return false;
      if (c == 0x7F) return false;
      ++i;
      continue;
    }
    std::size_t len = 0;
    if ((c & 0xE0) == 0xC0 && c >= 0xC2) {
      len = 2;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
    } else if ((c & 0xF8) == 0xF0 && c <= 0xF4) {
      len = 4;
    } else {
      return false;
    }
    if (i + len > s.size()) return false;
    for (std::size_t k = 1; k < len; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += len;
  }
  return true;
}

// Builds elements and remembers the first text that XML cannot carry.
class Writer {
 public:
  explicit Writer(std::string_view owner) : owner_(owner) {}

  [[nodiscard]] bool ok() const { return !error_; }
  [[nodiscard]] Error error() const { return *error_; }

  void check(std::string_view value, std::string_view field) {
    if (!error_ && !xmlSafe(value)) {
      error_ = Error{ErrorCode::InvalidInput,
                     fmt::format("{}: {} holds a character XML cannot carry", owner_, field)};
    }
  }

  void textChild(pugi::xml_node parent, const char* name, const std::string& value) {
    if (value.empty()) return;
    check(value, name);
    parent.append_child(name).text().set(value.c_str());
  }

  void memberList(pugi::xml_node parent, const char* name, const Members& values) {
    if (values.empty()) return;
    auto list = parent.append_child(name);
    for (const auto& v : values) {
      check(v, name);
      list.append_child("member").text().set(v.c_str());
    }
  }

  void extras(pugi::xml_node parent, const std::vector<std::string>& fragments) {
    for (const auto& fragment : fragments) {
      pugi::xml_document doc;
      if (!doc.load_buffer(fragment.data(), fragment.size())) {
        if (!error_) {
          error_ = Error{ErrorCode::InvalidInput,
                         fmt::format("{}: extra element is not well-formed XML", owner_)};
        }
        return;
      }
      for (const auto& child : doc.children()) parent.append_copy(child);
    }
  }

 private:
  std::string owner_;
  std::optional<Error> error_;
};

pugi::xml_node newEntry(pugi::xml_node parent, const std::string& name) {
  auto entry = parent.append_child("entry");
  entry.append_attribute("name").set_value(name.c_str());
  return entry;
}

Result<std::string> finish(const pugi::xml_node& entry, Render how) {
  if (how == Render::Whole) return raw(entry);
  std::string out;
  for (const auto& child : entry.children()) out += raw(child);
  return out;
}

// Adds everything a vsys entry, the shared section or a result may hold.
class Collector {
 public:
  explicit Collector(Rulebase& out) : out_(out) {}

  Status collect(const pugi::xml_node& node) {
    const std::string_view name = node.name();
    if (name == "rules")
      return eachEntry(node, [this](const pugi::xml_node& e) { return addRule(e); });
    if (name == "security") return collectChildren(node, {"rules"});
    if (name == "rulebase") return collectChildren(node, {"security"});
    if (name == "service") {
      return eachEntry(node, [this](const pugi::xml_node& e) { return addService(e); });
    }
    if (name == "service-group") {
      for (const auto& e : node.children("entry")) {
        out_.service_groups.push_back({e.attribute("name").value(), members(e.child("members"))});
      }
      return {};
    }
    if (name == "tag") {
      for (const auto& e : node.children("entry")) out_.tags.push_back(readTag(e));
      return {};
    }
    if (name == "address-group") {
      for (const auto& e : node.children("entry")) {
        out_.address_groups.push_back(readAddressGroup(e));
      }
      return {};
    }
    if (name == "shared") {
      // Shared services and tags are kept apart (never edited); shared groups still pin members.
      const auto services = out_.services.size();
      const auto tags = out_.tags.size();
      auto ok = collectChildren(node, {"service", "service-group", "tag"});
      const auto first_service = out_.services.begin() + static_cast<std::ptrdiff_t>(services);
      std::move(first_service, out_.services.end(), std::back_inserter(out_.shared_services));
      out_.services.erase(first_service, out_.services.end());
      const auto first_tag = out_.tags.begin() + static_cast<std::ptrdiff_t>(tags);
      std::move(first_tag, out_.tags.end(), std::back_inserter(out_.shared_tags));
      out_.tags.erase(first_tag, out_.tags.end());
      return ok;
    }
    if (name == "entry") return collectEntry(node);
    return {};
  }

 private:
  template <class F>
  Status eachEntry(const pugi::xml_node& node, F&& add) {
    for (const auto& e : node.children("entry")) {
      if (auto ok = add(e); !ok) return ok;
    }
    return {};
  }

  Status collectChildren(const pugi::xml_node& node, std::initializer_list<const char*> names) {
    for (const char* n : names) {
      if (auto child = node.child(n)) {
        if (auto ok = collect(child); !ok) return ok;
      }
    }
    return {};
  }

  // An <entry> at the top of a result: a vsys, a rule, a service or a tag, told by its children.
  Status collectEntry(const pugi::xml_node& e) {
    if (e.child("rulebase") || e.child("zone") || e.child("address")) {
      return collectChildren(e, {"rulebase", "service", "service-group", "tag", "address-group"});
    }
    if (e.child("from") || e.child("to") || e.child("action") || e.child("source")) {
      return addRule(e);
    }
    if (e.child("protocol")) return addService(e);
    if (e.child("color") || e.child("comments")) out_.tags.push_back(readTag(e));
    return {};
  }

  Status addRule(const pugi::xml_node& e) {
    auto rule = readRule(e);
    if (!rule) return std::unexpected(rule.error());
    out_.rules.push_back(std::move(*rule));
    return {};
  }

  Status addService(const pugi::xml_node& e) {
    auto service = readService(e);
    if (!service) return std::unexpected(service.error());
    out_.services.push_back(std::move(*service));
    return {};
  }

  Rulebase& out_;
};

Status collectConfig(const pugi::xml_node& config, std::string_view vsys, Collector& collector) {
  if (auto shared = config.child("shared")) {
    if (auto ok = collector.collect(shared); !ok) return ok;
  }
  for (const auto& device : config.child("devices").children("entry")) {
    for (const auto& v : device.child("vsys").children("entry")) {
      if (v.attribute("name").value() == vsys) return collector.collect(v);
    }
  }
  return fail(ErrorCode::NotFound,
              fmt::format("the configuration has no vsys '{}' under /config/devices", vsys));
}

}  // namespace

Result<SecurityRule> readRule(const pugi::xml_node& entry) {
  SecurityRule rule;
  rule.name = entry.attribute("name").value();
  if (rule.name.empty()) {
    return fail(ErrorCode::InvalidInput, "security rule <entry> without a name attribute");
  }
  rule.uuid = entry.attribute("uuid").value();
  for (const auto& child : entry.children()) {
    if (child.type() != pugi::node_element) continue;
    const std::string_view name = child.name();
    bool known = false;
    for (const auto& [tag, field] : kMemberFields) {
      if (name == tag) {
        rule.*field = members(child);
        known = true;
      }
    }
    for (const auto& [tag, field] : kTextFields) {
      if (name == tag) {
        rule.*field = name == "description" ? child.text().get() : text(child);
        known = true;
      }
    }
    for (const auto& [tag, field] : kFlagFields) {
      if (name == tag) {
        auto flag = yesNo(child, rule.name);
        if (!flag) return std::unexpected(flag.error());
        rule.*field = *flag;
        known = true;
      }
    }
    if (name == "log-start" || name == "log-end") {
      auto flag = yesNo(child, rule.name);
      if (!flag) return std::unexpected(flag.error());
      (name == "log-start" ? rule.log_start : rule.log_end) = *flag;
      known = true;
    }
    if (name == "profile-setting") {
      ProfileSetting setting;
      setting.group = members(child.child("group"));
      for (const auto& p : child.child("profiles").children()) {
        if (p.type() == pugi::node_element) setting.profiles.emplace_back(p.name(), members(p));
      }
      rule.profile_setting = std::move(setting);
      known = true;
    }
    if (!known) rule.extra_xml.push_back(raw(child));
  }
  return rule;
}

Result<ServiceObject> readService(const pugi::xml_node& entry) {
  ServiceObject s;
  s.name = entry.attribute("name").value();
  if (s.name.empty()) {
    return fail(ErrorCode::InvalidInput, "service <entry> without a name attribute");
  }
  for (const auto& proto : entry.child("protocol").children()) {
    if (proto.type() != pugi::node_element) continue;
    s.protocol = proto.name();
    for (const auto& child : proto.children()) {
      if (child.type() != pugi::node_element) continue;
      const std::string_view name = child.name();
      if (name == "port") {
        s.port = text(child);
      } else if (name == "source-port") {
        s.source_port = text(child);
      } else {
        s.extra_xml.push_back(raw(child));
      }
    }
    break;
  }
  if (s.protocol.empty()) {
    return fail(ErrorCode::InvalidInput, fmt::format("service '{}' has no <protocol>", s.name));
  }
  s.description = entry.child("description").text().get();
  s.tag = members(entry.child("tag"));
  return s;
}

AddressGroup readAddressGroup(const pugi::xml_node& entry) {
  AddressGroup g;
  g.name = entry.attribute("name").value();
  for (const auto& child : entry.children()) {
    const std::string_view name = child.name();
    if (name == "dynamic") {
      g.filter = child.child("filter").text().get();
    } else if (name == "static") {
      g.static_members = members(child);
    } else if (name == "description") {
      g.description = child.text().get();
    } else if (name == "tag") {
      g.tag = members(child);
    } else if (child.type() == pugi::node_element) {
      g.extra_xml.push_back(raw(child));
    }
  }
  return g;
}

Tag readTag(const pugi::xml_node& entry) {
  return Tag{entry.attribute("name").value(), text(entry.child("color")),
             entry.child("comments").text().get()};
}

Result<Rulebase> parseRulebaseXml(std::string_view xml, std::string_view vsys) {
  try {
    pugi::xml_document doc;
    const auto parsed = doc.load_buffer(xml.data(), xml.size());
    if (!parsed) {
      return fail(ErrorCode::InvalidInput, fmt::format("rulebase XML is not well-formed: {} at "
                                                       "byte {}",
                                                       parsed.description(), parsed.offset));
    }
    const auto root = doc.document_element();
    Rulebase out;
    Collector collector(out);
    const std::string_view root_name = root.name();
    Status ok;
    if (root_name == "config") {
      ok = collectConfig(root, vsys, collector);
    } else if (root_name == "response") {
      if (std::string_view(root.attribute("status").value()) == "error") {
        return fail(ErrorCode::InvalidInput, "the XML is an error response, not a configuration");
      }
      for (const auto& child : root.child("result").children()) {
        if (child.type() != pugi::node_element) continue;
        ok = std::string_view(child.name()) == "config" ? collectConfig(child, vsys, collector)
                                                        : collector.collect(child);
        if (!ok) break;
      }
    } else {
      ok = collector.collect(root);
    }
    if (!ok) return std::unexpected(ok.error());
    return out;
  } catch (const std::bad_alloc&) {
    return fail(ErrorCode::InvalidInput, "rulebase XML is too large to hold in memory");
  }
}

Result<SecurityRule> parseRuleXml(std::string_view xml) {
  pugi::xml_document doc;
  if (!doc.load_buffer(xml.data(), xml.size())) {
    return fail(ErrorCode::InvalidInput, "rule XML is not well-formed");
  }
  const auto entry = doc.document_element();
  if (std::string_view(entry.name()) != "entry") {
    return fail(ErrorCode::InvalidInput,
                fmt::format("expected a rule <entry>, got <{}>", entry.name()));
  }
  return readRule(entry);
}

Status appendRule(pugi::xml_node parent, const SecurityRule& rule) {
  if (auto ok = validateName(rule.name, "security rule"); !ok) return ok;
  if (rule.description.size() > kMaxDescriptionLength) {
    return fail(ErrorCode::InvalidInput,
                fmt::format("rule '{}': description is {} characters; PAN-OS allows {}", rule.name,
                            rule.description.size(), kMaxDescriptionLength));
  }
  Writer w(fmt::format("rule '{}'", rule.name));
  auto entry = newEntry(parent, rule.name);
  for (const char* first : {"to", "from", "source", "destination", "source-user", "category",
                            "application", "service", "source-hip", "destination-hip"}) {
    for (const auto& [tag, field] : kMemberFields) {
      if (std::strcmp(tag, first) == 0) w.memberList(entry, tag, rule.*field);
    }
  }
  w.textChild(entry, "action", rule.action);
  w.textChild(entry, "description", rule.description);
  w.memberList(entry, "tag", rule.tag);
  for (const auto& [tag, field] : kFlagFields) {
    if (rule.*field) entry.append_child(tag).text().set("yes");
  }
  if (rule.profile_setting) {
    auto setting = entry.append_child("profile-setting");
    if (!rule.profile_setting->group.empty()) {
      w.memberList(setting, "group", rule.profile_setting->group);
    } else {
      auto profiles = setting.append_child("profiles");
      for (const auto& [type, list] : rule.profile_setting->profiles) {
        w.check(type, "profile type");
        if (w.ok()) w.memberList(profiles, type.c_str(), list);
      }
    }
  }
  w.textChild(entry, "log-setting", rule.log_setting);
  if (rule.log_start) entry.append_child("log-start").text().set(*rule.log_start ? "yes" : "no");
  if (rule.log_end) entry.append_child("log-end").text().set(*rule.log_end ? "yes" : "no");
  w.textChild(entry, "rule-type", rule.rule_type);
  w.textChild(entry, "schedule", rule.schedule);
  w.textChild(entry, "group-tag", rule.group_tag);
  w.extras(entry, rule.extra_xml);
  if (!w.ok()) return std::unexpected(w.error());
  return {};
}

Status appendService(pugi::xml_node parent, const ServiceObject& s) {
  if (auto ok = validateName(s.name, "service"); !ok) return ok;
  if (s.protocol != "tcp" && s.protocol != "udp" && s.protocol != "sctp") {
    return fail(
        ErrorCode::InvalidInput,
        fmt::format("service '{}': protocol '{}' is not tcp, udp or sctp", s.name, s.protocol));
  }
  Writer w(fmt::format("service '{}'", s.name));
  auto entry = newEntry(parent, s.name);
  auto proto = entry.append_child("protocol").append_child(s.protocol.c_str());
  w.textChild(proto, "port", s.port);
  w.textChild(proto, "source-port", s.source_port);
  w.extras(proto, s.extra_xml);
  w.textChild(entry, "description", s.description);
  w.memberList(entry, "tag", s.tag);
  if (!w.ok()) return std::unexpected(w.error());
  return {};
}

Status appendTag(pugi::xml_node parent, const Tag& tag) {
  if (tag.name.empty() || tag.name.size() > 127) {
    return fail(ErrorCode::InvalidInput,
                fmt::format("tag name '{}' must be 1-127 characters long", tag.name));
  }
  Writer w(fmt::format("tag '{}'", tag.name));
  w.check(tag.name, "name");
  auto entry = newEntry(parent, tag.name);
  w.textChild(entry, "color", tag.color);
  w.textChild(entry, "comments", tag.comments);
  if (!w.ok()) return std::unexpected(w.error());
  return {};
}

Status appendAddressGroup(pugi::xml_node parent, const AddressGroup& group) {
  if (auto ok = validateName(group.name, "address group"); !ok) return ok;
  if (group.filter.size() > kMaxFilterLength) {
    return fail(ErrorCode::InvalidInput,
                fmt::format("address group '{}': filter is longer than {} characters", group.name,
                            kMaxFilterLength));
  }
  if (!group.filter.empty() && !group.static_members.empty()) {
    return fail(ErrorCode::InvalidInput,
                fmt::format("address group '{}' is both dynamic and static", group.name));
  }
  Writer w(fmt::format("address group '{}'", group.name));
  auto entry = newEntry(parent, group.name);
  if (!group.filter.empty()) {
    w.textChild(entry.append_child("dynamic"), "filter", group.filter);
  } else {
    w.memberList(entry, "static", group.static_members);
  }
  w.textChild(entry, "description", group.description);
  w.memberList(entry, "tag", group.tag);
  w.extras(entry, group.extra_xml);
  if (!w.ok()) return std::unexpected(w.error());
  return {};
}

Result<std::string> renderAddressGroup(const AddressGroup& group, Render how) {
  pugi::xml_document doc;
  if (auto ok = appendAddressGroup(doc, group); !ok) return std::unexpected(ok.error());
  return finish(doc.first_child(), how);
}

Result<std::string> renderRule(const SecurityRule& rule, Render how) {
  pugi::xml_document doc;
  if (auto ok = appendRule(doc, rule); !ok) return std::unexpected(ok.error());
  return finish(doc.first_child(), how);
}

Result<std::string> renderService(const ServiceObject& service, Render how) {
  pugi::xml_document doc;
  if (auto ok = appendService(doc, service); !ok) return std::unexpected(ok.error());
  return finish(doc.first_child(), how);
}

Result<std::string> renderTag(const Tag& tag, Render how) {
  pugi::xml_document doc;
  if (auto ok = appendTag(doc, tag); !ok) return std::unexpected(ok.error());
  return finish(doc.first_child(), how);
}

Result<std::string> renderRulebaseConfig(const Rulebase& rulebase, std::string_view vsys) {
  pugi::xml_document doc;
  auto config = doc.append_child("config");
  if (!rulebase.shared_services.empty() || !rulebase.shared_tags.empty()) {
    auto shared = config.append_child("shared");
    auto shared_services = shared.append_child("service");
    for (const auto& s : rulebase.shared_services) {
      if (auto ok = appendService(shared_services, s); !ok) return std::unexpected(ok.error());
    }
    auto shared_tags = shared.append_child("tag");
    for (const auto& t : rulebase.shared_tags) {
      if (auto ok = appendTag(shared_tags, t); !ok) return std::unexpected(ok.error());
    }
  }
  auto vsys_entry = newEntry(
      newEntry(config.append_child("devices"), "localhost.localdomain").append_child("vsys"),
      std::string(vsys));
  auto rules = vsys_entry.append_child("rulebase").append_child("security").append_child("rules");
  for (const auto& rule : rulebase.rules) {
    if (auto ok = appendRule(rules, rule); !ok) return std::unexpected(ok.error());
  }
  auto services = vsys_entry.append_child("service");
  for (const auto& s : rulebase.services) {
    if (auto ok = appendService(services, s); !ok) return std::unexpected(ok.error());
  }
  auto groups = vsys_entry.append_child("service-group");
  for (const auto& g : rulebase.service_groups) {
    Writer w(fmt::format("service group '{}'", g.name));
    w.check(g.name, "name");
    w.memberList(newEntry(groups, g.name), "members", g.members);
    if (!w.ok()) return std::unexpected(w.error());
  }
  auto tags = vsys_entry.append_child("tag");
  for (const auto& t : rulebase.tags) {
    if (auto ok = appendTag(tags, t); !ok) return std::unexpected(ok.error());
  }
  if (!rulebase.address_groups.empty()) {
    auto address_groups = vsys_entry.append_child("address-group");
    for (const auto& g : rulebase.address_groups) {
      if (auto ok = appendAddressGroup(address_groups, g); !ok) return std::unexpected(ok.error());
    }
  }
  std::ostringstream out;
  doc.save(out, "  ", pugi::format_indent | pugi::format_no_declaration);
  return out.str();
}

}  // namespace trailwall::policy
