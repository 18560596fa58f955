// Writes the synthetic inventory of generate.h as JSON, to try `trailwall plan` at scale:
//   gen_inventory [instances groups permissions_per_group] > inventory.json
#include <cstdio>
#include <cstdlib>
#include <string>

#include "generate.h"
#include "inventory/inventory_json.h"

int main(int argc, char** argv) {
  trailwall::bench::Scale scale;
  if (argc == 4) {
    scale.instances = std::atoi(argv[1]);
    scale.groups = std::atoi(argv[2]);
    scale.permissions_per_group = std::atoi(argv[3]);
  } else if (argc != 1) {
    std::fprintf(stderr, "usage: gen_inventory [instances groups permissions_per_group]\n");
    return 1;
  }
  if (scale.instances < 1 || scale.groups < scale.vpcs || scale.permissions_per_group < 1) {
    std::fprintf(stderr, "gen_inventory: need at least 1 instance, %d groups, 1 permission\n",
                 scale.vpcs);
    return 1;
  }
  const std::string json = trailwall::inventory::toJson(trailwall::bench::generateInventory(scale));
  std::fwrite(json.data(), 1, json.size(), stdout);
  return 0;
}
