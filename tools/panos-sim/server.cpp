#include "server.h"

#include <openssl/ssl.h>

#include <chrono>

#include "form.h"
#include "http_server.h"
#include "tls.h"

namespace trailwall::panossim {

struct SslCtxDeleter {
  void operator()(SSL_CTX* ctx) const { SSL_CTX_free(ctx); }
};

struct Server::Http {
  std::unique_ptr<SSL_CTX, SslCtxDeleter> tls;
  std::unique_ptr<HttpServer> server;
};

namespace {

// Largest request body accepted (multi-config batches can be large).
constexpr std::size_t kMaxBody = 64U << 20;

ApiRequest toApiRequest(const HttpRequest& req) {
  ApiRequest api;
  api.method = req.method;
  api.params = parseForm(req.query);
  if (req.method == "POST" &&
      req.header("Content-Type").starts_with("application/x-www-form-urlencoded")) {
    for (auto& kv : parseForm(req.body)) {
      api.params.push_back(std::move(kv));
    }
  }
  api.api_key_header = req.header("X-PAN-KEY");
  api.authorization = req.header("Authorization");
  api.bytes_in = req.target.size() + req.body.size();
  return api;
}

HttpReply toHttpReply(const ApiResponse& r) {
  HttpReply reply;
  reply.status = r.http_status;
  reply.reason = r.reason;
  reply.content_type = r.content_type;
  reply.body = r.body;
  // A dropped answer: the device acted, the client gets nothing.
  reply.close_without_answer = r.fault == TransportFault::Drop || r.fault == TransportFault::Hang;
  return reply;
}

HttpReply plain(int status, std::string body) {
  HttpReply reply;
  reply.status = status;
  reply.body = std::move(body);
  return reply;
}

// TLS 1.2+ with the given certificate and key.
Result<std::unique_ptr<SSL_CTX, SslCtxDeleter>> makeTlsContext(const ServerOptions& options,
                                                               SelfSigned* self_signed) {
  std::unique_ptr<SSL_CTX, SslCtxDeleter> ctx(SSL_CTX_new(TLS_server_method()));
  if (!ctx) {
    return fail(ErrorCode::Internal, "cannot create a TLS context");
  }
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  SSL_CTX_set_options(ctx.get(), SSL_OP_NO_COMPRESSION);
  const bool loaded =
      self_signed != nullptr
          ? SSL_CTX_use_certificate(ctx.get(), self_signed->cert.get()) == 1 &&
                SSL_CTX_use_PrivateKey(ctx.get(), self_signed->key.get()) == 1
          : SSL_CTX_use_certificate_chain_file(ctx.get(), options.cert_file.c_str()) == 1 &&
                SSL_CTX_use_PrivateKey_file(ctx.get(), options.key_file.c_str(),
                                            SSL_FILETYPE_PEM) == 1;
  if (!loaded || SSL_CTX_check_private_key(ctx.get()) != 1) {
    return fail(ErrorCode::InvalidInput, "TLS setup failed (certificate or key unusable)");
  }
  return ctx;
}

}  // namespace

Server::Server(ServerOptions options, Clock* clock) : options_(std::move(options)) {
  Clock* base = clock != nullptr ? clock : &system_clock_;
  if (dynamic_cast<SimClock*>(base) != nullptr) {
    clock_ = base;
  } else {
    own_clock_ = std::make_unique<SimClock>(*base);
    clock_ = own_clock_.get();
  }
}

Server::~Server() {
  stop();
}

std::string Server::baseUrl() const {
  return scheme() + "://" + options_.bind_address + ":" + std::to_string(port_);
}

bool Server::pause(std::chrono::milliseconds delay) {
  std::unique_lock<std::mutex> lock(hang_mutex_);
  return !hang_cv_.wait_for(lock, delay, [this] { return stopping_; });
}

HttpReply Server::serve(const HttpRequest& req) {
  if (req.path == "/api/" || req.path == "/api") {
    if (req.method != "GET" && req.method != "POST") {
      return plain(405, "panos-sim: /api/ takes GET or POST\n");
    }
    ApiResponse r = simulator_->handle(toApiRequest(req));
    if (r.fault == TransportFault::Hang) {
      // Never answered: held until the faults change or the server stops, then cut off.
      std::unique_lock<std::mutex> lock(hang_mutex_);
      while (!stopping_ && simulator_->faultsGeneration() == r.faults_generation) {
        hang_cv_.wait_for(lock, std::chrono::milliseconds(20));
      }
    } else if (r.delay.count() > 0 && !pause(r.delay)) {
      r.fault = TransportFault::Drop;  // stopping
    }
    return toHttpReply(r);
  }
  if (req.path == "/sim/fleet" && options_.fleet_json) {
    HttpReply reply = plain(200, options_.fleet_json());
    reply.content_type = "application/json";
    return reply;
  }
  if (req.path.starts_with("/sim/")) {
    const std::string path = req.query.empty() ? req.path : req.path + "?" + req.query;
    return toHttpReply(simulator_->handleControl(req.method, path, req.body));
  }
  return plain(404, "panos-sim: no such path; the API is /api/, the control endpoint /sim/\n");
}

Status Server::start() {
  if (http_) {
    return fail(ErrorCode::InvalidInput, "server already started");
  }
  {
    std::lock_guard<std::mutex> lock(hang_mutex_);
    stopping_ = false;
  }
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
    SelfSigned self_signed;
    if (!options_.cert_file.empty()) {
      auto pem = readPemFile(options_.cert_file);
      if (!pem) {
        return std::unexpected(pem.error());
      }
      cert_pem_ = std::move(*pem);
    } else {
      auto made = makeSelfSigned();
      if (!made) {
        return std::unexpected(made.error());
      }
      self_signed = std::move(*made);
      cert_pem_ = self_signed.cert_pem;
    }
    auto ctx = makeTlsContext(options_, options_.cert_file.empty() ? &self_signed : nullptr);
    if (!ctx) {
      return std::unexpected(ctx.error());
    }
    http->tls = std::move(*ctx);
  }
  HttpServerOptions http_options;
  http_options.bind_address = options_.bind_address;
  http_options.port = options_.port;
  http_options.max_connections = std::max<std::size_t>(2, options_.threads);
  http_options.max_body = kMaxBody;
  http_options.tls = http->tls.get();
  http->server = std::make_unique<HttpServer>(
      http_options, [this](const HttpRequest& req) { return serve(req); });
  if (auto started = http->server->start(); !started) {
    return started;
  }
  port_ = http->server->port();
  http_ = std::move(http);
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
  http_.reset();
}

}  // namespace trailwall::panossim
