// Fuzzes panos-sim's request handler (no sockets): the input is one request per line, each a
// form-encoded parameter list as clients POST it, sent with the admin's key unless the line
// starts with "anon&" (or with operator's after "op&"). A line "control METHOD PATH BODY" goes to
// the control endpoint instead (faults as JSON, counters, log). Every reply must have a body and
// a sane HTTP status; the handler must never crash or hang.
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "form.h"
#include "simulator.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace trailwall::panossim;
  static trailwall::FakeClock clock;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  SimulatorOptions options;
  options.commit_duration = std::chrono::milliseconds(0);
  options.seed = 1;
  // A first line "mode ha" makes the device the active peer of an HA pair, "mode panorama" a
  // Panorama managing one firewall (device group dg1); requests go to that device.
  std::unique_ptr<Simulator> other;
  if (input.starts_with("mode ha\n")) {
    input.remove_prefix(8);
    options.ha = std::make_shared<HaLink>(clock.now());
    SimulatorOptions peer = options;
    peer.ha_peer = 1;
    auto b = Simulator::create(peer, clock);
    other = b ? std::move(*b) : nullptr;
  } else if (input.starts_with("mode panorama\n")) {
    input.remove_prefix(14);
    auto fw = Simulator::create(options, clock);
    other = fw ? std::move(*fw) : nullptr;
    auto managed = std::make_shared<ManagedDevices>();
    managed->add(options.serial, "fw1", other.get());
    options.panorama = true;
    options.managed = managed;
    options.initial_config_xml = panoramaConfigXml({{"dg1", {options.serial}}}, "panorama");
  }
  auto sim = Simulator::create(options, clock);
  if (!sim) {
    std::abort();
  }
  if (options.panorama) {
    (*sim)->panoramaPushAll();
  }
  const std::string admin_key = *(*sim)->apiKeyFor("admin");
  const std::string operator_key = *(*sim)->apiKeyFor("operator");
  while (!input.empty()) {
    const std::size_t eol = input.find('\n');
    std::string_view line = input.substr(0, eol);
    input = eol == std::string_view::npos ? std::string_view() : input.substr(eol + 1);
    if (line.starts_with("control ")) {
      line.remove_prefix(8);
      const std::size_t sp1 = line.find(' ');
      const std::size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
      const ApiResponse r = (*sim)->handleControl(
          line.substr(0, sp1),
          sp1 == std::string_view::npos ? "" : line.substr(sp1 + 1, sp2 - sp1 - 1),
          sp2 == std::string_view::npos ? "" : line.substr(sp2 + 1));
      if (r.body.empty() || r.http_status < 200 || r.http_status > 599) {
        std::abort();
      }
      continue;
    }
    ApiRequest req;
    req.method = "POST";
    if (line.starts_with("anon&")) {
      line.remove_prefix(5);
    } else if (line.starts_with("op&")) {
      line.remove_prefix(3);
      req.api_key_header = operator_key;
    } else {
      req.api_key_header = admin_key;
    }
    req.params = parseForm(line);
    const ApiResponse r = (*sim)->handle(req);
    // A hung request has no answer at all, nor one a failed HA peer drops.
    if ((r.body.empty() && r.fault != TransportFault::Hang && r.fault != TransportFault::Drop) ||
        r.http_status < 200 || r.http_status > 599) {
      std::abort();
    }
    clock.advance(std::chrono::seconds(1));  // lets enqueued commit jobs run
  }
  (void)(*sim)->handleControl("GET", "/sim/log", "");
  return 0;
}
