// panos-sim over real loopback sockets: in process through the test fixture, and the binary.
#include <httplib.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "support/panos_sim_fixture.h"

extern char** environ;

namespace trailwall::panossim::testing {
namespace {

const std::string kAddress =
    "/config/devices/entry[@name='localhost.localdomain']/vsys/entry[@name='vsys1']/address";

class HttpsServer : public PanosSimTest {
 protected:
  void SetUp() override {
    PanosSimTest::SetUp();
    ca_ = std::string(TRAILWALL_BINARY_DIR) + "/panos_sim_test_ca_" + std::to_string(::getpid()) +
          ".pem";
    std::ofstream(ca_) << sim().certificatePem();
  }
  void TearDown() override {
    std::remove(ca_.c_str());
    PanosSimTest::TearDown();
  }
  std::unique_ptr<httplib::SSLClient> client() {
    auto c = std::make_unique<httplib::SSLClient>("127.0.0.1", sim().port());
    c->set_ca_cert_path(ca_.c_str());
    c->enable_server_certificate_verification(true);
    c->set_read_timeout(10, 0);
    return c;
  }
  httplib::Params form(std::initializer_list<std::pair<std::string, std::string>> kv) {
    httplib::Params p;
    for (const auto& [k, v] : kv) {
      p.emplace(k, v);
    }
    return p;
  }

 private:
  std::string ca_;
};

TEST_F(HttpsServer, GetAndFormPostWorkOverVerifiedTls) {
  auto c = client();
  auto keygen = c->Get("/api/?type=keygen&user=admin&password=admin");
  ASSERT_TRUE(keygen) << httplib::to_string(keygen.error());
  EXPECT_EQ(keygen->status, 200);
  EXPECT_EQ(keygen->get_header_value("Content-Type"), "application/xml; charset=UTF-8");
  EXPECT_NE(keygen->body.find(apiKey("admin")), std::string::npos);
  auto set = c->Post("/api/", {{"X-PAN-KEY", apiKey("admin")}},
                     form({{"type", "config"},
                           {"action", "set"},
                           {"xpath", kAddress + "/entry[@name='h1']"},
                           {"element", "<ip-netmask>192.0.2.1</ip-netmask>"}}));
  ASSERT_TRUE(set);
  EXPECT_EQ(set->body,
            "<response status=\"success\" code=\"20\"><msg>command succeeded</msg></response>");
  auto bad = c->Get(
      "/api/?type=op&cmd=%3Cshow%3E%3Csystem%3E%3Cinfo%2F%3E%3C%2Fsystem%3E%3C%2Fshow%3E&key=nope");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 403);
  EXPECT_EQ(bad->reason, "Invalid Credential");  // the device's status line, over TLS too
  EXPECT_EQ(counters().requests, 3U);
  EXPECT_EQ(counters().by_action["config/set"], 1U);
}

TEST_F(HttpsServer, LargeMultiConfigBodiesAreAccepted) {
  std::string element = "<multi-config>";
  for (int i = 0; i < 300; ++i) {
    element += "<set id=\"" + std::to_string(i) + "\" xpath=\"" + kAddress + "/entry[@name='bulk-" +
               std::to_string(i) + "']\"><ip-netmask>10.9." + std::to_string(i / 250) + "." +
               std::to_string(i % 250) + "</ip-netmask></set>";
  }
  element += "</multi-config>";
  ASSERT_GT(element.size(), 30000U);
  auto r =
      client()->Post("/api/", {{"X-PAN-KEY", apiKey()}},
                     form({{"type", "config"}, {"action", "multi-config"}, {"element", element}}));
  ASSERT_TRUE(r);
  EXPECT_NE(r->body.find("<response status=\"success\" code=\"20\">"), std::string::npos)
      << r->body.substr(0, 300);
}

TEST_F(HttpsServer, ManyConcurrentClientsAreSafe) {
  constexpr int kThreads = 8;
  constexpr int kEach = 25;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto c = client();
      for (int i = 0; i < kEach; ++i) {
        const std::string name = "c-" + std::to_string(t) + "-" + std::to_string(i);
        auto r = c->Post("/api/", {{"X-PAN-KEY", apiKey(t % 2 == 0 ? "admin" : "operator")}},
                         form({{"type", "config"},
                               {"action", "set"},
                               {"xpath", kAddress + "/entry[@name='" + name + "']"},
                               {"element", "<ip-netmask>10.8." + std::to_string(t) + "." +
                                               std::to_string(i) + "</ip-netmask>"}}));
        ok += (r && r->body.find("code=\"20\"") != std::string::npos) ? 1 : 0;
      }
    });
  }
  for (std::thread& th : threads) {
    th.join();
  }
  EXPECT_EQ(ok.load(), kThreads * kEach);
  const std::string candidate = simulator().candidateConfigXml();
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_NE(candidate.find("c-" + std::to_string(t) + "-" + std::to_string(kEach - 1)),
              std::string::npos);
  }
}

TEST_F(HttpsServer, DroppedConnectionsAndHttpErrorsReachTheClient) {
  Faults drop;
  drop.drop_rate = 1.0;
  setFaults(drop);
  auto c = client();
  auto dropped = c->Get("/api/?type=version&key=" + httplib::detail::encode_query_param(apiKey()));
  EXPECT_FALSE(dropped && dropped->status == 200 && !dropped->body.empty());
  Faults http;
  http.http_error_rate = 1.0;
  setFaults(http);
  auto error = client()->Get("/api/?type=version");
  ASSERT_TRUE(error);
  EXPECT_EQ(error->status, 503);
  EXPECT_EQ(counters().faults_dropped, 1U);
  EXPECT_EQ(counters().faults_http_error, 1U);
}

TEST_F(HttpsServer, ControlEndpointServesCountersAndFaults) {
  auto c = client();
  auto put = c->Put("/sim/faults", R"({"latency_ms": 1})", "application/json");
  ASSERT_TRUE(put);
  EXPECT_EQ(put->status, 200);
  EXPECT_EQ(simulator().faults().latency, std::chrono::milliseconds(1));
  c->Get("/api/?type=keygen&user=admin&password=admin");
  auto counters = c->Get("/sim/counters");
  ASSERT_TRUE(counters);
  EXPECT_NE(counters->body.find("\"keygen\":1"), std::string::npos) << counters->body;
}

class PlainHttpServer : public PanosSimTest {
 protected:
  void configure(ServerOptions& options) override { options.tls = false; }
};

TEST_F(PlainHttpServer, ServesHttpWhenAsked) {
  EXPECT_TRUE(baseUrl().starts_with("http://127.0.0.1:"));
  httplib::Client c("127.0.0.1", sim().port());
  auto r = c.Get("/api/?type=keygen&user=admin&password=wrong");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);
  EXPECT_EQ(r->body.size(), 97U);
}

// The binary, as people and the demo run it.
class Child {
 public:
  explicit Child(std::vector<std::string> args) {
    int fds[2];
    if (::pipe(fds) != 0) {
      return;
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
    posix_spawn_file_actions_addclose(&actions, fds[0]);
    std::vector<char*> argv;
    for (std::string& a : args) {
      argv.push_back(a.data());
    }
    argv.push_back(nullptr);
    if (posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ) != 0) {
      pid_ = -1;
    }
    posix_spawn_file_actions_destroy(&actions);
    ::close(fds[1]);
    out_ = ::fdopen(fds[0], "r");
  }
  ~Child() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
    if (out_ != nullptr) {
      std::fclose(out_);
    }
  }
  std::string firstLine() {
    char buf[256] = {};
    return out_ != nullptr && std::fgets(buf, sizeof buf, out_) != nullptr ? buf : "";
  }
  [[nodiscard]] pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  std::FILE* out_ = nullptr;
};

TEST(PanosSimBinary, PrintsWhereItListensFirstAndServes) {
  Child child({std::string(TRAILWALL_BINARY_DIR) + "/tools/panos-sim/panos-sim", "--port", "0",
               "--http", "--quiet", "--commit-ms", "0"});
  ASSERT_GT(child.pid(), 0);
  const std::string line = child.firstLine();
  // Exactly "listening on http://127.0.0.1:<port>\n" (std::regex trips g++ 12 under ASan).
  const std::string prefix = "listening on http://127.0.0.1:";
  ASSERT_TRUE(line.starts_with(prefix) && line.ends_with("\n")) << line;
  const std::string digits = line.substr(prefix.size(), line.size() - prefix.size() - 1);
  ASSERT_FALSE(digits.empty());
  ASSERT_EQ(digits.find_first_not_of("0123456789"), std::string::npos) << line;
  httplib::Client c("127.0.0.1", std::stoi(digits));
  auto r = c.Get("/api/?type=keygen&user=admin&password=admin");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_NE(r->body.find("<key>LUFRPT"), std::string::npos);
}

TEST(PanosSimBinary, SeveralDevicesPrintOneLineEachThenReady) {
  Child child({std::string(TRAILWALL_BINARY_DIR) + "/tools/panos-sim/panos-sim", "--port", "0",
               "--http", "--quiet", "--commit-ms", "0", "--firewalls", "2", "--device-group",
               "dg1=fw1,fw2"});
  ASSERT_GT(child.pid(), 0);
  const std::string first = child.firstLine();
  const std::string second = child.firstLine();
  const std::string third = child.firstLine();
  EXPECT_EQ(child.firstLine(), "ready\n");
  EXPECT_TRUE(third.ends_with(" panorama panorama 007000016275\n")) << third;
  // "listening on http://127.0.0.1:PORT NAME KIND SERIAL"
  ASSERT_TRUE(first.starts_with("listening on http://127.0.0.1:")) << first;
  EXPECT_TRUE(first.ends_with(" fw1 firewall 007000016273\n")) << first;
  EXPECT_TRUE(second.ends_with(" fw2 firewall 007000016274\n")) << second;
  const std::size_t colon = second.find(':', 20);
  const int port = std::stoi(second.substr(colon + 1));
  httplib::Client c("127.0.0.1", port);
  c.set_basic_auth("admin", "admin");
  auto r =
      c.Get("/api/?type=op&cmd=%3Cshow%3E%3Csystem%3E%3Cinfo%2F%3E%3C%2Fsystem%3E%3C%2Fshow%3E");
  ASSERT_TRUE(r);
  EXPECT_NE(r->body.find("<serial>007000016274</serial>"), std::string::npos) << r->body;
}

TEST(PanosSimBinary, HelpDescribesTheOptions) {
  Child child({std::string(TRAILWALL_BINARY_DIR) + "/tools/panos-sim/panos-sim", "--help"});
  std::string all;
  for (std::string l = child.firstLine(); !l.empty(); l = child.firstLine()) {
    all += l;
  }
  for (const char* option :
       {"--port", "--http", "--config", "--state-file", "--commit-ms", "--api-error", "--drop-rate",
        "--fail-commits", "--firewalls", "--ha", "--device-group"}) {
    EXPECT_NE(all.find(option), std::string::npos) << option;
  }
}

// ---- the fault matrix's transport faults, over the wire (faults set as the client helpers
// set them: JSON to the control endpoint) ----

class FaultsOverHttp : public PanosSimTest {
 protected:
  void configure(ServerOptions& options) override {
    options.tls = false;
    options.simulator.commit_duration = std::chrono::seconds(10);
  }
  std::unique_ptr<httplib::Client> client(int read_timeout_ms = 10000) {
    auto c = std::make_unique<httplib::Client>("127.0.0.1", sim().port());
    c->set_read_timeout(std::chrono::milliseconds(read_timeout_ms));
    return c;
  }
  void putFaults(const std::string& json) {
    auto r = client()->Put("/sim/faults", json, "application/json");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << r->body;
  }
  httplib::Result api(httplib::Client& c, const httplib::Params& params) {
    return c.Post("/api/", {{"X-PAN-KEY", apiKey()}}, params);
  }
  httplib::Result op(httplib::Client& c, const std::string& cmd) {
    return api(c, {{"type", "op"}, {"cmd", cmd}});
  }
  void setAddress(const std::string& name) {
    auto c = client();
    auto r = api(*c, {{"type", "config"},
                      {"action", "set"},
                      {"xpath", kAddress + "/entry[@name='" + name + "']"},
                      {"element", "<ip-netmask>192.0.2.1</ip-netmask>"}});
    ASSERT_TRUE(r);
    ASSERT_NE(r->body.find("code=\"20\""), std::string::npos) << r->body;
  }
};

TEST_F(FaultsOverHttp, ACommitWhoseAnswerIsLostIsFoundInShowJobsAll) {
  putFaults(R"({"drops": [{"type": "commit", "remaining": 1}]})");
  setAddress("h1");
  auto c = client();
  auto lost =
      api(*c, {{"type", "commit"}, {"cmd", "<commit><description>run r-9</description></commit>"}});
  EXPECT_FALSE(lost) << "the client got an answer: " << lost->status << " " << lost->body;
  auto jobs = op(*client(), "<show><jobs><all/></jobs></show>");
  ASSERT_TRUE(jobs);
  EXPECT_NE(jobs->body.find("<user>admin</user><type>Commit</type>"), std::string::npos)
      << jobs->body;
  EXPECT_NE(jobs->body.find("<description>run r-9</description>"), std::string::npos);
  EXPECT_EQ(counters().commits_enqueued, 1U);
  EXPECT_EQ(counters().faults_dropped, 1U);
}

TEST_F(FaultsOverHttp, AHungRequestIsNeverAnsweredUntilTheFaultsChange) {
  putFaults(R"({"hangs": [{"type": "op", "action": "show jobs"}]})");
  // A client with a short read timeout gives up on it.
  auto impatient = client(300);
  EXPECT_FALSE(op(*impatient, "<show><jobs><all/></jobs></show>"));
  // One that waits is cut off, without an answer, once the faults change.
  std::atomic<bool> answered{true};
  std::thread waiting([&] {
    auto patient = client(20000);
    answered = static_cast<bool>(op(*patient, "<show><jobs><all/></jobs></show>"));
  });
  for (int i = 0; i < 200 && counters().faults_hung < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  // Other requests are answered meanwhile.
  auto clock = op(*client(), "<show><clock/></show>");
  ASSERT_TRUE(clock);
  EXPECT_EQ(clock->status, 200);
  const auto released = std::chrono::steady_clock::now();
  ASSERT_TRUE(client()->Delete("/sim/faults"));
  waiting.join();
  EXPECT_FALSE(answered.load());
  EXPECT_LT(std::chrono::steady_clock::now() - released, std::chrono::seconds(5));
  EXPECT_EQ(counters().faults_hung, 2U);
  EXPECT_EQ(counters().by_action["op/show jobs"], 2U);
}

TEST_F(FaultsOverHttp, StoppingTheServerEndsAHungRequest) {
  putFaults(R"({"hangs": [{"type": "config"}]})");
  std::thread waiting([&] {
    auto c = client(20000);
    (void)api(*c, {{"type", "config"}, {"action", "get"}, {"xpath", kAddress}});
  });
  for (int i = 0; i < 200 && counters().faults_hung < 1; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  const auto t0 = std::chrono::steady_clock::now();
  sim().stop();
  waiting.join();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
}

TEST_F(FaultsOverHttp, OnlyMatchingRequestsAreSlow) {
  putFaults(R"({"slow": [{"type": "commit", "latency_ms": 600}]})");
  setAddress("h1");
  auto c = client();
  auto t0 = std::chrono::steady_clock::now();
  auto fast = api(*c, {{"type", "config"}, {"action", "get"}, {"xpath", kAddress}});
  const auto fast_took = std::chrono::steady_clock::now() - t0;
  ASSERT_TRUE(fast);
  t0 = std::chrono::steady_clock::now();
  auto slow = api(*c, {{"type", "commit"}, {"cmd", "<commit></commit>"}});
  const auto slow_took = std::chrono::steady_clock::now() - t0;
  ASSERT_TRUE(slow);
  EXPECT_NE(slow->body.find("enqueued"), std::string::npos) << slow->body;
  EXPECT_GE(slow_took, std::chrono::milliseconds(600));
  EXPECT_LT(fast_took, std::chrono::milliseconds(500));
}

TEST_F(FaultsOverHttp, AHalfSecondCommitIsSeenDoneByTheFirstQuarterSecondPollAfterIt) {
  putFaults(R"({"commit_ms": 500})");
  setAddress("h1");
  auto c = client();
  const auto asked = std::chrono::steady_clock::now();  // the job is enqueued after this
  auto r = api(*c, {{"type", "commit"}, {"cmd", "<commit></commit>"}});
  const auto answered = std::chrono::steady_clock::now();  // and before this
  ASSERT_TRUE(r);
  const std::size_t at = r->body.find("<job>");
  ASSERT_NE(at, std::string::npos) << r->body;
  const std::string id = r->body.substr(at + 5, r->body.find("</job>") - at - 5);
  bool done = false;
  for (int poll = 1; poll <= 8 && !done; ++poll) {
    std::this_thread::sleep_until(answered + poll * std::chrono::milliseconds(250));
    const auto sent = std::chrono::steady_clock::now();
    auto job = op(*c, "<show><jobs><id>" + id + "</id></jobs></show>");
    const auto received = std::chrono::steady_clock::now();
    ASSERT_TRUE(job);
    done = job->body.find("<status>FIN</status>") != std::string::npos;
    // A poll sent 0.5 s or more after the job was enqueued sees FIN; one answered sooner does
    // not.
    if (sent - answered >= std::chrono::milliseconds(500)) {
      EXPECT_TRUE(done) << "poll " << poll << " at " << (sent - answered).count() << " ns";
    }
    if (received - asked < std::chrono::milliseconds(500)) {
      EXPECT_FALSE(done) << "poll " << poll;
    }
  }
  EXPECT_TRUE(done);
}

}  // namespace
}  // namespace trailwall::panossim::testing
