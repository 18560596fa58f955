#pragma once
// panos-sim over HTTP(S): the Simulator behind cpp-httplib on a loopback port, in process.
//
//   panossim::ServerOptions options;          // port 0 = a free port, HTTPS, self-signed
//   panossim::Server server(options);
//   if (auto started = server.start(); !started) { … started.error() … }
//   server.baseUrl();                          // "https://127.0.0.1:PORT"
//   server.certificatePem();                   // trust this in the client
//   server.simulator().counters(); server.simulator().setFaults(…);
//   server.stop();                             // also done by the destructor
//
// /api/ is the PAN-OS XML API (GET and form-encoded POST); /sim/… is the control endpoint.
// The wire is http_server.h (status lines with the device's reason phrases, faults that close a
// connection without a byte); this class routes, and carries out delays and hangs.

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/clock.h"
#include "common/error.h"
#include "http_server.h"
#include "sim_clock.h"
#include "simulator.h"

namespace trailwall::panossim {

struct ServerOptions {
  std::string bind_address = "127.0.0.1";
  std::uint16_t port = 0;  // 0: any free port
  bool tls = true;         // false: plain HTTP
  std::string cert_file;   // PEM; with key_file. Both empty: a self-signed certificate
  std::string key_file;
  std::size_t threads = 16;  // connections served at once (one thread each); more wait
  SimulatorOptions simulator;
  // Set by a Fleet (fleet.h): the JSON GET /sim/fleet answers, listing every device of the
  // process.
  std::function<std::string()> fleet_json;
};

class Server {
 public:
  // `clock` must outlive the server; nullptr = the system clock. Unless it is a SimClock
  // already (shared by the listeners of one process), it is wrapped in one so that
  // /sim/clock/advance can move simulated time.
  explicit Server(ServerOptions options, Clock* clock = nullptr);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Builds the simulator, binds and starts serving on a background thread. InvalidInput for a
  // bad configuration, Io for unreadable certificate files, Network when binding fails.
  [[nodiscard]] Status start();
  // Stops serving and joins the thread; idempotent.
  void stop();

  [[nodiscard]] std::uint16_t port() const { return port_; }
  [[nodiscard]] std::string scheme() const { return options_.tls ? "https" : "http"; }
  // "https://127.0.0.1:PORT" (no trailing slash).
  [[nodiscard]] std::string baseUrl() const;
  // The server certificate in PEM (empty for plain HTTP).
  [[nodiscard]] const std::string& certificatePem() const { return cert_pem_; }
  // Valid after a successful start().
  [[nodiscard]] Simulator& simulator() { return *simulator_; }

 private:
  struct Http;
  // One /api/ or /sim/ request, on its connection's thread.
  HttpReply serve(const HttpRequest& req);
  // Waits `delay` unless the server stops first (then false).
  bool pause(std::chrono::milliseconds delay);

  ServerOptions options_;
  SystemClock system_clock_;
  std::unique_ptr<SimClock> own_clock_;
  Clock* clock_;
  std::unique_ptr<Simulator> simulator_;
  std::unique_ptr<Http> http_;
  // Requests that hang or are slow wait on this until released or stopping.
  std::mutex hang_mutex_;
  std::condition_variable hang_cv_;
  bool stopping_ = false;
  std::uint16_t port_ = 0;
  std::string cert_pem_;
};

}  // namespace trailwall::panossim
