// Writes a firewall configuration export for the inventory gen_inventory writes with the same
// numbers, to try `trailwall plan --rules` at scale:
//   gen_rulebase ADMIN_RULES INSTANCES GROUPS PERMISSIONS_PER_GROUP > rulebase.xml
#include <cstdio>
#include <cstdlib>
#include <string>

#include "generate.h"

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr,
                 "usage: gen_rulebase ADMIN_RULES INSTANCES GROUPS PERMISSIONS_PER_GROUP\n");
    return 1;
  }
  trailwall::bench::Scale scale;
  scale.instances = std::atoi(argv[2]);
  scale.groups = std::atoi(argv[3]);
  scale.permissions_per_group = std::atoi(argv[4]);
  if (scale.instances < 1 || scale.groups < scale.vpcs || scale.permissions_per_group < 1) {
    std::fprintf(stderr, "gen_rulebase: need at least 1 instance, %d groups, 1 permission\n",
                 scale.vpcs);
    return 1;
  }
  const std::string xml = trailwall::bench::generateRulebaseXml(
      trailwall::bench::generateInventory(scale), std::atoi(argv[1]), scale.seed);
  std::fwrite(xml.data(), 1, xml.size(), stdout);
  return 0;
}
