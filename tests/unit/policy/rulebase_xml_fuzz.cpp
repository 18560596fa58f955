// Fuzz target: any bytes into the rulebase XML reader. It must not crash, and every rule it
// reads that can be rendered must read back equal (the uuid is the device's and not rendered).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "policy/rulebase_xml.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace trailwall::policy;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto rulebase = parseRulebaseXml(text);
  if (!rulebase) return 0;
  for (auto rule : rulebase->rules) {
    const auto xml = renderRule(rule);
    if (!xml) continue;
    const auto back = parseRuleXml(*xml);
    rule.uuid.clear();
    if (!back || !(*back == rule)) std::abort();
  }
  return 0;
}
