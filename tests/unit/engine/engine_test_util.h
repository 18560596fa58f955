#pragma once
// What the engine's test files share: the example inventory and a batch that covers everything.

#include <gtest/gtest.h>

#include "engine/engine.h"
#include "inventory/inventory_json.h"
#include "support/files.h"

namespace trailwall::engine::test_util {

inline inventory::Inventory sampleInventory() {
  auto inv = inventory::parseInventoryJson(
      ::trailwall::test::readFile(::trailwall::test::examplesDir() / "inventory.json"));
  EXPECT_TRUE(inv.has_value()) << (inv ? "" : to_string(inv.error()));
  return *inv;
}

// A full reconcile: one target whose scope is everything.
inline Batch everything() {
  inventory::Scope scope;
  scope.everything = true;
  return Batch{{Target{}, scope}};
}

}  // namespace trailwall::engine::test_util
