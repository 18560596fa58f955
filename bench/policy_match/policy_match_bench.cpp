// The already-allowed check (security-policy-match tests) with 1 and 4 workers against panos-sim
// in process over verified HTTPS, answering with and without a device-like delay (issue 11).
//
// Each measurement is a fresh transport, client and firewall, as a run of the CLI has: the
// rulebase is read first (one kept-alive connection, as `plan` and `handle` do), then
// alreadyAllowed() over N distinct flows is timed. Prints the median of R repetitions and the
// TLS connections the transport opened.
//
//   policy_match_bench [--repetitions R] [--tuples 1,100] [--latency-ms 0,20] [--workers 1,4]
#include <unistd.h>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "common/clock.h"
#include "http/socket_transport.h"
#include "panos/client.h"
#include "panos/firewall.h"
#include "support/panos_sim_fixture.h"

namespace {

using namespace trailwall;

std::vector<int> parseList(const char* text) {
  std::vector<int> out;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) out.push_back(std::atoi(item.c_str()));
  return out;
}

// N distinct flows: tcp/443 to N addresses of the administrator's web subnet and beyond.
std::vector<policy::Flow> flows(int n) {
  std::vector<policy::Flow> out;
  for (int i = 0; i < n; ++i) {
    policy::Flow f;
    f.rule = "sg-0bench-tcp-443";
    f.source = net::Cidr::anyV4();
    f.destination = net::IpAddress::parse("10.0." + std::to_string(1 + i / 200) + "." +
                                          std::to_string(10 + i % 200))
                        .value();
    f.protocol = net::Protocol::tcp();
    f.ports = net::PortRange::single(443);
    f.application = "ssl";
    out.push_back(std::move(f));
  }
  return out;
}

struct Sample {
  double ms = 0;
  std::size_t connections = 0;
};

}  // namespace

int main(int argc, char** argv) {
  int repetitions = 5;
  std::vector<int> tuples = {1, 100};
  std::vector<int> latencies = {0, 20};
  std::vector<int> workers = {1, 4};
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--repetitions")
      repetitions = std::atoi(argv[i + 1]);
    else if (flag == "--tuples")
      tuples = parseList(argv[i + 1]);
    else if (flag == "--latency-ms")
      latencies = parseList(argv[i + 1]);
    else if (flag == "--workers")
      workers = parseList(argv[i + 1]);
    else {
      std::fprintf(stderr, "unknown flag %s\n", argv[i]);
      return 2;
    }
  }
  panossim::testing::ScopedPanosSim sim;
  if (auto started = sim.start(); !started) {
    std::fprintf(stderr, "panos-sim: %s\n", to_string(started.error()).c_str());
    return 1;
  }
  const auto ca = std::filesystem::temp_directory_path() /
                  ("policy-match-bench-" + std::to_string(::getpid()) + ".pem");
  std::ofstream(ca) << sim.certificatePem();
  SystemClock clock;
  std::printf("%-8s %-10s %-8s %12s %12s %12s\n", "tuples", "latency", "workers", "median ms",
              "min ms", "connections");
  for (const int latency : latencies) {
    panossim::Faults faults;
    faults.latency = std::chrono::milliseconds(latency);
    sim.setFaults(faults);
    for (const int n : tuples) {
      const auto checked = flows(n);
      for (const int w : workers) {
        std::vector<Sample> samples;
        for (int r = 0; r < repetitions; ++r) {
          http::TransportOptions transport_options;
          transport_options.ca_bundle = ca.string();
          http::SocketTransport transport(transport_options);
          panos::ClientOptions client_options;
          client_options.base_url = sim.baseUrl();
          client_options.api_key = sim.apiKey("admin");
          client_options.admin = "admin";
          panos::PanOsClient client(transport, clock, client_options);
          panos::FirewallOptions options;
          options.policy_match_concurrency = w;
          options.max_policy_match_tests = std::max(200, n);
          auto firewall = panos::PanOsFirewall::create(client, clock, options);
          if (!firewall || !firewall->readRulebase()) {
            std::fprintf(stderr, "cannot read the rulebase\n");
            return 1;
          }
          const auto start = std::chrono::steady_clock::now();
          auto report = firewall->alreadyAllowed(checked);
          const auto took = std::chrono::steady_clock::now() - start;
          if (!report || report->tests != n) {
            std::fprintf(stderr, "check failed: %s\n",
                         report ? "wrong test count" : to_string(report.error()).c_str());
            return 1;
          }
          samples.push_back({std::chrono::duration<double, std::milli>(took).count(),
                             transport.connectionsOpened()});
        }
        std::ranges::sort(samples, {}, &Sample::ms);
        std::printf("%-8d %-10d %-8d %12.1f %12.1f %12zu\n", n, latency, w,
                    samples[samples.size() / 2].ms, samples.front().ms,
                    samples[samples.size() / 2].connections);
        std::fflush(stdout);
      }
    }
  }
  std::filesystem::remove(ca);
  return 0;
}
