// Table-driven decisions (DESIGN §3): every folder under tests/data/decisions/ is one case:
//   inventory.json  the AWS truth (inventory_json.h format)
//   rules.xml       the firewall's configuration export (optional: an empty rulebase)
//   config.toml     trailwall's configuration (optional: decisions/config.toml)
//   allowed.txt     flows the firewall already allows, one "rule source destination
//                   application" per line (optional)
//   expected.json   the plan, as `trailwall plan --output json` prints it
// Every case also checks that the truth is stable: applying the plan and planning again (also
// through the XML codec) gives an empty plan with the same rule names.
// TRAILWALL_UPDATE_GOLDEN=1 rewrites expected.json (review the diff before committing).

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "config/config.h"
#include "inventory/inventory_json.h"
#include "policy/desired.h"
#include "policy/flows.h"
#include "policy/plan.h"
#include "policy/plan_format.h"
#include "policy/rulebase_xml.h"
#include "support/files.h"

namespace trailwall::policy {
namespace {

namespace fs = std::filesystem;

const fs::path kRoot = fs::path(TRAILWALL_TEST_DATA_DIR) / "decisions";

using ::trailwall::test::readFile;

std::vector<std::string> caseNames() {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(kRoot)) {
    if (e.is_directory()) names.push_back(e.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

struct Case {
  inventory::Inventory inventory;
  Rulebase rules;
  config::Config config;
  FlowSet allowed;
};

// Picks the flows of allowed.txt out of the ones the engine would ask about.
FlowSet allowedFlows(const fs::path& file, const std::vector<Flow>& asked) {
  FlowSet out;
  if (!fs::exists(file)) return out;
  std::istringstream lines(readFile(file));
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string rule, source, destination, application;
    fields >> rule >> source >> destination >> application;
    bool found = false;
    for (const auto& f : asked) {
      if (f.rule == rule && f.source.toString() == source &&
          f.destination.toString() == destination && f.application == application) {
        out.insert(f);
        found = true;
      }
    }
    EXPECT_TRUE(found) << file << ": no such flow to check: " << line;
  }
  return out;
}

Result<Case> load(const fs::path& dir) {
  Case c;
  auto inv = inventory::parseInventoryJson(readFile(dir / "inventory.json"));
  if (!inv) return std::unexpected(inv.error().withContext("inventory.json"));
  c.inventory = std::move(*inv);
  const fs::path config_file =
      fs::exists(dir / "config.toml") ? dir / "config.toml" : kRoot / "config.toml";
  auto cfg = config::parseConfig(readFile(config_file), config_file.string());
  if (!cfg) return std::unexpected(cfg.error());
  c.config = std::move(*cfg);
  if (fs::exists(dir / "rules.xml")) {
    auto rb = parseRulebaseXml(readFile(dir / "rules.xml"));
    if (!rb) return std::unexpected(rb.error().withContext("rules.xml"));
    c.rules = std::move(*rb);
  }
  return c;
}

class Decision : public testing::TestWithParam<std::string> {};

TEST_P(Decision, PlanMatchesExpectedAndIsStable) {
  const fs::path dir = kRoot / GetParam();
  auto loaded = load(dir);
  ASSERT_TRUE(loaded) << loaded.error().message;
  Case& c = *loaded;
  const Options& options = c.config.policy;

  const auto desired = desiredRules(c.inventory, options);
  ASSERT_TRUE(desired) << desired.error().message;
  const auto asked = flowsToCheck(*desired, c.rules, options);
  c.allowed = allowedFlows(dir / "allowed.txt", asked);
  const auto p = plan(*desired, c.rules, c.allowed, options);
  ASSERT_TRUE(p) << p.error().message;
  const std::string json = planToJson(*p);

  const fs::path expected_file = dir / "expected.json";
  if (std::getenv("TRAILWALL_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(expected_file, std::ios::binary) << json;
  }
  EXPECT_EQ(json, readFile(expected_file)) << "case " << GetParam() << "\n" << planToText(*p);

  // The same truth again gives the same desired rules, and nothing to do once applied.
  const auto again = desiredRules(c.inventory, options);
  ASSERT_TRUE(again);
  ASSERT_EQ(again->rules.size(), desired->rules.size());
  for (std::size_t i = 0; i < desired->rules.size(); ++i) {
    EXPECT_EQ(again->rules[i].rule.name, desired->rules[i].rule.name);
  }
  const Rulebase applied = applyPlan(c.rules, *p);
  const auto second = plan(*again, applied, c.allowed, options);
  ASSERT_TRUE(second);
  EXPECT_TRUE(second->empty()) << "second plan of " << GetParam() << ":\n" << planToText(*second);

  // And through the device's XML: what trailwall writes reads back as the same rules.
  const auto xml = renderRulebaseConfig(applied);
  ASSERT_TRUE(xml) << xml.error().message;
  const auto reread = parseRulebaseXml(*xml);
  ASSERT_TRUE(reread) << reread.error().message;
  const auto third = plan(*again, *reread, c.allowed, options);
  ASSERT_TRUE(third);
  EXPECT_TRUE(third->empty()) << "plan after XML round trip:\n" << planToText(*third);
}

INSTANTIATE_TEST_SUITE_P(Cases, Decision, testing::ValuesIn(caseNames()),
                         [](const testing::TestParamInfo<std::string>& param) {
                           std::string name = param.param;
                           for (char& ch : name) {
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           }
                           return name;
                         });

}  // namespace
}  // namespace trailwall::policy
