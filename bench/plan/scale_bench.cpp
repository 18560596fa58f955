// Planning at scale (issue 11), phase by phase, in process:
//   scale_bench inventory [INSTANCES GROUPS PERMISSIONS_PER_GROUP [REPETITIONS]]
//     (default 100,000 instances, 20,000 groups x 10 = 200,000 permissions): the inventory's
//     JSON form parsed, the desired rules, the plan against an empty rulebase, the plan printed
//     as text and as JSON, and the steady state (the plan against a rulebase holding every
//     managed rule, which must come out empty).
//   scale_bench rulebase [ADMIN_RULES GROUPS [REPETITIONS]]
//     (default 10,000 administrator rules and the managed rules of 625 groups, about 5,000): the
//     rulebase's XML export parsed, then desired rules and plan against it, with some drift.
// Prints the median wall and CPU time of each phase and the process's peak RSS after it
// (getrusage; the inputs the program holds are included). The whole command is timed from
// outside with the generators' files: see bench/README.md.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <functional>
#include <string>
#include <vector>

#include "generate.h"
#include "inventory/inventory_json.h"
#include "policy/desired.h"
#include "policy/plan.h"
#include "policy/plan_format.h"
#include "policy/rulebase_xml.h"

namespace trailwall::bench {
namespace {

double peakRssMb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

double cpuSeconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

// Runs `step` `repetitions` times and prints its median wall and CPU milliseconds.
void phase(const char* name, int repetitions, const std::function<void()>& step) {
  std::vector<double> wall;
  std::vector<double> cpu;
  for (int i = 0; i < repetitions; ++i) {
    const auto started = std::chrono::steady_clock::now();
    const double cpu_started = cpuSeconds();
    step();
    cpu.push_back((cpuSeconds() - cpu_started) * 1000);
    wall.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
            .count());
  }
  std::printf("%-34s wall %8.1f ms   cpu %8.1f ms   peak rss %7.0f MB\n", name, median(wall),
              median(cpu), peakRssMb());
  std::fflush(stdout);
}

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "scale_bench: %s\n", what.c_str());
  std::exit(1);
}

int inventoryBench(const Scale& scale, int repetitions) {
  const auto options = generatedOptions();
  std::string json;
  {
    const auto generated = generateInventory(scale);
    json = inventory::toJson(generated);
  }
  std::printf("inventory: %d instances, %d groups x %d permissions; JSON %.1f MB\n",
              scale.instances, scale.groups, scale.permissions_per_group,
              static_cast<double>(json.size()) / 1e6);
  inventory::Inventory inv;
  phase("parse inventory JSON", repetitions, [&] {
    auto parsed = inventory::parseInventoryJson(json);
    if (!parsed) die(parsed.error().message);
    inv = std::move(*parsed);
  });
  json = std::string();
  policy::Desired desired;
  phase("desired rules", repetitions, [&] {
    auto d = policy::desiredRules(inv, options);
    if (!d) die(d.error().message);
    desired = std::move(*d);
  });
  std::printf("desired rules: %zu\n", desired.rules.size());
  const policy::Rulebase empty;
  policy::Plan plan;
  phase("plan (empty rulebase)", repetitions, [&] {
    auto p = policy::plan(desired, empty, {}, options);
    if (!p) die(p.error().message);
    plan = std::move(*p);
  });
  std::size_t text_size = 0;
  phase("plan as text", repetitions, [&] { text_size = policy::planToText(plan).size(); });
  std::size_t json_size = 0;
  phase("plan as JSON", repetitions, [&] { json_size = policy::planToJson(plan).size(); });
  std::printf("changes: %zu; text %.1f MB, JSON %.1f MB\n", plan.changeCount(),
              static_cast<double>(text_size) / 1e6, static_cast<double>(json_size) / 1e6);

  policy::Rulebase current;
  policy::SecurityRule bottom;
  bottom.name = "deny-all";
  bottom.action = "deny";
  current.rules.push_back(bottom);
  {
    auto seed_plan = policy::plan(desired, current, {}, options);
    current = policy::applyPlan(current, *seed_plan);
  }
  plan = policy::Plan();
  desired = policy::Desired();
  phase("desired + plan (steady state)", repetitions, [&] {
    auto d = policy::desiredRules(inv, options);
    auto p = policy::plan(std::move(*d), current, {}, options);
    if (!p) die(p.error().message);
    if (!p->empty()) {
      std::fprintf(stderr, "%s", policy::planToText(*p).substr(0, 3000).c_str());
      die("the steady-state plan is not empty");
    }
  });
  return 0;
}

int rulebaseBench(int admin_rules, int groups, int repetitions) {
  Scale scale;
  scale.groups = groups;
  scale.instances = groups * 5;
  const auto options = generatedOptions();
  const auto inv = generateInventory(scale);
  const std::string xml = generateRulebaseXml(inv, admin_rules, scale.seed);
  std::printf("rulebase export: %.1f MB\n", static_cast<double>(xml.size()) / 1e6);
  policy::Rulebase rulebase;
  phase("parse rulebase XML", repetitions, [&] {
    auto parsed = policy::parseRulebaseXml(xml);
    if (!parsed) die(parsed.error().message);
    rulebase = std::move(*parsed);
  });
  std::size_t managed = 0;
  for (const auto& rule : rulebase.rules) managed += rule.hasTag(options.managed_tag) ? 1 : 0;
  std::printf("rules: %zu (%zu managed)\n", rulebase.rules.size(), managed);
  policy::Plan plan;
  phase("desired + plan", repetitions, [&] {
    auto d = policy::desiredRules(inv, options);
    if (!d) die(d.error().message);
    auto p = policy::plan(std::move(*d), rulebase, {}, options);
    if (!p) die(p.error().message);
    plan = std::move(*p);
  });
  std::printf("plan: %zu add, %zu edit, %zu move, %zu delete\n", plan.add_rules.size(),
              plan.edit_rules.size(), plan.move_rules.size(), plan.delete_rules.size());
  phase("parse + desired + plan", repetitions, [&] {
    auto parsed = policy::parseRulebaseXml(xml);
    auto d = policy::desiredRules(inv, options);
    auto p = policy::plan(std::move(*d), *parsed, {}, options);
    if (!p) die(p.error().message);
  });
  return 0;
}

}  // namespace
}  // namespace trailwall::bench

int main(int argc, char** argv) {
  using namespace trailwall::bench;
  const std::string mode = argc > 1 ? argv[1] : "";
  const auto arg = [&](int i, int fallback) { return argc > i ? std::atoi(argv[i]) : fallback; };
  if (mode == "inventory") {
    Scale scale;
    scale.instances = arg(2, 100'000);
    scale.groups = arg(3, 20'000);
    scale.permissions_per_group = arg(4, 10);
    return inventoryBench(scale, std::max(1, arg(5, 3)));
  }
  if (mode == "rulebase") {
    return rulebaseBench(arg(2, 10'000), arg(3, 625), std::max(1, arg(4, 3)));
  }
  std::fprintf(stderr,
               "usage: scale_bench inventory [INSTANCES GROUPS PERMISSIONS [REPETITIONS]]\n"
               "       scale_bench rulebase [ADMIN_RULES GROUPS [REPETITIONS]]\n");
  return 2;
}
