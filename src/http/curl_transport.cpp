#include "http/curl_transport.h"

#include "http/text.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <mutex>
#include <utility>

namespace trailwall::http {

namespace {

constexpr std::size_t kMaxIdleHandles = 8;

void globalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct Collector {
  Response* response = nullptr;
  std::size_t limit = 0;
  bool overflow = false;
};

std::size_t onBody(char* data, std::size_t size, std::size_t count, void* user) {
  auto* c = static_cast<Collector*>(user);
  const std::size_t n = size * count;
  if (c->response->body.size() + n > c->limit) {
    c->overflow = true;
    return 0;  // aborts the transfer with CURLE_WRITE_ERROR
  }
  c->response->body.append(data, n);
  return n;
}

std::size_t onHeader(char* data, std::size_t size, std::size_t count, void* user) {
  auto* c = static_cast<Collector*>(user);
  const std::size_t n = size * count;
  const std::string_view line(data, n);
  if (line.starts_with("HTTP/")) {
    // A new status line (after 100 Continue or a proxy CONNECT): only the last block counts.
    c->response->headers.clear();
    return n;
  }
  const auto colon = line.find(':');
  if (colon != std::string_view::npos) {
    c->response->headers.emplace_back(std::string(trim(line.substr(0, colon))),
                                      std::string(trim(line.substr(colon + 1))));
  }
  return n;
}

Error curlError(CURLcode code, const char* detail, std::string_view url) {
  std::string message = std::string(detail[0] != '\0' ? detail : curl_easy_strerror(code)) + " (" +
                        redactedUrl(url) + ")";
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT: return Error{ErrorCode::Timeout, std::move(message)};
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL: return Error{ErrorCode::InvalidInput, std::move(message)};
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CERTPROBLEM: return Error{ErrorCode::Network, "TLS: " + std::move(message)};
    default: return Error{ErrorCode::Network, std::move(message)};
  }
}

}  // namespace

ProxySettings ProxySettings::fromEnvironment(
    const std::function<std::optional<std::string>(std::string_view)>& lookup) {
  const auto first = [&lookup](std::initializer_list<std::string_view> names) {
    for (auto name : names) {
      if (auto v = lookup(name); v && !v->empty()) {
        return *v;
      }
    }
    return std::string();
  };
  ProxySettings p;
  p.http_proxy = first({"http_proxy", "all_proxy", "ALL_PROXY"});
  p.https_proxy = first({"https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"});
  p.no_proxy = first({"no_proxy", "NO_PROXY"});
  return p;
}

std::string redactedUrl(std::string_view url) {
  const auto cut = url.find_first_of("?#");
  return std::string(url.substr(0, cut));
}

struct CurlTransport::Handle {
  CURL* curl = nullptr;
  explicit Handle(CURL* c) : curl(c) {}
  ~Handle() { curl_easy_cleanup(curl); }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
};

CurlTransport::CurlTransport(CurlOptions options) : options_(std::move(options)) {
  globalInit();
}

CurlTransport::~CurlTransport() = default;

std::unique_ptr<CurlTransport::Handle> CurlTransport::acquire() {
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      auto h = std::move(idle_.back());
      idle_.pop_back();
      return h;
    }
  }
  CURL* curl = curl_easy_init();
  return curl == nullptr ? nullptr : std::make_unique<Handle>(curl);
}

void CurlTransport::release(std::unique_ptr<Handle> handle) {
  std::lock_guard lock(mutex_);
  if (idle_.size() < kMaxIdleHandles) {
    idle_.push_back(std::move(handle));
  }
}

Result<Response> CurlTransport::send(const Request& request) {
  auto handle = acquire();
  if (!handle) {
    return fail(ErrorCode::Internal, "curl_easy_init failed");
  }
  CURL* curl = handle->curl;
  // Reset clears per-request options but keeps the connection cache: keep-alive survives.
  curl_easy_reset(curl);

  Response response;
  Collector collector{&response, options_.max_response_bytes, false};
  char error_buffer[CURL_ERROR_SIZE] = {};

  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_USERAGENT, options_.user_agent.c_str());
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(options_.connect_timeout.count()));
  const auto total = request.timeout.value_or(options_.total_timeout);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(total.count()));
  curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);

  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, options_.insecure_skip_tls_verify ? 0L : 1L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, options_.insecure_skip_tls_verify ? 0L : 2L);
  if (options_.ca_bundle) {
    curl_easy_setopt(curl, CURLOPT_CAINFO, options_.ca_bundle->c_str());
  }

  // An empty proxy string makes curl go direct and stops it reading the environment itself.
  const bool https = startsWithIgnoreCase(request.url, "https://");
  const std::string& proxy = https ? options_.proxy.https_proxy : options_.proxy.http_proxy;
  curl_easy_setopt(curl, CURLOPT_PROXY, proxy.c_str());
  if (!options_.proxy.no_proxy.empty()) {
    curl_easy_setopt(curl, CURLOPT_NOPROXY, options_.proxy.no_proxy.c_str());
  }

  if (request.method == "GET") {
    curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
  } else if (request.method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else {
    if (request.method.empty() ||
        !std::ranges::all_of(request.method, [](char c) { return c >= 'A' && c <= 'Z'; })) {
      return fail(ErrorCode::InvalidInput, "invalid HTTP method '" + request.method + "'");
    }
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.body.size()));
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
    if (request.method != "POST") {
      curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    }
  }

  curl_slist* headers = nullptr;
  bool has_content_type = false;
  for (const auto& [name, value] : request.headers) {
    has_content_type = has_content_type || startsWithIgnoreCase(name, "content-type");
    // "Name;" is curl's way of sending a header with an empty value.
    const std::string line = value.empty() ? name + ";" : name + ": " + value;
    headers = curl_slist_append(headers, line.c_str());
  }
  // No 100-continue round trip, and no Content-Type the caller did not ask for.
  headers = curl_slist_append(headers, "Expect:");
  if (!has_content_type) {
    headers = curl_slist_append(headers, "Content-Type:");
  }
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);

  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, onBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &collector);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, onHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &collector);

  const CURLcode code = curl_easy_perform(curl);
  curl_slist_free_all(headers);
  if (collector.overflow) {
    release(std::move(handle));
    return fail(ErrorCode::Network, "response body larger than " +
                                        std::to_string(options_.max_response_bytes) + " bytes (" +
                                        redactedUrl(request.url) + ")");
  }
  if (code != CURLE_OK) {
    release(std::move(handle));
    return std::unexpected(curlError(code, error_buffer, request.url));
  }
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  response.status = static_cast<int>(status);
  release(std::move(handle));
  return response;
}

}  // namespace trailwall::http
