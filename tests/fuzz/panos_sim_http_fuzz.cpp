// Fuzzes panos-sim's HTTP/1.1 request reader (tools/panos-sim/http_server.h) on raw bytes, as
// a client or an attacker could send them on one connection: the input arrives in pieces of
// up to 7 bytes, and every request read from it must respect the limits (body size, header
// size); the reader must never crash, hang or read past the end.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "http_server.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace trailwall::panossim;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  HttpServerOptions options;
  options.max_body = 4096;
  int continues = 0;
  HttpRequestReader reader(
      [&input](std::string& buffer, std::chrono::milliseconds) {
        if (input.empty()) {
          return false;
        }
        const std::size_t n = std::min<std::size_t>(7, input.size());
        buffer.append(input.substr(0, n));
        input.remove_prefix(n);
        return true;
      },
      [&continues] {
        ++continues;
        return true;
      },
      options);
  for (int i = 0; i < 1000; ++i) {
    HttpRequest request;
    bool keep_alive = false;
    const std::optional<int> bad = reader.read(request, keep_alive);
    if (bad) {
      if (*bad != 0 && *bad != 400 && *bad != 413 && *bad != 431 && *bad != 501 && *bad != 505) {
        std::abort();
      }
      break;
    }
    if (request.body.size() > options.max_body || !request.target.starts_with('/') ||
        request.path.size() > request.target.size() || continues > i + 1) {
      std::abort();
    }
    if (!keep_alive) {
      break;
    }
  }
  return 0;
}
