#pragma once
// The inventory as JSON: the sample-inventory file format and the output of
// `trailwall inventory`. See examples/inventory.json for a complete example; keys use the
// field names of inventory.h, absent optional fields take their defaults, unknown keys are
// errors (they are usually typos).

#include <string>
#include <string_view>

#include "common/error.h"
#include "inventory/inventory.h"

namespace trailwall::inventory {

// Parses and validates a whole inventory. Errors name the JSON path ("security_groups[2].
// ingress[0].from_port: …"); duplicate ids within one kind are errors.
[[nodiscard]] Result<Inventory> parseInventoryJson(std::string_view text);
// The same for text followed by at least 64 readable bytes (a mapped file): parsed where it
// lies, without a copy.
[[nodiscard]] Result<Inventory> parseInventoryJsonPadded(std::string_view text);

// Writes the inventory as pretty JSON (2-space indent, key order fixed, empty optional fields
// left out). parseInventoryJson(toJson(x)) == x.
[[nodiscard]] std::string toJson(const Inventory& inventory);

}  // namespace trailwall::inventory
