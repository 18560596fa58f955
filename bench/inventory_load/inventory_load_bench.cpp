// Inventory loading from moto_server (signatures verified) at growing sizes: the time a load
// takes and the EC2 calls it makes, which must not grow with the number of instances except
// through pagination (1000 instances a page). Sizes: TRAILWALL_BENCH_INSTANCES="500,5000".
//
// Each size is populated once (bench/inventory_load/populate.py grows the same VPC), then
// every scope kind is loaded; counters: ec2_calls per load, DescribeInstances calls (pages),
// instances and ENIs loaded, and calls_ms: the time of the load's HTTP calls added up, against
// the wall time of the load (independent calls run together, so wall < calls_ms).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "aws/ec2_client.h"
#include "aws/inventory_loader.h"
#include "http/socket_transport.h"
#include "support/moto_server.h"

namespace {

using namespace trailwall;
using Json = nlohmann::json;

std::unique_ptr<test::MotoServer> moto;

// Adds up the time spent in send() over every thread.
class TimingTransport final : public http::HttpTransport {
 public:
  explicit TimingTransport(http::HttpTransport& inner) : inner_(inner) {}
  [[nodiscard]] Result<http::Response> send(const http::Request& request) override {
    const auto start = std::chrono::steady_clock::now();
    auto response = inner_.send(request);
    total_ns_ += std::chrono::duration_cast<std::chrono::nanoseconds>(
                     std::chrono::steady_clock::now() - start)
                     .count();
    return response;
  }
  [[nodiscard]] double takeMs() { return static_cast<double>(total_ns_.exchange(0)) / 1e6; }

 private:
  http::HttpTransport& inner_;
  std::atomic<long long> total_ns_{0};
};

Json populate(int instances) {
  const auto& creds = moto->adminCredentials();
  const std::string command =
      "AWS_ENDPOINT_URL=" + moto->endpoint() + " AWS_ACCESS_KEY_ID=" + creds.access_key_id +
      " AWS_SECRET_ACCESS_KEY=" + creds.secret_access_key + " AWS_REGION=" + moto->region() +
      " python3 " + TRAILWALL_BENCH_DIR "/populate.py " + std::to_string(instances);
  FILE* pipe = ::popen(command.c_str(), "r");
  std::string out;
  char buffer[4096];
  for (std::size_t n; pipe != nullptr && (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) {
    out.append(buffer, n);
  }
  if (pipe == nullptr || ::pclose(pipe) != 0) {
    std::cerr << "populate.py failed:\n" << out << "\n";
    std::exit(1);
  }
  return Json::parse(out);
}

// The moto population grows once per size, before the first benchmark of that size (outside
// the timed loop). Sizes are run in increasing order.
const Json& ensurePopulated(int size) {
  static std::map<int, Json> done;
  auto it = done.find(size);
  if (it == done.end()) {
    it = done.emplace(size, populate(size)).first;
  }
  return it->second;
}

enum class ScopeKind { Everything, Vpc, OneGroup, OneInstance };

inventory::Scope scopeFor(ScopeKind kind, const Json& ids) {
  inventory::Scope scope;
  switch (kind) {
    case ScopeKind::Everything: scope.everything = true; break;
    case ScopeKind::Vpc: scope.vpc_ids = {ids["vpc"]}; break;
    case ScopeKind::OneGroup: scope.group_ids = {ids["groups"][0]}; break;
    case ScopeKind::OneInstance: scope.instance_ids = {ids["sample_instance"]}; break;
  }
  return scope;
}

void runLoad(benchmark::State& state, int size, ScopeKind kind) {
  const Json& ids = ensurePopulated(size);
  const inventory::Scope scope = scopeFor(kind, ids);
  // moto builds a 5,000-instance answer in Python for tens of seconds: more than the default.
  http::TransportOptions transport_options;
  transport_options.total_timeout = std::chrono::minutes(5);
  http::SocketTransport socket_transport(transport_options);
  TimingTransport transport(socket_transport);
  aws::StaticCredentialsProvider credentials(moto->adminCredentials());
  SystemClock clock;
  aws::SystemRandom random;
  aws::Ec2Client ec2(aws::ClientContext{transport, credentials, clock, random, moto->region(), {}},
                     moto->endpoint());
  aws::InventoryLoader loader(ec2, moto->region(),
                              aws::LoaderOptions{ids["gateway"].get<std::string>(), {}, {}});
  aws::LoadReport report;
  std::size_t instances = 0;
  std::size_t enis = 0;
  double calls_ms = 0;
  for (auto _ : state) {
    auto loaded = loader.load(scope);
    calls_ms += transport.takeMs();
    if (!loaded) {
      state.SkipWithError(to_string(loaded.error()).c_str());
      return;
    }
    report = loaded->report;
    instances = loaded->inventory.instances.size();
    enis = loaded->inventory.network_interfaces.size();
  }
  state.counters["ec2_calls"] = static_cast<double>(report.total_calls);
  state.counters["DescribeInstances"] = static_cast<double>(report.calls["DescribeInstances"]);
  state.counters["instances"] = static_cast<double>(instances);
  state.counters["enis"] = static_cast<double>(enis);
  state.counters["calls_ms"] = calls_ms / static_cast<double>(state.iterations());
  state.SetLabel(report.summary());
}

std::vector<int> sizes() {
  std::vector<int> out;
  const char* env = std::getenv("TRAILWALL_BENCH_INSTANCES");
  std::stringstream list(env != nullptr ? env : "500,5000");
  for (std::string item; std::getline(list, item, ',');) {
    out.push_back(std::stoi(item));
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  auto started = test::MotoServer::start();
  if (!started) {
    std::cerr << "moto_server: " << to_string(started.error()) << "\n";
    return 1;
  }
  moto = std::move(*started);
  // One libbenchmark run (1.7 cannot run twice in a process); populating happens inside.
  auto list = sizes();
  std::ranges::sort(list);
  for (const int size : list) {
    for (const auto& [name, kind] :
         {std::pair{"LoadEverything", ScopeKind::Everything}, std::pair{"LoadVpc", ScopeKind::Vpc},
          std::pair{"LoadOneGroup", ScopeKind::OneGroup},
          std::pair{"LoadOneInstance", ScopeKind::OneInstance}}) {
      benchmark::RegisterBenchmark(
          (std::string(name) + "/instances:" + std::to_string(size)).c_str(),
          [size, kind = kind](benchmark::State& state) { runLoad(state, size, kind); })
          ->Unit(benchmark::kMillisecond)
          ->UseRealTime()
          ->Iterations(3);
    }
  }
  benchmark::RunSpecifiedBenchmarks();
  moto.reset();
  benchmark::Shutdown();
  return 0;
}
