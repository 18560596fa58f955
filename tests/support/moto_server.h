#pragma once
// moto_server (the AWS emulator on the build machines) as a child process for integration and
// end-to-end tests: started on a free loopback port (it binds port 0 and the helper reads the
// port it reports), ready when /moto-api/ answers, always stopped: by the destructor, and by a
// watchdog child that kills moto's whole process group as soon as the test process is gone,
// even after a crash or SIGKILL.
//
// Signatures are verified by default: moto runs with INITIAL_NO_AUTH_ACTION_COUNT=3, and the
// helper spends those three unauthenticated actions creating an IAM user with an allow-all
// policy (CreateUser, CreateAccessKey, PutUserPolicy). Every later request must be signed with
// adminCredentials(); a request signed with a wrong secret fails.
//
// Usage (gtest): see SuiteMoto below; then
//   aws::StaticCredentialsProvider admin(moto_->adminCredentials());
//   aws::Ec2Client ec2(aws::ClientContext{transport, admin, clock, random, moto_->region()},
//                      moto_->endpoint());
// Link the CMake target `trailwall_test_moto` (defined in tests/integration/aws).

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>

#include "aws/credentials.h"
#include "common/error.h"

namespace trailwall::test {

class MotoServer {
 public:
  struct Options {
    bool verify_signatures = true;
    std::chrono::seconds startup_timeout{60};
    std::string executable = "moto_server";  // looked up on PATH
  };

  // Errors: Unsupported when moto_server is not on PATH (tests may GTEST_SKIP on it), Timeout
  // when it does not become ready, Remote when bootstrapping the IAM user fails.
  [[nodiscard]] static Result<std::unique_ptr<MotoServer>> start(Options options);
  [[nodiscard]] static Result<std::unique_ptr<MotoServer>> start() { return start(Options{}); }

  ~MotoServer();
  MotoServer(const MotoServer&) = delete;
  MotoServer& operator=(const MotoServer&) = delete;

  // http://127.0.0.1:<port>
  [[nodiscard]] const std::string& endpoint() const { return endpoint_; }
  [[nodiscard]] int port() const { return port_; }
  [[nodiscard]] std::string region() const { return "us-east-1"; }
  [[nodiscard]] std::string accountId() const { return "123456789012"; }
  // Keys of the allow-all IAM user (with verify_signatures); anything otherwise.
  [[nodiscard]] const aws::Credentials& adminCredentials() const { return admin_; }
  // moto's own log (requests and tracebacks), for a failing test's output.
  [[nodiscard]] std::string log() const;

  // Forgets every resource (POST /moto-api/reset) and recreates the IAM user: new keys.
  [[nodiscard]] Status reset();
  // Stops the server (SIGTERM to its process group, SIGKILL after 5 s); idempotent.
  void stop();

 private:
  MotoServer() = default;
  [[nodiscard]] Status waitUntilReady(std::chrono::seconds timeout);
  [[nodiscard]] Status bootstrapIam();

  pid_t pid_ = -1;     // the watchdog, leader of moto's process group
  int watch_fd_ = -1;  // closing it (or exiting) tells the watchdog to stop moto
  int port_ = 0;
  std::string endpoint_;
  std::string dir_;  // temporary directory holding the log
  bool verify_signatures_ = true;
  aws::Credentials admin_;
};

// One MotoServer per gtest suite, remembering why it did not start:
//   static inline test::SuiteMoto moto_;
//   static void SetUpTestSuite() { moto_.start(); }
//   static void TearDownTestSuite() { moto_.stop(); }
//   void SetUp() override { ASSERT_TRUE(moto_) << moto_.error(); }
class SuiteMoto {
 public:
  void start(MotoServer::Options options = {}) {
    auto started = MotoServer::start(std::move(options));
    if (started) {
      server_ = std::move(*started);
    } else {
      error_ = "moto_server did not start: " + to_string(started.error());
    }
  }
  void stop() { server_.reset(); }
  void setError(std::string error) { error_ = std::move(error); }
  [[nodiscard]] explicit operator bool() const { return server_ != nullptr && error_.empty(); }
  [[nodiscard]] const std::string& error() const { return error_; }
  [[nodiscard]] MotoServer* operator->() const { return server_.get(); }
  [[nodiscard]] MotoServer& operator*() const { return *server_; }

 private:
  std::unique_ptr<MotoServer> server_;
  std::string error_;
};

}  // namespace trailwall::test
