// panos-sim: a PAN-OS XML API simulator for trailwall's tests and demo.
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <exception>
#include <fstream>
#include <sstream>
#include <string>

#include <CLI/CLI.hpp>

#include "fleet.h"
#include "server.h"

namespace {

volatile std::sig_atomic_t g_stop = 0;
void onSignal(int) {
  g_stop = 1;
}

// "TYPE[/ACTION]:CODE[:MESSAGE]", e.g. "config/set:14:Configuration is locked".
bool parseApiError(const std::string& text, trailwall::panossim::ApiErrorFault& out) {
  const std::size_t colon = text.find(':');
  if (colon == std::string::npos) {
    return false;
  }
  const std::string head = text.substr(0, colon);
  std::string rest = text.substr(colon + 1);
  const std::size_t slash = head.find('/');
  out.type = head.substr(0, slash);
  out.action = slash == std::string::npos ? "" : head.substr(slash + 1);
  const std::size_t colon2 = rest.find(':');
  try {
    out.code = std::stoi(rest.substr(0, colon2));
  } catch (const std::exception&) {
    return false;
  }
  if (colon2 != std::string::npos) {
    out.message = rest.substr(colon2 + 1);
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace trailwall::panossim;
  try {
    CLI::App app{
        "panos-sim: a simulator of the PAN-OS XML API (/api/) for tests and demos.\n"
        "Serves keygen, config get/show/set/edit/delete/move/rename/clone/multi-config, op\n"
        "commands (show system info, show jobs, locks, test security-policy-match, revert),\n"
        "User-ID IP-to-tag registration with timeouts and dynamic address groups,\n"
        "and commit jobs with candidate/running configurations and per-administrator change\n"
        "tracking. Administrators come from the configuration (built-in default: admin/admin,\n"
        "operator/operator). Prints 'listening on <scheme>://127.0.0.1:<port>' first.\n"
        "Control endpoint (JSON): GET /sim/counters, POST /sim/counters/reset,\n"
        "GET|PUT|DELETE /sim/faults, GET /sim/log?after=SEQ, GET /sim/config/running|candidate,\n"
        "GET /sim/clock, POST /sim/clock/advance {\"seconds\":N}, GET /sim/userid?vsys=V,\n"
        "GET /sim/fleet.\n"
        "Several devices in one process (--firewalls N, --ha, --device-group): one line per\n"
        "device,"
        " 'listening on <url> <name> <kind> <serial>', then 'ready'.",
        "panos-sim"};
    ServerOptions options;
    std::size_t firewalls = 1;
    bool ha = false;
    std::vector<std::string> device_groups;
    int port = 0;
    bool http = false;
    std::string config_file;
    long long commit_ms = 2000;
    long long latency_ms = 0;
    std::vector<std::string> api_errors;
    bool quiet = false;
    bool print_default = false;
    Faults& faults = options.simulator.faults;
    app.add_option("--port,-p", port, "TCP port on 127.0.0.1; 0 picks a free one")
        ->default_val(0)
        ->check(CLI::Range(0, 65535));
    app.add_option("--bind", options.bind_address, "Address to listen on")
        ->default_val("127.0.0.1");
    app.add_flag("--http", http, "Serve plain HTTP instead of HTTPS");
    app.add_option("--cert", options.cert_file, "TLS certificate (PEM); default: self-signed")
        ->check(CLI::ExistingFile);
    app.add_option("--key", options.key_file, "TLS private key (PEM) for --cert")
        ->check(CLI::ExistingFile);
    app.add_option("--config,-c", config_file,
                   "Initial configuration XML (<config>…); default: the built-in one")
        ->check(CLI::ExistingFile);
    app.add_flag("--print-default-config", print_default,
                 "Print the built-in configuration and exit");
    app.add_option("--state-file", options.simulator.state_file,
                   "Keep the running configuration here (written atomically after each commit, "
                   "loaded at start when present)");
    app.add_option("--commit-ms", commit_ms, "How long a commit job runs, in milliseconds")
        ->default_val(2000)
        ->check(CLI::Range(0LL, 3600000LL));
    app.add_option("--threads", options.threads,
                   "Connections served at once (one thread each); more wait")
        ->default_val(16);
    app.add_option("--master-key", options.simulator.master_key,
                   "Secret API keys are derived from (same user+password+master key = same key)");
    app.add_option("--sw-version", options.simulator.sw_version, "sw-version to report")
        ->default_val("10.2.11");
    app.add_option("--seed", options.simulator.seed, "Seed for fault randomness (0: random)");
    app.add_option("--max-registered-ips", options.simulator.max_registered_ips,
                   "User-ID: most addresses the model registers (default 100000, an assumption)")
        ->check(CLI::Range(std::size_t{0}, std::size_t{100000000}));
    app.add_option("--latency-ms", latency_ms, "Fault: delay every API answer")
        ->check(CLI::Range(0LL, 600000LL));
    app.add_option("--http-error-rate", faults.http_error_rate,
                   "Fault: fraction of API requests answered with an HTTP error")
        ->check(CLI::Range(0.0, 1.0));
    app.add_option("--http-error-status", faults.http_error_status, "HTTP status for those")
        ->default_val(503)
        ->check(CLI::Range(400, 599));
    app.add_option("--drop-rate", faults.drop_rate,
                   "Fault: fraction of API requests whose connection drops after the device acted")
        ->check(CLI::Range(0.0, 1.0));
    app.add_option("--api-error", api_errors,
                   "Fault: answer TYPE[/ACTION]:CODE[:MESSAGE] as an API error "
                   "(e.g. config/set:14:busy, 'op/show jobs:7'); repeatable");
    app.add_option("--fail-commits", faults.fail_commits,
                   "Fault: the next N commit jobs FAIL (-1: all)");
    app.add_option("--config-lock-holder", faults.config_lock_holder,
                   "Fault: another administrator holds a config lock");
    app.add_option("--commit-lock-holder", faults.commit_lock_holder,
                   "Fault: another administrator holds a commit lock");
    app.add_option("--policy-match-format", faults.policy_match_format,
                   "security-policy-match reply shape: structured, text or msg-line")
        ->check(CLI::IsMember({"structured", "text", "msg-line"}));
    app.add_option("--firewalls", firewalls,
                   "Independent firewalls fw1..fwN, each on its own port (the next free one, or "
                   "--port+i), with its own serial, hostname and state file (FILE.fwN)")
        ->default_val(1)
        ->check(CLI::Range(std::size_t{1}, std::size_t{64}));
    app.add_flag("--ha", ha,
                 "Each firewall is an active/passive HA pair: peers fwN-a (active) and fwN-b, "
                 "one listener each; config sync after commits; POST /sim/ha/failover");
    app.add_option("--device-group", device_groups,
                   "Adds a Panorama (last device, 'panorama') with device group NAME managing the "
                   "named firewalls: NAME=fw1,fw2; repeatable")
        ->type_name("NAME=FW,...");
    app.add_flag("--quiet,-q", quiet, "Do not log requests to stderr");
    try {
      app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
      return app.exit(e) == 0 ? 0 : 2;
    }
    if (print_default) {
      std::fputs(std::string(defaultConfigXml()).c_str(), stdout);
      return 0;
    }
    options.port = static_cast<std::uint16_t>(port);
    options.tls = !http;
    options.simulator.commit_duration = std::chrono::milliseconds(commit_ms);
    faults.latency = std::chrono::milliseconds(latency_ms);
    for (const std::string& text : api_errors) {
      ApiErrorFault fault;
      if (!parseApiError(text, fault)) {
        std::fprintf(stderr, "panos-sim: --api-error %s: expected TYPE[/ACTION]:CODE[:MESSAGE]\n",
                     text.c_str());
        return 2;
      }
      faults.api_errors.push_back(std::move(fault));
    }
    if (!config_file.empty()) {
      std::ifstream in(config_file, std::ios::binary);
      std::ostringstream text;
      text << in.rdbuf();
      options.simulator.initial_config_xml = text.str();
    }
    if (!quiet) {
      options.simulator.log_sink = [](const std::string& line) {
        std::fprintf(stderr, "%s\n", line.c_str());
      };
    }
    FleetOptions fleet_options;
    fleet_options.base = std::move(options);
    fleet_options.firewalls = firewalls;
    fleet_options.ha = ha;
    for (const std::string& spec : device_groups) {
      const std::size_t eq = spec.find('=');
      if (eq == std::string::npos) {
        std::fprintf(stderr, "panos-sim: --device-group %s: expected NAME=FW[,FW...]\n",
                     spec.c_str());
        return 2;
      }
      std::vector<std::string> names;
      std::size_t start = eq + 1;
      while (start <= spec.size()) {
        const std::size_t comma = std::min(spec.find(',', start), spec.size());
        if (comma > start) {
          names.push_back(spec.substr(start, comma - start));
        }
        start = comma + 1;
      }
      fleet_options.device_groups.emplace_back(spec.substr(0, eq), std::move(names));
    }
    auto fleet = Fleet::start(std::move(fleet_options));
    if (!fleet) {
      std::fprintf(stderr, "panos-sim: %s\n", trailwall::to_string(fleet.error()).c_str());
      return 1;
    }
    const std::vector<FleetDevice>& devices = (*fleet)->devices();
    if (devices.size() == 1) {
      std::printf("listening on %s\n", devices[0].server->baseUrl().c_str());
    } else {
      for (const FleetDevice& d : devices) {
        std::printf("listening on %s %s %s %s\n", d.server->baseUrl().c_str(), d.name.c_str(),
                    d.kind.c_str(), d.serial.c_str());
      }
      std::printf("ready\n");
    }
    std::fflush(stdout);
    std::signal(SIGINT, onSignal);
    std::signal(SIGTERM, onSignal);
    while (g_stop == 0) {
      pause();
    }
    (*fleet)->stop();
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "panos-sim: internal error: %s\n", e.what());
    return 1;
  }
}
