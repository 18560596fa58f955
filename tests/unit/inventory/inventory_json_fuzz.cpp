// Fuzz target: any bytes into the inventory JSON reader. It must not crash, and an inventory it
// accepts must write and read back to itself.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "inventory/inventory_json.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto inv = trailwall::inventory::parseInventoryJson(text);
  if (!inv) return 0;
  const auto again = trailwall::inventory::parseInventoryJson(trailwall::inventory::toJson(*inv));
  if (!again || !(*again == *inv)) std::abort();
  return 0;
}
