#pragma once
// The faulty-AWS proxy (tools/demo/scenario/faulty_aws.py) as a child process in front of a
// moto_server: clients pointed at endpoint() reach moto through it, and rules make it answer
// with 5xx or the service's real throttling errors, drop the connection, answer slowly or never
// (see the script for the rule format). It dies with the test process (PR_SET_PDEATHSIG) and
// is stopped by the destructor. Link trailwall_test_moto.

#include <sys/types.h>

#include <memory>
#include <string>

#include "common/error.h"
#include "http/socket_transport.h"

namespace trailwall::test {

class FaultyAws {
 public:
  // Errors: Unsupported without python3, Timeout when it does not report its port in 30 s.
  [[nodiscard]] static Result<std::unique_ptr<FaultyAws>> start(const std::string& upstream);
  ~FaultyAws();
  FaultyAws(const FaultyAws&) = delete;
  FaultyAws& operator=(const FaultyAws&) = delete;

  // http://127.0.0.1:<port>
  [[nodiscard]] const std::string& endpoint() const { return endpoint_; }
  // PUT /__faulty/rules with a JSON array of rules; "[]" forwards everything.
  [[nodiscard]] Status setRules(const std::string& rules_json);
  // How many requests reached it for "<service>:<action>" (e.g. "ec2:DescribeVpcs"), and how
  // many it forwarded to moto in all.
  [[nodiscard]] Result<int> requests(const std::string& target);
  [[nodiscard]] Result<int> forwarded();
  [[nodiscard]] Status resetCounters();

 private:
  FaultyAws() = default;
  [[nodiscard]] Result<std::string> control(const std::string& method, const std::string& path,
                                            const std::string& body = "");

  pid_t pid_ = -1;
  std::string endpoint_;
  http::SocketTransport transport_;
};

}  // namespace trailwall::test
