#pragma once
// panos-sim in process for gtest: a free loopback port, HTTPS with a self-signed certificate
// (or plain HTTP), commit jobs that finish at once unless told otherwise, always stopped.
//
//   class MyTest : public trailwall::panossim::testing::PanosSimTest {};
//   TEST_F(MyTest, Works) {
//     std::string url = apiUrl();                 // "https://127.0.0.1:PORT/api/"
//     std::string key = apiKey("admin");          // what keygen answers for admin/admin
//     ... client requests ...
//     EXPECT_EQ(counters().commits_enqueued, 1U);
//     setFaults({.fail_commits = 1});            // or simulator().setFaults(...)
//   }
//
// Override configure() to change options (plain HTTP, commit duration, initial config, …).
// ScopedPanosSim does the same without a fixture class.

#include <chrono>
#include <memory>
#include <string>
#include <utility>

#include <gtest/gtest.h>

#include "server.h"

namespace trailwall::panossim::testing {

// The xpath of the firewall's vsys1, where its rules and objects live.
inline const std::string kVsys =
    "/config/devices/entry[@name='localhost.localdomain']/vsys/entry[@name='vsys1']";

// Options tests usually want: any free port, HTTPS self-signed, instant commits, quiet.
inline ServerOptions defaultTestOptions() {
  ServerOptions options;
  options.port = 0;
  options.threads = 8;
  options.simulator.commit_duration = std::chrono::milliseconds(0);
  options.simulator.seed = 1;
  return options;
}

class ScopedPanosSim {
 public:
  explicit ScopedPanosSim(ServerOptions options = defaultTestOptions())
      : server_(std::make_unique<Server>(std::move(options))) {}
  ~ScopedPanosSim() { server_->stop(); }
  ScopedPanosSim(const ScopedPanosSim&) = delete;
  ScopedPanosSim& operator=(const ScopedPanosSim&) = delete;

  [[nodiscard]] Status start() { return server_->start(); }
  void stop() { server_->stop(); }
  [[nodiscard]] Server& server() { return *server_; }
  [[nodiscard]] Simulator& simulator() { return server_->simulator(); }
  [[nodiscard]] std::string baseUrl() const { return server_->baseUrl(); }
  [[nodiscard]] std::string apiUrl() const { return server_->baseUrl() + "/api/"; }
  [[nodiscard]] std::uint16_t port() const { return server_->port(); }
  [[nodiscard]] const std::string& certificatePem() const { return server_->certificatePem(); }
  // The key type=keygen gives this administrator (default configuration: admin, operator).
  [[nodiscard]] std::string apiKey(std::string_view admin = "admin") {
    auto key = server_->simulator().apiKeyFor(admin);
    return key ? *key : std::string();
  }
  [[nodiscard]] Counters counters() { return server_->simulator().counters(); }
  void setFaults(Faults faults) { server_->simulator().setFaults(std::move(faults)); }

 private:
  std::unique_ptr<Server> server_;
};

class PanosSimTest : public ::testing::Test {
 protected:
  virtual void configure(ServerOptions& /*options*/) {}

  void SetUp() override {
    ServerOptions options = defaultTestOptions();
    configure(options);
    sim_ = std::make_unique<ScopedPanosSim>(std::move(options));
    const Status started = sim_->start();
    ASSERT_TRUE(started.has_value())
        << "panos-sim did not start: " << (started ? "" : to_string(started.error()));
  }
  void TearDown() override { sim_.reset(); }

  [[nodiscard]] ScopedPanosSim& sim() { return *sim_; }
  [[nodiscard]] Simulator& simulator() { return sim_->simulator(); }
  [[nodiscard]] std::string baseUrl() const { return sim_->baseUrl(); }
  [[nodiscard]] std::string apiUrl() const { return sim_->apiUrl(); }
  [[nodiscard]] std::string apiKey(std::string_view admin = "admin") { return sim_->apiKey(admin); }
  [[nodiscard]] Counters counters() { return sim_->counters(); }
  void setFaults(Faults faults) { sim_->setFaults(std::move(faults)); }

 private:
  std::unique_ptr<ScopedPanosSim> sim_;
};

}  // namespace trailwall::panossim::testing
