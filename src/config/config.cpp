#include "config/config.h"

#include <fmt/format.h>

#include <toml++/toml.h>
#include <algorithm>
#include <cctype>
#include <optional>
#include <span>
#include <tuple>
#include <vector>

namespace trailwall::config {
namespace {

// The keys of each section, for unknown-key errors and for the environment overlay.
constexpr std::string_view kPolicyKeys[] = {
    "untrust_zone",          "trust_zone",  "bottom_rule",
    "profile_group",         "managed_tag", "layout",
    "check_already_allowed", "app_ids",     "registration_timeout_seconds"};
constexpr std::string_view kGatewayKeys[] = {"instance_id", "eni_ids"};
constexpr std::string_view kFirewallKeys[] = {"host",
                                              "peer",
                                              "check_passive",
                                              "vsys",
                                              "api_key",
                                              "tls_verify",
                                              "ca_bundle",
                                              "admin",
                                              "request_timeout_seconds",
                                              "job_poll_seconds",
                                              "commit_timeout_seconds",
                                              "lock_wait_seconds",
                                              "lock_poll_seconds",
                                              "run_lease_seconds",
                                              "max_policy_match_tests",
                                              "policy_match_concurrency",
                                              "multi_config",
                                              "max_registered_ips",
                                              "device_group",
                                              "rulebase",
                                              "push",
                                              "device_hosts"};
// Keys a [[firewall]] entry has besides kFirewallKeys: its name, and its own policy and gateway
// tables (keys of [policy] and [gateway]).
constexpr std::string_view kFleetOnlyKeys[] = {"name", "policy", "gateway"};
constexpr std::string_view kAwsKeys[] = {
    "accounts",     "regions", "roles", "connect_timeout_seconds", "request_timeout_seconds",
    "max_input_mib"};
constexpr std::string_view kServeKeys[] = {"queue_url",
                                           "listen",
                                           "batch_window_seconds",
                                           "batch_max_messages",
                                           "reconcile_period_seconds",
                                           "visibility_timeout_seconds",
                                           "shutdown_timeout_seconds",
                                           "unhealthy_after_seconds",
                                           "status_runs"};
constexpr std::pair<std::string_view, std::span<const std::string_view>> kSections[] = {
    {"policy", kPolicyKeys},
    {"gateway", kGatewayKeys},
    {"firewall", kFirewallKeys},
    {"aws", kAwsKeys},
    {"serve", kServeKeys}};

constexpr std::string_view kTop[] = {"policy", "gateway", "firewall", "aws", "serve"};

// What an unknown key at `path` may have meant: the keys of its table, and for the top level
// and the sections every section and key (a key written in the wrong section).
std::vector<std::string> keyCandidates(std::string_view path,
                                       std::span<const std::string_view> known) {
  std::vector<std::string> out;
  for (const auto key : known) {
    out.push_back(path.empty() ? std::string(key) : fmt::format("{}.{}", path, key));
  }
  const bool section_level =
      path.empty() || std::find(std::begin(kTop), std::end(kTop), path) != std::end(kTop);
  if (section_level) {
    for (const auto& [section, keys] : kSections) {
      out.emplace_back(section);
      for (const auto key : keys) out.push_back(fmt::format("{}.{}", section, key));
    }
  }
  return out;
}

// " (did you mean X?)", or "" when nothing is close.
std::string didYouMean(std::string_view name, std::span<const std::string> candidates) {
  const auto best = closestName(name, candidates);
  return best.empty() ? std::string() : fmt::format(" (did you mean {}?)", best);
}

// Reads TOML nodes into Config, remembering the first error with file, line and key.
class Reader {
 public:
  explicit Reader(std::string_view source) : source_(source) {}

  [[nodiscard]] bool failed() const { return error_.has_value(); }
  [[nodiscard]] Error error() const { return *error_; }

  void fail(const toml::node* node, std::string_view key, std::string_view message) {
    if (error_) return;
    std::string where(source_);
    const auto& from = node != nullptr ? node->source().path : nullptr;
    if (from != nullptr && *from != source_) {
      where = fmt::format("environment variable {}", *from);  // see overlayEnvironment
    } else if (node != nullptr && node->source().begin.line > 0) {
      where += fmt::format(":{}", node->source().begin.line);
    }
    error_ = Error{ErrorCode::Config, fmt::format("{}: {}: {}", where, key, message)};
  }

  // The table at `key` (absent = nullptr), after checking its keys against `known`.
  const toml::table* table(const toml::table& parent, std::string_view key,
                           std::span<const std::string_view> known,
                           std::string_view parent_path = {}) {
    const toml::node* node = parent.get(key);
    if (node == nullptr) return nullptr;
    const std::string path = parent_path.empty() ? std::string(key) : join(parent_path, key);
    const auto* t = node->as_table();
    if (t == nullptr) {
      fail(node, path, "expected a table");
      return nullptr;
    }
    checkKeys(*t, path, known);
    return t;
  }

  void checkKeys(const toml::table& t, std::string_view path,
                 std::span<const std::string_view> known) {
    for (const auto& [k, v] : t) {
      if (std::find(known.begin(), known.end(), k.str()) == known.end()) {
        const std::string key =
            path.empty() ? std::string(k.str()) : fmt::format("{}.{}", path, k.str());
        fail(&v, key, fmt::format("unknown key{}", didYouMean(key, keyCandidates(path, known))));
        return;
      }
    }
  }

  void string(const toml::table* t, std::string_view path, std::string_view key, std::string& out) {
    if (t == nullptr) return;
    const toml::node* node = t->get(key);
    if (node == nullptr) return;
    if (const auto* s = node->as_string()) {
      out = s->get();
    } else {
      fail(node, join(path, key), "expected a string");
    }
  }

  void boolean(const toml::table* t, std::string_view path, std::string_view key, bool& out) {
    if (t == nullptr) return;
    const toml::node* node = t->get(key);
    if (node == nullptr) return;
    if (const auto* b = node->as_boolean()) {
      out = b->get();
    } else {
      fail(node, join(path, key), "expected true or false");
    }
  }

  // An array of strings; absent leaves `out` alone.
  template <class Out>
  bool strings(const toml::node* node, const std::string& path, Out& out) {
    if (node == nullptr) return false;
    const auto* a = node->as_array();
    if (a == nullptr) {
      fail(node, path, "expected an array of strings");
      return false;
    }
    Out values;
    for (const auto& e : *a) {
      const auto* s = e.as_string();
      if (s == nullptr) {
        fail(&e, path, "expected an array of strings");
        return false;
      }
      values.insert(values.end(), s->get());
    }
    out = std::move(values);
    return true;
  }

  template <class Out>
  void strings(const toml::table* t, std::string_view path, std::string_view key, Out& out) {
    if (t != nullptr) strings(t->get(key), join(path, key), out);
  }

  std::optional<std::int64_t> integer(const toml::table& t, const std::string& path,
                                      std::string_view key, std::int64_t min, std::int64_t max) {
    const toml::node* node = t.get(key);
    const auto* i = node == nullptr ? nullptr : node->as_integer();
    if (i == nullptr || i->get() < min || i->get() > max) {
      fail(node == nullptr ? &t : node, join(path, key),
           fmt::format("expected an integer {}-{}", min, max));
      return std::nullopt;
    }
    return i->get();
  }

  void number(const toml::table* t, std::string_view path, std::string_view key, double min,
              double max, double& out) {
    if (t == nullptr) return;
    const toml::node* node = t->get(key);
    if (node == nullptr) return;
    std::optional<double> value;
    if (const auto* i = node->as_integer()) value = static_cast<double>(i->get());
    if (const auto* f = node->as_floating_point()) value = f->get();
    if (!value || *value < min || *value > max) {
      fail(node, join(path, key), fmt::format("expected a number {}-{}", min, max));
      return;
    }
    out = *value;
  }

  static std::string join(std::string_view path, std::string_view key) {
    return fmt::format("{}.{}", path, key);
  }

 private:
  std::string source_;
  std::optional<Error> error_;
};

void readSecret(Reader& r, const toml::table* firewall, std::string_view path, SecretRef& out) {
  if (firewall == nullptr) return;
  const toml::node* node = firewall->get("api_key");
  if (node == nullptr) return;
  const auto* t = node->as_table();
  if (t == nullptr || t->size() != 1) {
    r.fail(node, Reader::join(path, "api_key"),
           "expected exactly one of { env = \"NAME\" }, { file = \"PATH\" }, "
           "{ secretsmanager = \"ID\" } or { ssm = \"NAME\" }");
    return;
  }
  static const std::pair<std::string_view, SecretRef::Kind> kKinds[] = {
      {"env", SecretRef::Kind::Env},
      {"file", SecretRef::Kind::File},
      {"secretsmanager", SecretRef::Kind::SecretsManager},
      {"ssm", SecretRef::Kind::Ssm},
  };
  for (const auto& [key, value] : *t) {  // exactly one entry
    for (const auto& [name, kind] : kKinds) {
      if (key.str() != name) continue;
      const auto* s = value.as_string();
      if (s == nullptr || s->get().empty()) {
        r.fail(&value, fmt::format("{}.api_key.{}", path, name), "expected a non-empty string");
        return;
      }
      out = SecretRef{kind, s->get()};
      return;
    }
    r.fail(&value, fmt::format("{}.api_key.{}", path, key.str()), "unknown secret source");
  }
}

void readAppIds(Reader& r, const toml::table* policy, std::string_view policy_path,
                policy::AppIdTable& table) {
  if (policy == nullptr) return;
  constexpr std::string_view kAppIdKeys[] = {"replace_defaults", "ports",      "protocols",
                                             "icmp_echo",        "icmp_all",   "icmp_other",
                                             "icmpv6_echo",      "icmpv6_all", "icmpv6_other"};
  const auto* t = r.table(*policy, "app_ids", kAppIdKeys, policy_path);
  if (t == nullptr) return;
  const std::string path = Reader::join(policy_path, "app_ids");
  bool replace = false;
  r.boolean(t, path, "replace_defaults", replace);
  if (replace) table = policy::AppIdTable{};
  for (const auto& [key, field] : {std::pair{"icmp_echo", &policy::AppIdTable::icmp_echo},
                                   std::pair{"icmp_all", &policy::AppIdTable::icmp_all},
                                   std::pair{"icmp_other", &policy::AppIdTable::icmp_other},
                                   std::pair{"icmpv6_echo", &policy::AppIdTable::icmpv6_echo},
                                   std::pair{"icmpv6_all", &policy::AppIdTable::icmpv6_all},
                                   std::pair{"icmpv6_other", &policy::AppIdTable::icmpv6_other}}) {
    r.strings(t, path, key, table.*field);
  }
  auto entries = [&](std::string_view key, auto&& each) {
    const toml::node* node = t->get(key);
    if (node == nullptr) return;
    const auto* a = node->as_array();
    if (a == nullptr) return r.fail(node, Reader::join(path, key), "expected an array of tables");
    for (std::size_t i = 0; i < a->size() && !r.failed(); ++i) {
      const auto* e = (*a)[i].as_table();
      const std::string here = fmt::format("{}.{}[{}]", path, key, i);
      if (e == nullptr) return r.fail(&(*a)[i], here, "expected a table");
      each(*e, here);
    }
  };
  entries("ports", [&](const toml::table& e, const std::string& here) {
    constexpr std::string_view kPortKeys[] = {"protocol", "port", "applications"};
    r.checkKeys(e, here, kPortKeys);
    std::string proto;
    r.string(&e, here, "protocol", proto);
    if (proto != "tcp" && proto != "udp") {
      return r.fail(e.get("protocol") != nullptr ? e.get("protocol") : &e,
                    Reader::join(here, "protocol"), "expected \"tcp\" or \"udp\"");
    }
    const auto port = r.integer(e, here, "port", 0, 65535);
    policy::Members apps;
    if (!r.strings(e.get("applications"), Reader::join(here, "applications"), apps) &&
        !r.failed()) {
      r.fail(&e, Reader::join(here, "applications"), "missing");
    }
    if (!port || r.failed()) return;
    const auto protocol = proto == "tcp" ? net::Protocol::tcp() : net::Protocol::udp();
    std::erase_if(table.ports, [&](const policy::PortApps& p) {
      return p.protocol == protocol && p.port == *port;
    });
    table.ports.push_back({protocol, static_cast<std::uint16_t>(*port), std::move(apps)});
  });
  entries("protocols", [&](const toml::table& e, const std::string& here) {
    constexpr std::string_view kProtocolKeys[] = {"number", "applications"};
    r.checkKeys(e, here, kProtocolKeys);
    const auto number = r.integer(e, here, "number", 0, 255);
    policy::Members apps;
    if (!r.strings(e.get("applications"), Reader::join(here, "applications"), apps) &&
        !r.failed()) {
      r.fail(&e, Reader::join(here, "applications"), "missing");
    }
    if (!number || r.failed()) return;
    std::erase_if(table.protocols, [&](const auto& p) { return p.first == *number; });
    table.protocols.emplace_back(static_cast<std::uint8_t>(*number), std::move(apps));
  });
}

// [policy] (or a [[firewall]] entry's policy table) into `out`, which holds the defaults.
void readPolicy(Reader& r, const toml::table* policy, std::string_view path, policy::Options& out) {
  r.string(policy, path, "untrust_zone", out.from_zone);
  r.string(policy, path, "trust_zone", out.to_zone);
  r.string(policy, path, "bottom_rule", out.bottom_rule);
  r.string(policy, path, "profile_group", out.profile_group);
  r.string(policy, path, "managed_tag", out.managed_tag);
  r.boolean(policy, path, "check_already_allowed", out.check_already_allowed);
  std::string layout(policy::to_string(out.layout));
  r.string(policy, path, "layout", layout);
  if (auto l = policy::parseLayout(layout)) {
    out.layout = *l;
  } else {
    r.fail(policy != nullptr ? policy->get("layout") : nullptr, Reader::join(path, "layout"),
           l.error().message);
  }
  readAppIds(r, policy, path, out.app_ids);
  if (policy != nullptr && policy->get("registration_timeout_seconds") != nullptr) {
    if (auto n = r.integer(*policy, std::string(path), "registration_timeout_seconds", 1,
                           policy::kMaxRegistrationTimeoutSeconds)) {
      out.registration_timeout_seconds = *n;
    }
  }
}

void readGateway(Reader& r, const toml::table* gateway, std::string_view path,
                 policy::Options& out) {
  r.string(gateway, path, "instance_id", out.gateway_instance_id);
  r.strings(gateway, path, "eni_ids", out.gateway_eni_ids);
}

// The keys of one firewall: today's [firewall] table and each [[firewall]] entry (issue 13) read
// them here, so a key added to kFirewallKeys and here applies to both. `policy` receives the
// firewall model's figures that travel in policy::Options (max_registered_ips).
void readFirewall(Reader& r, const toml::table* firewall, std::string_view path,
                  FirewallConfig& out, policy::Options& policy) {
  const std::string where(path);
  r.string(firewall, path, "host", out.host);
  r.string(firewall, path, "peer", out.peer);
  r.boolean(firewall, path, "check_passive", out.check_passive);
  r.string(firewall, path, "vsys", out.vsys);
  r.boolean(firewall, path, "tls_verify", out.tls_verify);
  r.string(firewall, path, "ca_bundle", out.ca_bundle);
  r.string(firewall, path, "admin", out.admin);
  r.number(firewall, path, "request_timeout_seconds", 0.1, 600, out.request_timeout_seconds);
  r.number(firewall, path, "job_poll_seconds", 0.01, 600, out.job_poll_seconds);
  r.number(firewall, path, "commit_timeout_seconds", 1, 86400, out.commit_timeout_seconds);
  r.number(firewall, path, "lock_wait_seconds", 0, 86400, out.lock_wait_seconds);
  r.number(firewall, path, "lock_poll_seconds", 0.01, 3600, out.lock_poll_seconds);
  r.number(firewall, path, "run_lease_seconds", 10, 86400, out.run_lease_seconds);
  if (firewall != nullptr && firewall->get("max_policy_match_tests") != nullptr) {
    if (auto n = r.integer(*firewall, where, "max_policy_match_tests", 0, 100000)) {
      out.max_policy_match_tests = static_cast<int>(*n);
    }
  }
  if (firewall != nullptr && firewall->get("policy_match_concurrency") != nullptr) {
    if (auto n = r.integer(*firewall, where, "policy_match_concurrency", 1, 16)) {
      out.policy_match_concurrency = static_cast<int>(*n);
    }
  }
  r.boolean(firewall, path, "multi_config", out.multi_config);
  if (firewall != nullptr && firewall->get("max_registered_ips") != nullptr) {
    if (auto n = r.integer(*firewall, where, "max_registered_ips", 0, 100000000)) {
      policy.max_registered_ips = static_cast<std::size_t>(*n);
    }
  }
  r.string(firewall, path, "device_group", out.device_group);
  r.string(firewall, path, "rulebase", out.rulebase);
  r.string(firewall, path, "push", out.push);
  r.strings(firewall, path, "device_hosts", out.device_hosts);
  readSecret(r, firewall, path, out.api_key);
}

// [[firewall]] entries: each one's own keys, its name, and its policy and gateway tables, whose
// keys default to the top-level [policy] and [gateway] (already read into c.policy).
void readFleet(Reader& r, const toml::array& entries, Config& c) {
  std::vector<std::string_view> keys(std::begin(kFirewallKeys), std::end(kFirewallKeys));
  keys.insert(keys.end(), std::begin(kFleetOnlyKeys), std::end(kFleetOnlyKeys));
  for (std::size_t i = 0; i < entries.size() && !r.failed(); ++i) {
    const std::string path = fmt::format("firewall[{}]", i);
    const auto* entry = entries[i].as_table();
    if (entry == nullptr) return r.fail(&entries[i], path, "expected a table");
    r.checkKeys(*entry, path, keys);
    FleetFirewall member;
    member.policy = c.policy;
    r.string(entry, path, "name", member.name);
    if (member.name.empty() && !r.failed()) {
      return r.fail(entry, Reader::join(path, "name"), "missing: every [[firewall]] needs a name");
    }
    readFirewall(r, entry, path, member.firewall, member.policy);
    readPolicy(r, r.table(*entry, "policy", kPolicyKeys, path), Reader::join(path, "policy"),
               member.policy);
    if (const auto* gateway = r.table(*entry, "gateway", kGatewayKeys, path)) {
      member.policy.gateway_instance_id.clear();  // an entry's gateway replaces the default one
      member.policy.gateway_eni_ids.clear();
      readGateway(r, gateway, Reader::join(path, "gateway"), member.policy);
    }
    c.firewalls.push_back(std::move(member));
  }
  if (!r.failed() && entries.empty()) r.fail(&entries, "firewall", "expected at least one entry");
}

void readServe(Reader& r, const toml::table* serve, ServeConfig& out) {
  if (serve == nullptr) return;
  const std::string path = "serve";
  r.string(serve, path, "queue_url", out.queue_url);
  r.string(serve, path, "listen", out.listen);
  r.number(serve, path, "batch_window_seconds", 0, 3600, out.batch_window_seconds);
  r.number(serve, path, "reconcile_period_seconds", 0, 7 * 86400, out.reconcile_period_seconds);
  r.number(serve, path, "shutdown_timeout_seconds", 1, 3600, out.shutdown_timeout_seconds);
  r.number(serve, path, "unhealthy_after_seconds", 1, 7 * 86400, out.unhealthy_after_seconds);
  const auto integer = [&](std::string_view key, std::int64_t min, std::int64_t max, int& into) {
    if (serve->get(key) == nullptr) return;
    if (auto n = r.integer(*serve, path, key, min, max)) into = static_cast<int>(*n);
  };
  integer("batch_max_messages", 1, 100000, out.batch_max_messages);
  integer("visibility_timeout_seconds", 0, 43200, out.visibility_timeout_seconds);
  integer("status_runs", 1, 1000, out.status_runs);
}

std::optional<bool> parseBool(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower == "true" || lower == "1" || lower == "yes") return true;
  if (lower == "false" || lower == "0" || lower == "no") return false;
  return std::nullopt;
}

template <class Out>
Out splitList(std::string_view text) {
  Out out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    std::string item(text.substr(start, comma - start));
    std::erase_if(item, [](unsigned char c) { return std::isspace(c) != 0; });
    if (!item.empty()) out.insert(out.end(), item);
    start = comma + 1;
  }
  return out;
}

// How an environment value is read for a key: strings as they are (a rule named "100" stays a
// string), lists comma-separated (or a TOML array), booleans as true/false/yes/no/1/0, and
// numbers and tables as TOML values.
enum class ValueKind { String, List, Bool, Toml };
ValueKind kindOf(std::string_view key) {
  constexpr std::string_view kLists[] = {"eni_ids", "accounts", "regions", "device_hosts"};
  constexpr std::string_view kBools[] = {"check_already_allowed", "tls_verify", "multi_config",
                                         "check_passive"};
  // Numbers (every *_seconds key and the counts) and tables.
  constexpr std::string_view kTomls[] = {"app_ids",
                                         "api_key",
                                         "roles",
                                         "max_policy_match_tests",
                                         "policy_match_concurrency",
                                         "max_input_mib",
                                         "max_registered_ips"};
  const auto in = [key](const auto& list) {
    return std::find(std::begin(list), std::end(list), key) != std::end(list);
  };
  if (in(kLists)) return ValueKind::List;
  if (in(kBools)) return ValueKind::Bool;
  if (in(kTomls) || key.ends_with("_seconds")) return ValueKind::Toml;
  if (in(kServeKeys) && key != "queue_url" && key != "listen") return ValueKind::Toml;  // numbers
  return ValueKind::String;
}

std::string upper(std::string_view text) {
  std::string out(text);
  for (auto& ch : out) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return out;
}

// `text` as a TOML basic string literal.
std::string tomlString(std::string_view text) {
  std::string out = "\"";
  for (const char ch : text) {
    const auto u = static_cast<unsigned char>(ch);
    if (ch == '"' || ch == '\\') {
      out += '\\';
      out += ch;
    } else if (u < 0x20 || u == 0x7f) {
      out += fmt::format("\\u{:04X}", u);
    } else {
      out += ch;
    }
  }
  return out + "\"";
}

// A value from the environment as a TOML node whose source is the variable, so errors name it.
Result<toml::table> environmentValue(std::string_view variable, std::string_view value,
                                     ValueKind kind) {
  std::string literal;
  switch (kind) {
    case ValueKind::String: literal = tomlString(value); break;
    case ValueKind::Toml: literal = std::string(value); break;
    case ValueKind::Bool: {
      const auto b = parseBool(value);
      literal = b ? (*b ? "true" : "false") : tomlString(value);  // the reader says what is wrong
      break;
    }
    case ValueKind::List: {
      if (value.starts_with("[")) {
        literal = std::string(value);
        break;
      }
      std::vector<std::string> items;
      for (const auto& item : splitList<std::vector<std::string>>(value)) {
        items.push_back(tomlString(item));
      }
      literal = fmt::format("[{}]", fmt::join(items, ", "));
      break;
    }
  }
  try {
    return toml::parse(fmt::format("v = {}", literal), std::string(variable));
  } catch (const toml::parse_error& e) {
    return fail(ErrorCode::Config, fmt::format("environment variable {}: not a TOML value: {}",
                                               variable, e.description()));
  }
}

// Every key can be set from the environment (issue: every key overridable): the original
// Lambda's variables first, then TRAILWALL_<SECTION>_<KEY>, which win when both are set. The
// values replace what the file says before the file is read, so they get the same checks.
Status overlayEnvironment(toml::table& root, const Environment& env) {
  auto get = [&env](std::string_view name) -> std::optional<std::string_view> {
    const auto it = env.find(name);
    if (it == env.end() || it->second.empty()) return std::nullopt;
    return std::string_view(it->second);
  };
  auto set = [&root](std::string_view section, std::string_view key, std::string_view variable,
                     std::string_view value, ValueKind kind) -> Status {
    if (root.get(section) != nullptr && root.get(section)->is_array()) {
      return fail(ErrorCode::Config,
                  fmt::format("environment variable {}: the configuration lists [[{}]] entries, "
                              "which are not overridden from the environment",
                              variable, section));
    }
    auto parsed = environmentValue(variable, value, kind);
    if (!parsed) return std::unexpected(parsed.error());
    auto* table = root.get(section) != nullptr ? root.get(section)->as_table() : nullptr;
    if (table == nullptr) {
      root.insert_or_assign(section, toml::table{});
      table = root.get(section)->as_table();
    }
    table->insert_or_assign(key, std::move(*parsed->get("v")));
    return {};
  };
  const std::tuple<std::string_view, std::string_view, std::string_view> kOriginal[] = {
      {"pa_ip", "firewall", "host"},
      {"pa_bottom_rule", "policy", "bottom_rule"},
      {"pa_zone_untrust", "policy", "untrust_zone"},
      {"pa_zone_trust", "policy", "trust_zone"},
      {"pa_sgp", "policy", "profile_group"},
      {"igwId", "gateway", "instance_id"},
  };
  for (const auto& [variable, section, key] : kOriginal) {
    if (const auto v = get(variable)) {
      if (auto ok = set(section, key, variable, *v, ValueKind::String); !ok) return ok;
    }
  }
  // An API key in a variable is read from it by name, never copied into the configuration.
  if (get("pa_key")) {
    if (auto ok = set("firewall", "api_key", "pa_key", R"({ env = "pa_key" })", ValueKind::Toml);
        !ok) {
      return ok;
    }
  }
  for (const auto& [section, keys] : kSections) {
    for (const auto key : keys) {
      const std::string variable = fmt::format("TRAILWALL_{}_{}", upper(section), upper(key));
      const auto v = get(variable);
      if (!v) continue;
      std::string value(*v);
      if (key == "api_key" && !value.starts_with("{")) {
        value = fmt::format("{{ env = \"{}\" }}", variable);  // the variable holds the key itself
      }
      if (auto ok = set(section, key, variable, value, kindOf(key)); !ok) return ok;
    }
  }
  return {};
}

// Every TRAILWALL_* variable (any case) must be one trailwall knows: a key's variable, one of
// kOtherVariables, or the variable the configuration names as the API key's source.
Status checkVariables(const Environment& env, const Config& c) {
  std::vector<std::string> valid;
  for (const auto& [section, keys] : kSections) {
    for (const auto key : keys) {
      valid.push_back(fmt::format("TRAILWALL_{}_{}", upper(section), upper(key)));
    }
  }
  valid.insert(valid.end(), std::begin(kOtherVariables), std::end(kOtherVariables));
  for (const auto& member : c.fleet()) {
    if (member.firewall.api_key.kind == SecretRef::Kind::Env) {
      valid.push_back(member.firewall.api_key.ref);
    }
  }
  constexpr std::string_view kPrefix = "TRAILWALL_";
  for (const auto& [name, value] : env) {
    if (value.empty() || !upper(name.substr(0, kPrefix.size())).starts_with(kPrefix)) continue;
    if (std::find(valid.begin(), valid.end(), name) != valid.end()) continue;
    return fail(ErrorCode::Config, fmt::format("environment variable {}: unknown variable{}", name,
                                               didYouMean(name, valid)));
  }
  return {};
}

bool allDigits(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}

bool idOf(std::string_view id, std::string_view prefix) {
  if (!id.starts_with(prefix) || id.size() == prefix.size()) return false;
  return std::all_of(id.begin() + static_cast<std::ptrdiff_t>(prefix.size()), id.end(),
                     [](unsigned char c) { return std::isxdigit(c) != 0; });
}

// The Panorama keys: a device group name Panorama allows (1-63 characters, not "shared", no
// character that cannot stand in an xpath literal), a known rulebase and push policy, and no
// Panorama-only key without a device group. `path` as for validateFirewall.
Status validatePanorama(const FirewallConfig& f, std::string_view path) {
  if (f.rulebase != "pre" && f.rulebase != "post") {
    return fail(
        ErrorCode::Config,
        fmt::format("{}firewall.rulebase: '{}' is not \"pre\" or \"post\"", path, f.rulebase));
  }
  if (f.push != "auto" && f.push != "never" && f.push != "always") {
    return fail(ErrorCode::Config,
                fmt::format("{}firewall.push: '{}' is not \"auto\", \"never\" or \"always\"", path,
                            f.push));
  }
  if (f.device_group.empty()) {
    if (f.rulebase != "pre" || f.push != "auto" || !f.device_hosts.empty()) {
      return fail(ErrorCode::Config,
                  fmt::format("{0}firewall.rulebase, {0}firewall.push and {0}firewall.device_hosts "
                              "are for a Panorama: set {0}firewall.device_group too",
                              path));
    }
    return {};
  }
  const auto& dg = f.device_group;
  if (dg.size() > 63 || dg == "shared" ||
      std::any_of(dg.begin(), dg.end(), [](unsigned char ch) { return ch < 0x20 || ch == 0x7f; }) ||
      (dg.find('\'') != std::string::npos && dg.find('"') != std::string::npos)) {
    return fail(ErrorCode::Config,
                fmt::format("{}firewall.device_group: '{}' is not a Panorama device group name "
                            "(1-63 characters, not 'shared', no control characters, not both ' "
                            "and \")",
                            path, dg));
  }
  for (const auto& host : f.device_hosts) {
    if (host.empty()) {
      return fail(ErrorCode::Config, fmt::format("{}firewall.device_hosts: an empty host", path));
    }
  }
  return {};
}

// A firewall's policy, gateway and connection keys; `path` prefixes the key names in errors
// ("" for the single [firewall], "firewall[1] (name)." for an entry).
Status validateFirewall(const FirewallConfig& firewall, const policy::Options& policy,
                        std::string_view path) {
  if (auto ok = policy.validate(); !ok) {
    if (path.empty()) return ok;
    return std::unexpected(ok.error().withContext(path.substr(0, path.size() - 1)));
  }
  const auto& gw = policy.gateway_instance_id;
  if (!gw.empty() && !idOf(gw, "i-")) {
    return fail(ErrorCode::Config,
                fmt::format("{}gateway.instance_id: '{}' is not an instance id (i-…)", path, gw));
  }
  for (const auto& eni : policy.gateway_eni_ids) {
    if (!idOf(eni, "eni-")) {
      return fail(ErrorCode::Config,
                  fmt::format("{}gateway.eni_ids: '{}' is not an ENI id (eni-…)", path, eni));
    }
  }
  if (firewall.vsys.empty()) {
    return fail(ErrorCode::Config, fmt::format("{}firewall.vsys: must not be empty", path));
  }
  const auto& admin = firewall.admin;
  if (!admin.empty() &&
      (admin.size() > 63 || admin.find_first_of("'\"<>&[]/ ") != std::string::npos)) {
    return fail(
        ErrorCode::Config,
        fmt::format("{}firewall.admin: '{}' is not a PAN-OS administrator name", path, admin));
  }
  if (!firewall.peer.empty() && firewall.host.empty()) {
    return fail(ErrorCode::Config,
                fmt::format("{0}firewall.peer: set {0}firewall.host (the first peer) too", path));
  }
  if (!firewall.peer.empty() && firewall.peer == firewall.host) {
    return fail(ErrorCode::Config,
                fmt::format("{0}firewall.peer: '{1}' is {0}firewall.host itself; name the other HA "
                            "peer",
                            path, firewall.peer));
  }
  if (firewall.check_passive && firewall.peer.empty()) {
    return fail(ErrorCode::Config,
                fmt::format("{0}firewall.check_passive: needs {0}firewall.peer (the HA pair's "
                            "second peer)",
                            path));
  }
  if (!firewall.peer.empty() && !firewall.device_group.empty()) {
    return fail(
        ErrorCode::Config,
        fmt::format("{0}firewall.peer: a Panorama HA pair ({0}firewall.device_group) is not "
                    "supported; name the active Panorama only",
                    path));
  }
  return validatePanorama(firewall, path);
}

// A firewall's name is shown in reports, logs, metric labels and environment-free contexts:
// letters, digits, '-' and '_', starting with a letter or digit, at most 63 characters.
bool validFirewallName(std::string_view name) {
  if (name.empty() || name.size() > 63 || std::isalnum(static_cast<unsigned char>(name[0])) == 0) {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [](unsigned char ch) {
    return std::isalnum(ch) != 0 || ch == '-' || ch == '_';
  });
}

// [[firewall]] entries: each valid, names unique, each with its own gateway when there are
// several, and no gateway instance or ENI claimed by two firewalls.
Status validateFleet(const std::vector<FleetFirewall>& fleet) {
  std::map<std::string, std::string, std::less<>> names;     // name → entry
  std::map<std::string, std::string, std::less<>> gateways;  // instance or ENI id → name
  for (std::size_t i = 0; i < fleet.size(); ++i) {
    const auto& member = fleet[i];
    const std::string where = fmt::format("firewall[{}] ({})", i, member.name);
    if (!validFirewallName(member.name)) {
      return fail(ErrorCode::Config,
                  fmt::format("firewall[{}].name: '{}' is not a valid name (letters, digits, '-' "
                              "and '_', at most 63, starting with a letter or digit)",
                              i, member.name));
    }
    if (const auto [it, added] = names.emplace(member.name, where); !added) {
      return fail(ErrorCode::Config, fmt::format("{}: name '{}' is already used by {}", where,
                                                 member.name, it->second));
    }
    if (auto ok = validateFirewall(member.firewall, member.policy, where + ": "); !ok) return ok;
    const auto& policy = member.policy;
    if (fleet.size() > 1 && policy.gateway_instance_id.empty() && policy.gateway_eni_ids.empty()) {
      return fail(ErrorCode::Config,
                  fmt::format("{}: no gateway: with several firewalls each needs its own "
                              "gateway.instance_id or gateway.eni_ids, so events can be split",
                              where));
    }
    std::vector<std::string> ids(policy.gateway_eni_ids.begin(), policy.gateway_eni_ids.end());
    if (!policy.gateway_instance_id.empty()) ids.push_back(policy.gateway_instance_id);
    for (const auto& id : ids) {
      if (const auto [it, added] = gateways.emplace(id, member.name);
          !added && it->second != member.name) {
        return fail(ErrorCode::Config,
                    fmt::format("{}: gateway {} is also firewall '{}''s: one gateway, one firewall",
                                where, id, it->second));
      }
    }
  }
  return {};
}

Status validate(const Config& c) {
  if (c.firewalls.empty()) {
    if (auto ok = validateFirewall(c.firewall, c.policy, ""); !ok) return ok;
  } else if (auto ok = validateFleet(c.firewalls); !ok) {
    return ok;
  }
  for (const auto& a : c.aws.accounts) {
    if (a.size() != 12 || !allDigits(a)) {
      return fail(ErrorCode::Config,
                  fmt::format("aws.accounts: '{}' is not a 12-digit account id", a));
    }
  }
  for (const auto& [account, arn] : c.aws.roles) {
    if (account.size() != 12 || !allDigits(account)) {
      return fail(ErrorCode::Config,
                  fmt::format("aws.roles: '{}' is not a 12-digit account id", account));
    }
  }
  return {};
}

}  // namespace

std::size_t editDistance(std::string_view a, std::string_view b) {
  // Optimal string alignment: Levenshtein plus swapping two neighbours ("layotu").
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

std::string_view closestName(std::string_view name, std::span<const std::string> candidates) {
  // Case does not count ("trailwall_policy_layout"); a name cut short or run on is close. A
  // candidate farther than half the length of
  // the words after the shared leading ones is no suggestion: "policy.bottom" finds
  // "policy.bottom_rule", "TRAILWALL_BOTTOM_RULE" finds "TRAILWALL_POLICY_BOTTOM_RULE", and
  // "TRAILWALL_FOO" finds nothing.
  const auto lower = [](std::string_view text) {
    std::string out(text);
    for (auto& ch : out) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return out;
  };
  const std::string wanted = lower(name);
  std::string_view best;
  std::size_t best_distance = std::string_view::npos;
  for (const auto& candidate : candidates) {
    const std::size_t distance = editDistance(wanted, lower(candidate));
    if (distance < best_distance) {
      best = candidate;
      best_distance = distance;
    }
  }
  if (best.empty()) return {};
  const std::string chosen = lower(best);
  if (chosen.starts_with(wanted) || wanted.starts_with(chosen)) return best;  // cut short
  // Half the length past the shared leading words (TRAILWALL_, policy.), at least 2.
  std::size_t shared = 0;
  std::size_t cut = 0;
  while (shared < wanted.size() && shared < chosen.size() && wanted[shared] == chosen[shared]) {
    if (wanted[shared] == '_' || wanted[shared] == '.') cut = shared + 1;
    ++shared;
  }
  const std::size_t rest = std::max(wanted.size(), chosen.size()) - cut;
  if (best_distance > std::max<std::size_t>(2, rest / 2)) return {};
  return best;
}

std::string_view to_string(SecretRef::Kind kind) {
  switch (kind) {
    case SecretRef::Kind::None: return "none";
    case SecretRef::Kind::Env: return "env";
    case SecretRef::Kind::File: return "file";
    case SecretRef::Kind::SecretsManager: return "secretsmanager";
    case SecretRef::Kind::Ssm: return "ssm";
  }
  return "none";
}

std::vector<FleetFirewall> Config::fleet() const {
  if (!firewalls.empty()) return firewalls;
  return {FleetFirewall{std::string(kDefaultFirewallName), firewall, policy}};
}

std::optional<FleetFirewall> Config::member(std::string_view name) const {
  for (auto& m : fleet()) {
    if (m.name == name) return std::move(m);
  }
  return std::nullopt;
}

bool AwsConfig::accepts(std::string_view account, std::string_view region) const {
  const bool account_ok = accounts.empty() || accounts.contains(std::string(account));
  const bool region_ok = regions.empty() || regions.contains(std::string(region));
  return account_ok && region_ok;
}

Result<Config> parseConfig(std::string_view text, std::string_view source, const Environment& env) {
  toml::table root;
  try {
    root = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    return fail(ErrorCode::Config,
                fmt::format("{}:{}: {}", source, e.source().begin.line, e.description()));
  }
  if (auto ok = overlayEnvironment(root, env); !ok) return std::unexpected(ok.error());
  Config c;
  Reader r(source);
  r.checkKeys(root, "", kTop);
  readPolicy(r, r.table(root, "policy", kPolicyKeys), "policy", c.policy);
  readGateway(r, r.table(root, "gateway", kGatewayKeys), "gateway", c.policy);
  if (const auto* node = root.get("firewall"); node != nullptr && node->is_array()) {
    readFleet(r, *node->as_array(), c);
  } else {
    readFirewall(r, r.table(root, "firewall", kFirewallKeys), "firewall", c.firewall, c.policy);
  }
  const auto* aws = r.table(root, "aws", kAwsKeys);
  r.strings(aws, "aws", "accounts", c.aws.accounts);
  r.strings(aws, "aws", "regions", c.aws.regions);
  r.number(aws, "aws", "connect_timeout_seconds", 0.1, 300, c.aws.connect_timeout_seconds);
  r.number(aws, "aws", "request_timeout_seconds", 0.1, 3600, c.aws.request_timeout_seconds);
  if (aws != nullptr && aws->get("max_input_mib") != nullptr) {
    if (auto n = r.integer(*aws, "aws", "max_input_mib", 1, 1 << 20)) {
      c.aws.max_input_mib = static_cast<std::size_t>(*n);
    }
  }
  if (aws != nullptr) {
    if (const auto* roles_node = aws->get("roles")) {
      const auto* roles = roles_node->as_table();
      if (roles == nullptr) {
        r.fail(roles_node, "aws.roles", "expected a table of account id = \"role ARN\"");
      } else {
        for (const auto& [account, arn] : *roles) {
          const auto* role_arn = arn.as_string();
          if (role_arn == nullptr || !role_arn->get().starts_with("arn:")) {
            r.fail(&arn, fmt::format("aws.roles.{}", account.str()), "expected a role ARN");
            break;
          }
          c.aws.roles.emplace(std::string(account.str()), role_arn->get());
        }
      }
    }
  }
  readServe(r, r.table(root, "serve", kServeKeys), c.serve);
  if (r.failed()) return std::unexpected(r.error());
  if (auto ok = validate(c); !ok) return std::unexpected(ok.error().withContext(source));
  if (auto ok = checkVariables(env, c); !ok) return std::unexpected(ok.error());
  return c;
}

}  // namespace trailwall::config
