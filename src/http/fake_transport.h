#pragma once
// A hand-written HttpTransport for unit tests. Every request is recorded. Answers come from,
// in order: the scripted queue (enqueue / enqueueError, consumed first in, first out), else
// the handler (a stateful fake of a remote service written by the test), else a 599 response
// "no scripted response" so a test that forgot a response fails loudly instead of hanging.
// Requests from several threads are answered one at a time (the handler needs no lock).

#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "http/transport.h"

namespace trailwall::http {

class FakeTransport final : public HttpTransport {
 public:
  using Handler = std::function<Result<Response>(const Request&)>;

  FakeTransport() = default;
  explicit FakeTransport(Handler handler) : handler_(std::move(handler)) {}

  // Scripts the next answer: a response...
  FakeTransport& enqueue(Response response) {
    script_.emplace_back(std::move(response));
    return *this;
  }
  FakeTransport& enqueue(int status, std::string body, Headers headers = {}) {
    return enqueue(Response{status, std::move(headers), std::move(body)});
  }
  // ...or a transport failure (connect refused, TLS, timeout).
  FakeTransport& enqueueError(Error error) {
    script_.emplace_back(std::move(error));
    return *this;
  }
  // Answers every request the script does not cover.
  void setHandler(Handler handler) { handler_ = std::move(handler); }

  [[nodiscard]] Result<Response> send(const Request& request) override {
    const std::lock_guard lock(mutex_);
    requests_.push_back(request);
    if (!script_.empty()) {
      auto next = std::move(script_.front());
      script_.pop_front();
      if (auto* error = std::get_if<Error>(&next)) {
        return std::unexpected(std::move(*error));
      }
      return std::get<Response>(std::move(next));
    }
    if (handler_) {
      return handler_(request);
    }
    return Response{
        599, {}, "FakeTransport: no scripted response for " + request.method + " " + request.url};
  }

  [[nodiscard]] const std::vector<Request>& requests() const { return requests_; }
  [[nodiscard]] const Request& lastRequest() const { return requests_.back(); }
  [[nodiscard]] std::size_t requestCount() const { return requests_.size(); }
  [[nodiscard]] std::size_t pendingResponses() const { return script_.size(); }
  void clearRequests() { requests_.clear(); }

 private:
  std::mutex mutex_;
  std::deque<std::variant<Response, Error>> script_;
  std::vector<Request> requests_;
  Handler handler_;
};

}  // namespace trailwall::http
