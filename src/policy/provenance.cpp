#include "policy/provenance.h"

#include <algorithm>
#include <map>
#include <span>
#include <unordered_map>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "common/both.h"
#include "policy/naming.h"

namespace trailwall::policy {
namespace {

// Length of the valid UTF-8 sequence at `i` (1-4), 0 when it is not one.
std::size_t sequenceLength(std::string_view text, std::size_t i) {
  const auto c = static_cast<unsigned char>(text[i]);
  std::size_t n = 0;
  unsigned min = 0;
  if (c < 0x80) return 1;
  if ((c & 0xE0) == 0xC0) {
    n = 2;
    min = 0x80;
  } else if ((c & 0xF0) == 0xE0) {
    n = 3;
    min = 0x800;
  } else if ((c & 0xF8) == 0xF0) {
    n = 4;
    min = 0x10000;
  } else {
    return 0;
  }
  if (i + n > text.size()) return 0;
  unsigned value = c & (0x7Fu >> n);
  for (std::size_t k = 1; k < n; ++k) {
    const auto d = static_cast<unsigned char>(text[i + k]);
    if ((d & 0xC0) != 0x80) return 0;
    value = (value << 6) | (d & 0x3Fu);
  }
  if (value < min || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) return 0;
  return n;
}

// Printable ASCII only: what cleanText leaves as it is, byte for byte.
bool isPlainText(std::string_view text) {
  bool plain = true;
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    plain &= c >= 0x20 && c < 0x7F;  // no early exit: the loop vectorises
  }
  return plain;
}

std::string capped(std::string_view text, std::size_t limit) {
  const auto clean = cleanText(text);
  if (clean.size() <= limit) return clean;
  return std::string(utf8Prefix(clean, limit - 3)) + "...";
}

// Below this many rules one thread writes every description (a thread costs more than it saves).
constexpr std::size_t kRulesPerThread = 20000;

std::string formatTime(std::chrono::system_clock::time_point t) {
  return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", std::chrono::floor<std::chrono::seconds>(t));
}

// The provenance as withProvenance appends it: cleaned, and shortened (ending in "...") when it
// would leave the origin fewer than 16 bytes. Depends only on the text, so annotate makes it once
// per owner.
std::string provenanceTail(std::string_view provenance, std::size_t limit) {
  std::string tail = cleanText(provenance);
  const std::size_t separator = kProvenanceSeparator.size();
  if (tail.size() + separator + 16 > limit) {
    tail =
        std::string(utf8Prefix(tail, limit > separator + 19 ? limit - separator - 19 : 0)) + "...";
  }
  return tail;
}

// origin + separator + a tail from provenanceTail, in one allocation.
std::string withCleanProvenance(std::string_view origin, std::string_view tail, std::size_t limit) {
  const std::size_t separator = kProvenanceSeparator.size();
  const std::size_t room = limit - tail.size() - separator;
  std::string cleaned;  // only when the origin is not printable ASCII without '|'
  std::string_view head = origin;
  if (!isPlainText(origin) || origin.find('|') != std::string_view::npos) {
    cleaned = originText(origin);
    head = cleaned;
  }
  const bool shortened = head.size() > room;
  if (shortened) head = utf8Prefix(head, room - 3);
  std::string out;
  out.reserve(head.size() + 3 + separator + tail.size());
  out.append(head);
  if (shortened) out.append("...");
  out.append(kProvenanceSeparator).append(tail);
  return out;
}

}  // namespace

std::string_view descriptionOrigin(std::string_view description) {
  // The separator's one '|' is rare in a description, its leading ' ' is not: look for '|'.
  static_assert(kProvenanceSeparator.find('|') == 1 &&
                kProvenanceSeparator.find('|', 2) == std::string_view::npos);
  for (auto bar = description.find('|'); bar != std::string_view::npos;
       bar = description.find('|', bar + 1)) {
    if (bar >= 1 && description.substr(bar - 1).starts_with(kProvenanceSeparator)) {
      return description.substr(0, bar - 1);
    }
  }
  return description;
}

std::string cleanText(std::string_view text) {
  if (isPlainText(text)) return std::string(text);  // the common case, without a byte loop
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c == 0x7F) {
      out += ' ';
      ++i;
      continue;
    }
    const auto n = sequenceLength(text, i);
    if (n == 0) {
      out += '?';
      ++i;
      continue;
    }
    out.append(text.substr(i, n));
    i += n;
  }
  return out;
}

std::string originText(std::string_view origin) {
  if (isPlainText(origin) && origin.find('|') == std::string_view::npos) {
    return std::string(origin);
  }
  std::string out = cleanText(origin);
  std::replace(out.begin(), out.end(), '|', '/');
  return out;
}

void makeOriginText(std::string& text, std::size_t limit) {
  if (!isPlainText(text) || text.find('|') != std::string::npos) text = originText(text);
  if (text.size() > limit) text.resize(utf8Prefix(text, limit).size());
}

std::string_view utf8Prefix(std::string_view text, std::size_t limit) {
  if (text.size() <= limit) return text;
  std::size_t end = limit;
  // Back off continuation bytes so the cut lands before a sequence's first byte.
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end);
}

std::string eventText(const EventRef& event) {
  std::string out = capped(event.name.empty() ? "(unnamed event)" : event.name, 64);
  if (!event.id.empty()) out += fmt::format(" ({})", capped(event.id, 64));
  if (!event.time.empty()) out += fmt::format(" at {}", capped(event.time, 40));
  if (!event.principal.empty()) out += fmt::format(" by {}", capped(event.principal, 256));
  return out;
}

std::string withProvenance(std::string_view origin, std::string_view provenance,
                           std::size_t limit) {
  return withCleanProvenance(origin, provenanceTail(provenance, limit), limit);
}

std::set<std::string, std::less<>> touchedOwners(const inventory::Inventory& inventory,
                                                 const inventory::Scope& scope, Layout layout) {
  std::set<std::string, std::less<>> owners;
  const bool by_group = layout != Layout::Instance;
  std::set<std::string> vpcs(scope.vpc_ids.begin(), scope.vpc_ids.end());
  for (const auto& table : inventory.route_tables) {
    if (scope.route_table_ids.contains(table.id)) vpcs.insert(table.vpc_id);
  }
  std::set<std::string> prefix_groups;
  for (const auto& group : inventory.security_groups) {
    for (const auto& permission : group.ingress) {
      for (const auto& list : permission.prefix_lists) {
        if (scope.prefix_list_ids.contains(list.prefix_list_id)) prefix_groups.insert(group.id);
      }
    }
  }
  if (by_group) {
    owners.insert(scope.group_ids.begin(), scope.group_ids.end());
    owners.insert(prefix_groups.begin(), prefix_groups.end());
  } else {
    owners.insert(scope.instance_ids.begin(), scope.instance_ids.end());
  }
  for (const auto& eni : inventory.network_interfaces) {
    const std::string instance = eni.attachment ? eni.attachment->instance_id : std::string();
    const bool carries_group =
        std::any_of(eni.group_ids.begin(), eni.group_ids.end(), [&](const std::string& g) {
          return scope.group_ids.contains(g) || prefix_groups.contains(g);
        });
    const bool touched = scope.everything || scope.network_interface_ids.contains(eni.id) ||
                         scope.subnet_ids.contains(eni.subnet_id) || vpcs.contains(eni.vpc_id) ||
                         (!instance.empty() && scope.instance_ids.contains(instance)) ||
                         (eni.attachment && scope.network_interface_attachment_ids.contains(
                                                eni.attachment->attachment_id)) ||
                         (!by_group && carries_group);
    if (!touched) continue;
    if (by_group) {
      owners.insert(eni.group_ids.begin(), eni.group_ids.end());
    } else if (!instance.empty()) {
      owners.insert(instance);
    }
  }
  if (scope.everything) {
    if (by_group) {
      for (const auto& group : inventory.security_groups) owners.insert(group.id);
    } else {
      for (const auto& instance : inventory.instances) owners.insert(instance.id);
    }
  }
  return owners;
}

void annotate(Plan& plan, const std::vector<EventRef>& events,
              const inventory::Inventory& inventory, const Options& options,
              std::chrono::system_clock::time_point now) {
  plan.origin = eventsSummary(events, kMaxCommitDescriptionLength / 2);
  if (plan.empty()) return;
  // Latest first: eventTime is ISO-8601 UTC, so text order is time order.
  std::vector<const EventRef*> latest;
  for (const auto& e : events) latest.push_back(&e);
  std::stable_sort(latest.begin(), latest.end(),
                   [](const EventRef* a, const EventRef* b) { return a->time > b->time; });
  std::vector<std::set<std::string, std::less<>>> touched;
  touched.reserve(latest.size());
  for (const auto* e : latest)
    touched.push_back(touchedOwners(inventory, e->scope, options.layout));
  const std::string fallback =
      latest.empty() ? fmt::format("full reconcile at {} (no CloudTrail event)", formatTime(now))
                     : eventText(*latest.front());
  // Per owner: the provenance as withProvenance appends it (cleaned, capped). Rules come sorted
  // by name, so an owner's rules follow one another and the map is asked once per owner.
  struct OwnerText {
    std::string text;  // eventText, for the service objects
    std::string tail;  // provenanceTail(text)
  };
  class OwnerTexts {
   public:
    OwnerTexts(const std::vector<const EventRef*>& latest,
               const std::vector<std::set<std::string, std::less<>>>& touched,
               const std::string& fallback)
        : latest_(latest), touched_(touched), fallback_(fallback) {}

    const OwnerText& of(std::string_view rule_name) {
      const std::string_view owner = managedRuleOwner(rule_name).value_or(rule_name);
      if (last_ != nullptr && owner == last_owner_) return *last_;
      last_owner_.assign(owner);
      auto [it, inserted] = texts_.try_emplace(last_owner_);
      if (inserted) {
        it->second.text = fallback_;
        for (std::size_t i = 0; i < latest_.size(); ++i) {
          if (touched_[i].contains(owner)) {
            it->second.text = eventText(*latest_[i]);
            break;
          }
        }
        it->second.tail = provenanceTail(it->second.text, kMaxDescriptionLength);
      }
      last_ = &it->second;
      return *last_;
    }

   private:
    const std::vector<const EventRef*>& latest_;
    const std::vector<std::set<std::string, std::less<>>>& touched_;
    const std::string& fallback_;
    std::unordered_map<std::string, OwnerText> texts_;
    std::string last_owner_;
    const OwnerText* last_ = nullptr;
  };
  std::vector<SecurityRule*> rules;
  rules.reserve(plan.add_rules.size() + plan.edit_rules.size());
  for (auto& rule : plan.add_rules) rules.push_back(&rule);
  for (auto& edit : plan.edit_rules) rules.push_back(&edit.after);
  const auto note = [&](std::span<SecurityRule* const> some) {
    OwnerTexts texts(latest, touched, fallback);
    for (SecurityRule* rule : some) {
      rule->description = withCleanProvenance(descriptionOrigin(rule->description),
                                              texts.of(rule->name).tail, kMaxDescriptionLength);
    }
  };
  // Each rule's description is its own: at scale, two threads write half the rules each.
  const std::span<SecurityRule* const> all(rules);
  if (rules.size() >= kRulesPerThread && secondCore()) {
    const std::size_t half = rules.size() / 2;
    runBoth([&] { note(all.first(half)); }, [&] { note(all.subspan(half)); });
  } else {
    note(all);
  }
  if (plan.add_services.empty()) return;
  std::map<std::string, std::string, std::less<>> service_text;  // service → first rule's text
  OwnerTexts texts(latest, touched, fallback);
  for (const SecurityRule* rule : rules) {
    for (const auto& service : rule->service) {
      if (!service_text.contains(service)) service_text.emplace(service, texts.of(rule->name).text);
    }
  }
  for (auto& service : plan.add_services) {
    const auto it = service_text.find(service.name);
    service.description = withProvenance(descriptionOrigin(service.description),
                                         it != service_text.end() ? it->second : fallback);
  }
}

std::string eventsSummary(const std::vector<EventRef>& events, std::size_t limit) {
  if (events.empty()) return "full reconcile";
  // Distinct (name, principal) pairs in the batch's order.
  std::vector<std::string> pairs;
  for (const auto& e : events) {
    std::string pair = capped(e.name, 64);
    if (!e.principal.empty()) pair += " by " + capped(e.principal, 256);
    if (std::find(pairs.begin(), pairs.end(), pair) == pairs.end()) pairs.push_back(pair);
  }
  const std::string head = fmt::format("{} event{}", events.size(), events.size() == 1 ? "" : "s");
  std::string listed;
  std::size_t shown = 0;
  for (const auto& pair : pairs) {
    const std::string more = fmt::format(", and {} more", pairs.size() - shown);
    const std::string next = listed.empty() ? pair : listed + ", " + pair;
    if (head.size() + next.size() + 3 + more.size() > limit) break;
    listed = next;
    ++shown;
  }
  std::string out = head;
  if (!listed.empty()) {
    out += " (" + listed;
    if (shown < pairs.size()) out += fmt::format(", and {} more", pairs.size() - shown);
    out += ")";
  }
  return std::string(utf8Prefix(out, limit));
}

}  // namespace trailwall::policy
