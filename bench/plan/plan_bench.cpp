// Planning speed at scale (issue 2): 10,000 instances, 2,000 security groups, 20,000
// permissions; target under 200 ms and under 300 MB peak memory. peak_rss_mb is the process's
// peak resident set (getrusage ru_maxrss) when the benchmark ends, so it includes the
// inventory and the rulebase the benchmark holds.
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include "generate.h"
#include "inventory/inventory_json.h"
#include "policy/desired.h"
#include "policy/plan.h"

namespace trailwall::bench {
namespace {

double peakRssMb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

const inventory::Inventory& sharedInventory() {
  static const inventory::Inventory inv = generateInventory(Scale{});
  return inv;
}

void report(benchmark::State& state, const policy::Plan& plan, std::size_t desired_rules) {
  state.counters["desired_rules"] = static_cast<double>(desired_rules);
  state.counters["changes"] = static_cast<double>(plan.changeCount());
  state.counters["peak_rss_mb"] = peakRssMb();
}

// desiredRules + plan against an empty rulebase: the first run against a new firewall.
void BM_PlanFromScratch(benchmark::State& state) {
  const auto& inv = sharedInventory();
  const auto options = generatedOptions();
  const policy::Rulebase empty;
  policy::Plan last;
  std::size_t rules = 0;
  for (auto _ : state) {
    auto desired = policy::desiredRules(inv, options);
    rules = desired->rules.size();
    auto p = policy::plan(std::move(*desired), empty, {}, options);
    benchmark::DoNotOptimize(p);
    last = std::move(*p);
  }
  report(state, last, rules);
}
BENCHMARK(BM_PlanFromScratch)->Unit(benchmark::kMillisecond);

// desiredRules + plan against a rulebase that already holds every managed rule (plus a bottom
// rule): the steady state of a full reconcile, which must come out empty.
void BM_PlanSteadyState(benchmark::State& state) {
  const auto& inv = sharedInventory();
  const auto options = generatedOptions();
  policy::Rulebase current;
  policy::SecurityRule bottom;
  bottom.name = "deny-all";
  bottom.action = "deny";
  current.rules.push_back(bottom);
  current.tags.push_back({"trailwall", "", "managed by trailwall"});
  {
    auto desired = policy::desiredRules(inv, options);
    current = policy::applyPlan(current, *policy::plan(*desired, current, {}, options));
  }
  policy::Plan last;
  std::size_t rules = 0;
  for (auto _ : state) {
    auto desired = policy::desiredRules(inv, options);
    rules = desired->rules.size();
    auto p = policy::plan(std::move(*desired), current, {}, options);
    benchmark::DoNotOptimize(p);
    last = std::move(*p);
  }
  if (!last.empty()) state.SkipWithError("the steady-state plan is not empty");
  report(state, last, rules);
}
BENCHMARK(BM_PlanSteadyState)->Unit(benchmark::kMillisecond);

// The two steps apart: desired rules, then the diff against an empty rulebase.
void BM_DesiredRulesOnly(benchmark::State& state) {
  const auto& inv = sharedInventory();
  const auto options = generatedOptions();
  for (auto _ : state) {
    auto desired = policy::desiredRules(inv, options);
    benchmark::DoNotOptimize(desired);
  }
}
BENCHMARK(BM_DesiredRulesOnly)->Unit(benchmark::kMillisecond);

void BM_DiffOnly(benchmark::State& state) {
  const auto options = generatedOptions();
  const auto desired = policy::desiredRules(sharedInventory(), options);
  const policy::Rulebase empty;
  for (auto _ : state) {
    auto p = policy::plan(*desired, empty, {}, options);
    benchmark::DoNotOptimize(p);
  }
}
BENCHMARK(BM_DiffOnly)->Unit(benchmark::kMillisecond);

// Reading the same inventory from its JSON file form (what `trailwall plan` does first).
void BM_ParseInventoryJson(benchmark::State& state) {
  const std::string json = inventory::toJson(sharedInventory());
  for (auto _ : state) {
    auto inv = inventory::parseInventoryJson(json);
    benchmark::DoNotOptimize(inv);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(json.size()));
  state.counters["peak_rss_mb"] = peakRssMb();
}
BENCHMARK(BM_ParseInventoryJson)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace trailwall::bench

BENCHMARK_MAIN();
