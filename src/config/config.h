#pragma once
// trailwall's configuration as one value (the firewall model's registered-address maximum,
// [firewall] max_registered_ips, travels in policy::Options so every front end's engine has it):
// the policy (zones, placement, tag, layout, App-IDs, gateway), the firewall connection, and the
// AWS accounts and regions events are accepted from. Parsed from TOML text with environment
// overrides passed in as a map, so this stays pure: the front end reads the file and the
// environment. See examples/trailwall.toml.
//
// Every key can be overridden from the environment: TRAILWALL_<SECTION>_<KEY> (upper case:
// TRAILWALL_POLICY_LAYOUT=instance, TRAILWALL_GATEWAY_ENI_IDS=eni-1,eni-2,
// TRAILWALL_FIREWALL_API_KEY='{ ssm = "/trailwall/key" }' or the key itself,
// TRAILWALL_POLICY_APP_IDS='{ ports = [...] }'). Strings are taken as they are, lists
// comma-separated or as a TOML array, booleans as true/false/yes/no/1/0, numbers and tables as
// TOML values. The original Lambda's variables are accepted too, and lose to TRAILWALL_* ones:
// pa_ip (firewall.host), pa_key (the API key, read from that variable), pa_bottom_rule,
// pa_zone_untrust, pa_zone_trust, pa_sgp (policy.profile_group), igwId (gateway.instance_id).
//
// Many firewalls (issue 13): `[[firewall]]` tables instead of the one `[firewall]`, each with a
// unique `name`, the keys of [firewall], and its own `policy` and `gateway` tables whose keys
// default to the top-level [policy] and [gateway]. Every entry needs a gateway when there are
// several, and no two share one. Entries are not overridden from the environment: with
// [[firewall]] entries, TRAILWALL_FIREWALL_* and pa_ip / pa_key are errors (TRAILWALL_POLICY_*
// and TRAILWALL_GATEWAY_* still set the defaults).
//
// Strict: an unknown key in the file and an unknown TRAILWALL_* variable are errors naming it and
// the closest valid name ("did you mean TRAILWALL_POLICY_BOTTOM_RULE?"). Valid variables are
// the keys' variables, kOtherVariables, and a variable the file names as the API key's source.

#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "policy/options.h"

namespace trailwall::config {

// Where a secret comes from. The value itself is never part of Config (so Config can be logged);
// the front end resolves the reference.
struct SecretRef {
  enum class Kind { None, Env, File, SecretsManager, Ssm };
  Kind kind = Kind::None;
  std::string ref;  // variable name, file path, secret id/ARN, or parameter name

  friend bool operator==(const SecretRef&, const SecretRef&) = default;
};

[[nodiscard]] std::string_view to_string(SecretRef::Kind kind);

struct FirewallConfig {
  std::string host;  // name or address, optionally ":port"
  // An HA pair's second peer (same form as host; empty: a standalone firewall). trailwall asks
  // both peers their HA state and writes and commits only on the active one (panos/ha_pair.h).
  std::string peer;
  // With a peer: after the commit, read the passive peer's running rulebase and report a
  // difference from the active's (config sync off or failing) as an error.
  bool check_passive = false;
  std::string vsys = "vsys1";
  SecretRef api_key;
  bool tls_verify = true;  // turning it off is explicit and warned about by the front end
  std::string ca_bundle;   // PEM file; empty = system store
  // The API administrator the key belongs to: trailwall commits (partial commit) and reverts
  // only this administrator's changes.
  std::string admin;
  double request_timeout_seconds = 60.0;  // one API request, answer included
  double job_poll_seconds = 2.0;          // a real device slows down when polled faster
  double commit_timeout_seconds = 600.0;  // how long to wait for a commit job
  // How long to wait out another administrator's lock, or another trailwall run's hold.
  double lock_wait_seconds = 300.0;
  double lock_poll_seconds = 10.0;
  // A trailwall run's hold on the firewall older than this is a crashed run's and is taken over;
  // longer than any run's write-to-commit-end (panos/run_lock.h).
  double run_lease_seconds = 900.0;
  int max_policy_match_tests = 200;  // already-allowed tests per batch
  int policy_match_concurrency = 4;  // tests in flight (the vendor advises at most 5 API calls)
  bool multi_config = true;          // false: one request per change (devices without it)
  // Panorama (host is a Panorama): the device group whose rules trailwall manages, which of its
  // rulebases ("pre" | "post"), and whether to push after the commit ("auto" | "never" |
  // "always", panos/panorama.h). device_hosts: the group's firewalls (same API key and
  // administrator), asked security-policy-match and sent User-ID registrations directly.
  std::string device_group;
  std::string rulebase = "pre";
  std::string push = "auto";
  std::vector<std::string> device_hosts;

  friend bool operator==(const FirewallConfig&, const FirewallConfig&) = default;
};

// Events from other accounts or regions are ignored. Empty = accept any.
struct AwsConfig {
  // Per HTTP attempt of an AWS call: connecting (DNS, TCP and TLS), and the whole request. With
  // the SDKs' standard retry mode (3 attempts, backoff of at most 1 s then 2 s) one call to a hung
  // endpoint ends within 3 × 8 s + 3 s.
  double connect_timeout_seconds = 3.0;
  double request_timeout_seconds = 8.0;
  std::set<std::string> accounts;
  std::set<std::string> regions;
  // Account id → role ARN read through STS AssumeRole (cross-account Describe calls).
  std::map<std::string, std::string> roles;
  std::size_t max_input_mib = 2048;  // largest event input (plain, stdin or inflated gzip), MiB

  [[nodiscard]] bool accepts(std::string_view account, std::string_view region) const;

  friend bool operator==(const AwsConfig&, const AwsConfig&) = default;
};

// The daemon, `trailwall serve` (section [serve]).
struct ServeConfig {
  std::string queue_url;  // the SQS queue (standard or FIFO) the events arrive on
  std::string listen;     // ADDR:PORT for /healthz, /metrics and the status page; empty = none
  double batch_window_seconds = 10;       // a window closes this long after its first message
  int batch_max_messages = 1000;          // … or at this many messages, whichever comes first
  double reconcile_period_seconds = 900;  // a full reconcile this often (and at start); 0 = off
  int visibility_timeout_seconds = 0;     // for received messages; 0 = the queue's own
  double shutdown_timeout_seconds = 60;   // SIGTERM: the batch in flight may take this long
  double unhealthy_after_seconds = 900;   // /healthz: failing runs are tolerated this long
  int status_runs = 20;                   // runs kept for the status page

  friend bool operator==(const ServeConfig&, const ServeConfig&) = default;
};

// One firewall of a fleet (issue 13): its name (in reports, logs and metrics; never in an
// xpath), how to reach it, and its policy (zones, bottom rule, layout, gateway …).
struct FleetFirewall {
  std::string name;
  FirewallConfig firewall;
  policy::Options policy;

  friend bool operator==(const FleetFirewall&, const FleetFirewall&) = default;
};

// The name of the one firewall of a configuration without [[firewall]] entries.
inline constexpr std::string_view kDefaultFirewallName = "default";

struct Config {
  // [policy] and [gateway]; with [[firewall]] entries, the defaults of each entry's own.
  policy::Options policy;
  FirewallConfig firewall;  // the single [firewall] table (unset with [[firewall]] entries)
  // [[firewall]] entries, in file order; empty with a single [firewall] table.
  std::vector<FleetFirewall> firewalls;
  AwsConfig aws;
  ServeConfig serve;

  // Every firewall trailwall manages: the [[firewall]] entries, or the single [firewall] with
  // [policy] and [gateway] as one named kDefaultFirewallName.
  [[nodiscard]] std::vector<FleetFirewall> fleet() const;
  // The firewall named `name` in fleet(); nullopt when there is none.
  [[nodiscard]] std::optional<FleetFirewall> member(std::string_view name) const;

  friend bool operator==(const Config&, const Config&) = default;
};

using Environment = std::map<std::string, std::string, std::less<>>;

// TRAILWALL_* variables that are not configuration keys and are still valid: those trailwall
// reads itself (the file, keygen's password) and those of its tests, benchmarks and demo, which
// may be exported in a shell that runs trailwall. Add a new one here.
inline constexpr std::string_view kOtherVariables[] = {
    "TRAILWALL_CONFIG",
    "TRAILWALL_PASSWORD",
    "TRAILWALL_BIN",
    "TRAILWALL_SHARED_DIR",
    "TRAILWALL_UPDATE_GOLDEN",
    "TRAILWALL_BENCH_INSTANCES",
    "TRAILWALL_DEMO_API_KEY",
    // `trailwall lambda` (src/lambda/command.cpp) and the Lambda e2e tests.
    "TRAILWALL_LAMBDA_COMMIT_BUDGET_SECONDS",
    "TRAILWALL_BOOTSTRAP_BIN",
    "TRAILWALL_BUILD_DIR",
};

// The edit distance (insertions, deletions, substitutions and swaps of neighbours) between `a`
// and `b`; and the candidate closest to `name`, or "" when none is close enough to suggest.
[[nodiscard]] std::size_t editDistance(std::string_view a, std::string_view b);
[[nodiscard]] std::string_view closestName(std::string_view name,
                                           std::span<const std::string> candidates);

// Parses `toml` (which may be empty: all defaults), then applies overrides from `env`.
// `source` names the file in errors: "trailwall.toml:12: policy.layout: unknown layout 'x' …".
// Unknown keys and unknown TRAILWALL_* variables are errors. ErrorCode::Config for every problem.
[[nodiscard]] Result<Config> parseConfig(std::string_view toml, std::string_view source,
                                         const Environment& env = {});

}  // namespace trailwall::config
