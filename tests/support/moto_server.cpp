#include "support/moto_server.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <pugixml.hpp>

#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "aws/retry.h"
#include "aws/service_client.h"
#include "common/clock.h"
#include "http/socket_transport.h"
#include "http/url.h"

namespace trailwall::test {

namespace {

using namespace std::chrono_literals;

constexpr int kBootstrapActions = 3;
constexpr aws::ServiceInfo kIam{"IAM", "iam", "iam", "iam", "IAM"};
constexpr const char* kUser = "trailwall-test-admin";

bool onPath(const std::string& name) {
  if (name.find('/') != std::string::npos) {
    return ::access(name.c_str(), X_OK) == 0;
  }
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path != nullptr ? path : "");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    if (!dir.empty() && ::access((dir + "/" + name).c_str(), X_OK) == 0) {
      return true;
    }
  }
  return false;
}

std::string readAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

Result<std::unique_ptr<MotoServer>> MotoServer::start(Options options) {
  if (!onPath(options.executable)) {
    return fail(ErrorCode::Unsupported, options.executable + " is not on PATH");
  }
  std::unique_ptr<MotoServer> server(new MotoServer());
  server->verify_signatures_ = options.verify_signatures;
  char dir_template[] = "/tmp/trailwall-moto-XXXXXX";
  if (::mkdtemp(dir_template) == nullptr) {
    return fail(ErrorCode::Io, "cannot create a temporary directory for moto_server");
  }
  server->dir_ = dir_template;
  const std::string log_path = server->dir_ + "/moto.log";
  const std::string dir_path = server->dir_;
  // Everything the child needs is prepared here: after fork() it only makes system calls.
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string_view entry(*e);
    if (!entry.starts_with("INITIAL_NO_AUTH_ACTION_COUNT=") &&
        !entry.starts_with("PYTHONUNBUFFERED=")) {
      env_strings.emplace_back(entry);
    }
  }
  if (options.verify_signatures) {
    env_strings.push_back("INITIAL_NO_AUTH_ACTION_COUNT=" + std::to_string(kBootstrapActions));
  }
  env_strings.emplace_back("PYTHONUNBUFFERED=1");
  std::vector<char*> envp;
  for (auto& e : env_strings) {
    envp.push_back(e.data());
  }
  envp.push_back(nullptr);
  std::string executable = options.executable;
  std::vector<std::string> arg_strings = {executable, "-H", "127.0.0.1", "-p", "0"};
  std::vector<char*> argv;
  for (auto& a : arg_strings) {
    argv.push_back(a.data());
  }
  argv.push_back(nullptr);
  // The child is a watchdog that leads its own process group: it starts moto_server (which
  // may start more processes: the pyenv shim runs python as a child) and, when the pipe from
  // this process reaches end of file — stop(), or this process dying in any way — kills the
  // whole group. So moto never outlives the test.
  int watch[2];
  if (::pipe2(watch, O_CLOEXEC) != 0) {
    return fail(ErrorCode::Io, "pipe failed");
  }
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(watch[0]);
    ::close(watch[1]);
    return fail(ErrorCode::Io, "fork failed");
  }
  if (pid == 0) {
    // Only async-signal-safe calls from here on.
    ::setpgid(0, 0);
    ::close(watch[1]);
    const pid_t moto = ::fork();
    if (moto == 0) {
      ::close(watch[0]);
      const int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
      if (fd >= 0) {
        ::dup2(fd, STDOUT_FILENO);
        ::dup2(fd, STDERR_FILENO);
      }
      ::execvpe(executable.c_str(), argv.data(), envp.data());
      ::_exit(127);
    }
    struct pollfd wait_for {
      watch[0], POLLIN, 0
    };
    int status = 0;
    for (;;) {
      if (::poll(&wait_for, 1, 200) != 0) {
        break;  // end of file (or error): the test process is done with moto
      }
      if (moto < 0 || ::waitpid(moto, &status, WNOHANG) == moto) {
        ::_exit(1);  // moto ended by itself; the test sees it through waitpid on us
      }
    }
    ::signal(SIGTERM, SIG_IGN);
    ::kill(0, SIGTERM);
    for (int i = 0; i < 50 && ::waitpid(moto, &status, WNOHANG) == 0; ++i) {
      const struct timespec tick { 0, 100'000'000 };
      ::nanosleep(&tick, nullptr);
    }
    // The temporary directory goes too (a test that was killed cannot remove it itself).
    ::unlink(log_path.c_str());
    ::rmdir(dir_path.c_str());
    ::kill(0, SIGKILL);  // whatever is left, this watchdog included
    ::_exit(0);
  }
  ::close(watch[0]);
  server->watch_fd_ = watch[1];
  server->pid_ = pid;
  if (auto ready = server->waitUntilReady(options.startup_timeout); !ready) {
    return std::unexpected(ready.error().withContext("moto_server log:\n" + server->log()));
  }
  if (options.verify_signatures) {
    if (auto iam = server->bootstrapIam(); !iam) {
      return std::unexpected(iam.error());
    }
  } else {
    server->admin_ = aws::Credentials{"AKIDTRAILWALLTEST", "unverified", "", {}, "moto"};
  }
  return server;
}

MotoServer::~MotoServer() {
  stop();
  if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

std::string MotoServer::log() const {
  return dir_.empty() ? "" : readAll(dir_ + "/moto.log");
}

void MotoServer::stop() {
  if (watch_fd_ >= 0) {
    ::close(watch_fd_);  // the watchdog stops moto's process group
    watch_fd_ = -1;
  }
  if (pid_ <= 0) {
    return;
  }
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  int status = 0;
  while (::waitpid(pid_, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(-pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
      break;
    }
    std::this_thread::sleep_for(20ms);
  }
  pid_ = -1;
}

Status MotoServer::waitUntilReady(std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  constexpr std::string_view kRunning = "Running on http://127.0.0.1:";
  http::SocketTransport transport;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return fail(ErrorCode::Remote, "moto_server exited during startup");
    }
    if (port_ == 0) {
      const std::string text = log();
      if (const auto at = text.find(kRunning); at != std::string::npos) {
        const char* digits = text.data() + at + kRunning.size();
        int port = 0;
        const auto [end, ec] = std::from_chars(digits, text.data() + text.size(), port);
        if (ec == std::errc() && port > 0) {
          port_ = port;
          endpoint_ = "http://127.0.0.1:" + std::to_string(port_);
        }
      }
    }
    if (port_ != 0) {
      auto r = transport.send(http::Request{"GET", endpoint_ + "/moto-api/", {}, "", 2s});
      if (r && r->status == 200) {
        return {};
      }
    }
    std::this_thread::sleep_for(50ms);
  }
  return fail(ErrorCode::Timeout,
              "moto_server did not become ready in " + std::to_string(timeout.count()) + " s");
}

Status MotoServer::bootstrapIam() {
  http::SocketTransport transport;
  // While moto does not check auth, any signature passes; these keys are never used again.
  aws::StaticCredentialsProvider bootstrap(
      aws::Credentials{"AKIDBOOTSTRAP", "bootstrap", "", {}, "bootstrap"});
  SystemClock clock;
  aws::FakeRandom random;
  aws::ServiceClient iam(aws::ClientContext{transport, bootstrap, clock, random, region(),
                                            aws::RetryPolicy{1, 0ms, 0ms}},
                         kIam, endpoint_);
  const auto call =
      [&iam](const std::string& action,
             std::vector<std::pair<std::string, std::string>> params) -> Result<http::Response> {
    params.insert(params.begin(), {{"Action", action}, {"Version", "2010-05-08"}});
    return iam.call(http::Request{"POST",
                                  "/",
                                  {{"Content-Type", "application/x-www-form-urlencoded"}},
                                  http::formEncode(params),
                                  {}},
                    action);
  };
  if (auto r = call("CreateUser", {{"UserName", kUser}}); !r) {
    return std::unexpected(r.error());
  }
  auto key = call("CreateAccessKey", {{"UserName", kUser}});
  if (!key) {
    return std::unexpected(key.error());
  }
  pugi::xml_document doc;
  doc.load_buffer(key->body.data(), key->body.size());
  const auto access_key =
      doc.child("CreateAccessKeyResponse").child("CreateAccessKeyResult").child("AccessKey");
  admin_ = aws::Credentials{access_key.child_value("AccessKeyId"),
                            access_key.child_value("SecretAccessKey"),
                            "",
                            {},
                            "moto IAM user"};
  if (admin_.access_key_id.empty() || admin_.secret_access_key.empty()) {
    return fail(ErrorCode::Remote, "moto CreateAccessKey returned no key");
  }
  const std::string policy =
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]})";
  if (auto r = call("PutUserPolicy",
                    {{"UserName", kUser}, {"PolicyName", "allow-all"}, {"PolicyDocument", policy}});
      !r) {
    return std::unexpected(r.error());
  }
  return {};
}

Status MotoServer::reset() {
  http::SocketTransport transport;
  auto r = transport.send(http::Request{"POST", endpoint_ + "/moto-api/reset", {}, "", 30s});
  if (!r || r->status != 200) {
    return fail(ErrorCode::Remote, "moto reset failed");
  }
  if (!verify_signatures_) {
    return {};
  }
  // Reopen the unauthenticated window for exactly the bootstrap actions.
  r = transport.send(http::Request{
      "POST", endpoint_ + "/moto-api/reset-auth", {}, std::to_string(kBootstrapActions), 30s});
  if (!r || r->status != 200) {
    return fail(ErrorCode::Remote, "moto reset-auth failed");
  }
  return bootstrapIam();
}

}  // namespace trailwall::test
