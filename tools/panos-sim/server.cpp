#include "server.h"

#include <httplib.h>

#include <chrono>
#include <thread>

#include "form.h"
#include "tls.h"

namespace trailwall::panossim {

struct Server::Http {
  std::unique_ptr<httplib::Server> server;
  SelfSigned self_signed;
};

namespace {

// Largest request body accepted (multi-config batches can be large).
constexpr std::size_t kMaxBody = 64U << 20;

void send(const ApiResponse& r, httplib::Response& res) {
  res.status = r.http_status;
  if (!r.reason.empty()) {
    res.reason = r.reason;
  }
  if (r.fault == TransportFault::Drop) {
    // Headers promise the whole body; the provider then fails, so the connection closes with
    // the answer cut off: the client sees a dropped connection.
    res.set_content_provider(r.body.size() + 1, r.content_type,
                             [](std::size_t, std::size_t, httplib::DataSink&) { return false; });
    return;
  }
  res.set_content(r.body, r.content_type.c_str());
}

ApiRequest toApiRequest(const httplib::Request& req, const std::string& body) {
  ApiRequest api;
  api.method = req.method;
  for (const auto& [k, v] : req.params) {
    api.params.emplace_back(k, v);
  }
  // The body is read raw (not by cpp-httplib's form parser, which caps bodies at 8 KB).
  if (req.get_header_value("Content-Type").starts_with("application/x-www-form-urlencoded")) {
    for (auto& kv : parseForm(body)) {
      api.params.push_back(std::move(kv));
    }
  }
  api.api_key_header = req.get_header_value("X-PAN-KEY");
  api.authorization = req.get_header_value("Authorization");
  api.bytes_in = req.target.size() + body.size();
  return api;
}

}  // namespace

Server::Server(ServerOptions options, Clock* clock)
    : options_(std::move(options)), clock_(clock != nullptr ? clock : &system_clock_) {}

Server::~Server() {
  stop();
}

std::string Server::baseUrl() const {
  return scheme() + "://" + options_.bind_address + ":" + std::to_string(port_);
}

Status Server::start() {
  if (http_) {
    return fail(ErrorCode::InvalidInput, "server already started");
  }
  stopping_ = false;
  auto sim = Simulator::create(options_.simulator, *clock_);
  if (!sim) {
    return std::unexpected(sim.error());
  }
  simulator_ = std::move(*sim);
  auto http = std::make_unique<Http>();
  if (options_.tls) {
    if (options_.cert_file.empty() != options_.key_file.empty()) {
      return fail(ErrorCode::InvalidInput, "give both a certificate and a key file, or neither");
    }
    if (!options_.cert_file.empty()) {
      auto pem = readPemFile(options_.cert_file);
      if (!pem) {
        return std::unexpected(pem.error());
      }
      cert_pem_ = std::move(*pem);
      http->server = std::make_unique<httplib::SSLServer>(options_.cert_file.c_str(),
                                                          options_.key_file.c_str());
    } else {
      auto made = makeSelfSigned();
      if (!made) {
        return std::unexpected(made.error());
      }
      http->self_signed = std::move(*made);
      cert_pem_ = http->self_signed.cert_pem;
      http->server = std::make_unique<httplib::SSLServer>(http->self_signed.cert.get(),
                                                          http->self_signed.key.get());
    }
  } else {
    http->server = std::make_unique<httplib::Server>();
  }
  httplib::Server& srv = *http->server;
  if (!srv.is_valid()) {
    return fail(ErrorCode::InvalidInput, "TLS setup failed (certificate or key unusable)");
  }
  const std::size_t threads = std::max<std::size_t>(2, options_.threads);
  srv.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  srv.set_keep_alive_max_count(1000);
  srv.set_tcp_nodelay(true);  // small XML replies; avoid Nagle + delayed-ACK stalls
  srv.set_payload_max_length(kMaxBody);
  Simulator* sim_ptr = simulator_.get();
  const auto api = [this, sim_ptr](const httplib::Request& req, httplib::Response& res,
                                   const std::string& body) {
    ApiResponse r = sim_ptr->handle(toApiRequest(req, body));
    if (r.fault == TransportFault::Hang) {
      // Never answered: held until the faults change or the server stops, then cut off.
      std::unique_lock<std::mutex> lock(hang_mutex_);
      while (!stopping_ && sim_ptr->faultsGeneration() == r.faults_generation) {
        hang_cv_.wait_for(lock, std::chrono::milliseconds(20));
      }
      r.fault = TransportFault::Drop;
    }
    if (r.delay.count() > 0) {
      std::this_thread::sleep_for(r.delay);  // outside the simulator's lock
    }
    send(r, res);
  };
  for (const char* path : {"/api/", "/api"}) {
    srv.Get(path,
            [api](const httplib::Request& req, httplib::Response& res) { api(req, res, ""); });
    srv.Post(path, [api](const httplib::Request& req, httplib::Response& res,
                         const httplib::ContentReader& reader) {
      std::string body;
      reader([&body](const char* data, std::size_t size) {
        body.append(data, size);
        return body.size() <= kMaxBody;
      });
      api(req, res, body);
    });
  }
  const auto control = [sim_ptr](const httplib::Request& req, httplib::Response& res) {
    std::string path = req.path;
    if (req.has_param("after")) {
      path += "?after=" + req.get_param_value("after");
    }
    send(sim_ptr->handleControl(req.method, path, req.body), res);
  };
  srv.Get("/sim/.*", control);
  srv.Post("/sim/.*", control);
  srv.Put("/sim/.*", control);
  srv.Delete("/sim/.*", control);

  const int bound =
      options_.port == 0
          ? srv.bind_to_any_port(options_.bind_address)
          : (srv.bind_to_port(options_.bind_address, options_.port) ? options_.port : -1);
  if (bound <= 0) {
    return fail(ErrorCode::Network,
                "cannot listen on " + options_.bind_address + ":" + std::to_string(options_.port));
  }
  port_ = static_cast<std::uint16_t>(bound);
  http_ = std::move(http);
  thread_ = std::thread([this] { http_->server->listen_after_bind(); });
  // The socket already listens; wait until the accept loop runs so stop() cannot race it.
  for (int i = 0; i < 2000 && !http_->server->is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return {};
}

void Server::stop() {
  {
    std::lock_guard<std::mutex> lock(hang_mutex_);
    stopping_ = true;
  }
  hang_cv_.notify_all();
  if (http_) {
    http_->server->stop();
  }
  if (thread_.joinable()) {
    thread_.join();
  }
  http_.reset();
}

}  // namespace trailwall::panossim
