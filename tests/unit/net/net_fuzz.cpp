// Fuzz target: every line as an address, CIDR, range, port list and protocol. Nothing may
// crash, and whatever parses must print canonically and parse back to the same value.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "net/address.h"
#include "net/port.h"
#include "net/protocol.h"

namespace {

template <class T, class Parse>
void roundTrip(std::string_view text, Parse parse) {
  const auto value = parse(text);
  if (!value) return;
  const auto again = parse(value->toString());
  if (!again || !(*again == *value)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace trailwall::net;
  std::string_view all(reinterpret_cast<const char*>(data), size);
  while (!all.empty()) {
    const auto eol = all.find('\n');
    const std::string_view line = all.substr(0, eol);
    all.remove_prefix(eol == std::string_view::npos ? all.size() : eol + 1);
    roundTrip<IpAddress>(line, [](std::string_view t) { return IpAddress::parse(t); });
    roundTrip<Cidr>(line, [](std::string_view t) { return Cidr::parse(t); });
    roundTrip<IpRange>(line, [](std::string_view t) { return IpRange::parse(t); });
    roundTrip<PortRange>(line, [](std::string_view t) { return PortRange::parse(t); });
    (void)parseAddressSpec(line);
    if (const auto ports = parsePortList(line)) {
      const auto again = parsePortList(formatPortList(*ports));
      if (!again || *again != *ports) std::abort();
    }
    if (const auto p = Protocol::parse(line)) {
      const auto again = Protocol::parse(p->awsName());
      if (!again || *again != *p) std::abort();
    }
  }
  return 0;
}
