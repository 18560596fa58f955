#include "policy/plan_format.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

namespace trailwall::policy {
namespace {

using Json = nlohmann::ordered_json;

void put(Json& j, const char* key, const Members& members) {
  if (!members.empty()) j[key] = members;
}

void put(Json& j, const char* key, const std::string& text) {
  if (!text.empty()) j[key] = text;
}

Json ruleJson(const SecurityRule& r) {
  Json j;
  j["name"] = r.name;
  put(j, "from", r.from);
  put(j, "to", r.to);
  put(j, "source", r.source);
  put(j, "destination", r.destination);
  put(j, "source_user", r.source_user);
  put(j, "category", r.category);
  put(j, "application", r.application);
  put(j, "service", r.service);
  put(j, "action", r.action);
  put(j, "description", r.description);
  put(j, "tag", r.tag);
  if (r.profile_setting) {
    put(j, "profile_group", r.profile_setting->group);
    for (const auto& [type, members] : r.profile_setting->profiles) {
      j["profiles"][type] = members;
    }
  }
  if (r.disabled) j["disabled"] = true;
  if (r.negate_source) j["negate_source"] = true;
  if (r.negate_destination) j["negate_destination"] = true;
  return j;
}

Json serviceJson(const ServiceObject& s) {
  Json j;
  j["name"] = s.name;
  j["protocol"] = s.protocol;
  j["port"] = s.port;
  put(j, "source_port", s.source_port);
  put(j, "description", s.description);
  put(j, "tag", s.tag);
  return j;
}

std::string joined(const Members& members) {
  std::string out;
  for (const auto& m : members) out += (out.empty() ? "" : ", ") + m;
  return out.empty() ? "(none)" : out;
}

// joined(), appended in place: a plan of 100,000 rules is printed without a string per line.
void appendJoined(std::string& out, const Members& members) {
  if (members.empty()) {
    out += "(none)";
    return;
  }
  for (std::size_t i = 0; i < members.size(); ++i) {
    if (i > 0) out += ", ";
    out += members[i];
  }
}

std::string placementText(const Placement& p) {
  return p.where == Placement::Where::Before ? fmt::format("above rule '{}'", p.rule)
                                             : std::string("at the end of the rulebase");
}

std::size_t membersSize(const Members& members) {
  std::size_t n = 6;  // "(none)"
  for (const auto& m : members) n += m.size() + 2;
  return n;
}

// At least what ruleLines appends for `r` (its fixed text is under 160 bytes).
std::size_t ruleLinesSize(const SecurityRule& r) {
  std::size_t n = 160 + r.name.size() + r.description.size();
  for (const Members* m : {&r.from, &r.to, &r.source, &r.destination, &r.application, &r.service}) {
    n += membersSize(*m);
  }
  if (r.profile_setting) n += membersSize(r.profile_setting->group);
  return n;
}

void ruleLines(std::string& out, const SecurityRule& r) {
  out += "    from ";
  appendJoined(out, r.from);
  out += " to ";
  appendJoined(out, r.to);
  out += "\n    source ";
  appendJoined(out, r.source);
  out += "\n    destination ";
  appendJoined(out, r.destination);
  out += "\n    application ";
  appendJoined(out, r.application);
  out += "; service ";
  appendJoined(out, r.service);
  out += '\n';
  if (r.profile_setting && !r.profile_setting->group.empty()) {
    out += "    profile group ";
    appendJoined(out, r.profile_setting->group);
    out += '\n';
  }
  if (!r.description.empty()) {
    out += "    description \"";
    out += r.description;
    out += "\"\n";
  }
}

}  // namespace

std::string planToJson(const Plan& plan) {
  Json j;
  j["changes"] = plan.changeCount();
  if (plan.placement.where == Placement::Where::Before) {
    j["placement"]["before"] = plan.placement.rule;
  } else {
    j["placement"]["at"] = "bottom";
  }
  if (plan.add_tag) {
    j["add_tag"] = {{"name", plan.add_tag->name}, {"comments", plan.add_tag->comments}};
  }
  for (const auto& g : plan.set_address_groups) {
    j["set_address_groups"].push_back({{"name", g.name}, {"filter", g.filter}});
  }
  for (const auto& s : plan.add_services) j["add_services"].push_back(serviceJson(s));
  for (const auto& r : plan.add_rules) j["add_rules"].push_back(ruleJson(r));
  for (const auto& e : plan.edit_rules) {
    Json edit;
    edit["name"] = e.after.name;
    edit["changed"] = e.changed;
    edit["rule"] = ruleJson(e.after);
    j["edit_rules"].push_back(std::move(edit));
  }
  if (!plan.move_rules.empty()) j["move_rules"] = plan.move_rules;
  for (const auto& r : plan.delete_rules) j["delete_rules"].push_back(r.name);
  for (const auto& s : plan.delete_services) j["delete_services"].push_back(s.name);
  for (const auto& g : plan.delete_address_groups) j["delete_address_groups"].push_back(g.name);
  if (plan.delete_tag) j["delete_tag"] = plan.delete_tag->name;
  if (!plan.warnings.empty()) j["warnings"] = plan.warnings;
  return j.dump(2) + "\n";
}

std::string planToText(const Plan& plan) {
  std::string out;
  appendPlanText(out, plan);
  return out;
}

void appendPlanText(std::string& out, const Plan& plan) {
  // Reserved at once: a plan of 100,000 rules is 70 MB of text, and growing the string would
  // copy it and touch twice the memory.
  std::size_t size = out.size() + 256 + 64 * (plan.changeCount() + plan.warnings.size());
  for (const auto& r : plan.add_rules) size += ruleLinesSize(r);
  for (const auto& e : plan.edit_rules) size += ruleLinesSize(e.after) + 16 * e.changed.size();
  for (const auto& w : plan.warnings) size += w.size();
  out.reserve(size);
  if (plan.empty()) {
    out += "No changes: the firewall's managed rules match AWS.\n";
  } else {
    out += fmt::format(
        "Plan: {} rule(s) to add, {} to change, {} to move, {} to delete; new and moved rules go "
        "{}.\n",
        plan.add_rules.size(), plan.edit_rules.size(), plan.move_rules.size(),
        plan.delete_rules.size(), placementText(plan.placement));
  }
  if (plan.add_tag) out += fmt::format("+ tag {}\n", plan.add_tag->name);
  for (const auto& g : plan.set_address_groups) {
    out += fmt::format("+ dynamic address group {} (filter {})\n", g.name, g.filter);
  }
  for (const auto& s : plan.add_services) {
    out += fmt::format("+ service {} ({} {})\n", s.name, s.protocol, s.port);
  }
  for (const auto& r : plan.add_rules) {
    out += "+ rule ";
    out += r.name;
    out += '\n';
    ruleLines(out, r);
  }
  for (const auto& e : plan.edit_rules) {
    out += fmt::format("~ rule {} (changes {})\n", e.after.name, joined(e.changed));
    ruleLines(out, e.after);
  }
  for (const auto& name : plan.move_rules) {
    out += fmt::format("^ rule {} moves {}\n", name, placementText(plan.placement));
  }
  for (const auto& r : plan.delete_rules) out += fmt::format("- rule {}\n", r.name);
  for (const auto& s : plan.delete_services) out += fmt::format("- service {}\n", s.name);
  for (const auto& g : plan.delete_address_groups) {
    out += fmt::format("- dynamic address group {}\n", g.name);
  }
  if (plan.delete_tag) out += fmt::format("- tag {}\n", plan.delete_tag->name);
  for (const auto& w : plan.warnings) out += fmt::format("warning: {}\n", w);
}

}  // namespace trailwall::policy
