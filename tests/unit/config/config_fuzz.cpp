// Fuzz target: any bytes as trailwall.toml. It must not crash or throw.
#include <cstdint>
#include <string_view>

#include "config/config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)trailwall::config::parseConfig(text, "fuzz.toml");
  return 0;
}
