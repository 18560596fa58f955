#pragma once
// Where the engine gets the AWS truth for a scope: EC2 through the loader in production
// (AwsInventorySource, engine/aws_inventory_source.h), or a fixed inventory (a JSON file, a test).

#include <chrono>
#include <cstddef>
#include <string>

#include "common/error.h"
#include "inventory/inventory.h"
#include "inventory/scope.h"

namespace trailwall::engine {

// One account and region's part of a batch. Empty account or region = the default ones of
// the AWS configuration (credentials' account, configured region).
struct Target {
  std::string account;
  std::string region;

  friend auto operator<=>(const Target&, const Target&) = default;
};

struct LoadedInventory {
  inventory::Inventory inventory;
  std::size_t aws_calls = 0;
  std::string calls_summary;  // e.g. "DescribeInstances 1, DescribeVpcs 1"
  bool widened = false;       // an id did not resolve, so everything was loaded
  std::string widened_because;
};

class InventorySource {
 public:
  virtual ~InventorySource() = default;
  // The current truth for `scope` in `target`; errors name what failed (Auth, Denied, …).
  [[nodiscard]] virtual Result<LoadedInventory> load(const Target& target,
                                                     const inventory::Scope& scope) = 0;
};

// A fixed inventory that is complete for everything: `plan --inventory FILE`, tests.
class StaticInventorySource final : public InventorySource {
 public:
  explicit StaticInventorySource(inventory::Inventory inventory)
      : inventory_(std::move(inventory)) {}
  [[nodiscard]] Result<LoadedInventory> load(const Target& /*target*/,
                                             const inventory::Scope& /*scope*/) override {
    LoadedInventory loaded;
    loaded.inventory = inventory_;
    return loaded;
  }

 private:
  inventory::Inventory inventory_;
};

}  // namespace trailwall::engine
