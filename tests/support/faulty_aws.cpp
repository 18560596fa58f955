#include "support/faulty_aws.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <thread>
#include <vector>

namespace trailwall::test {

namespace {

using namespace std::chrono_literals;

std::string scriptPath() {
  return (std::filesystem::path(TRAILWALL_TEST_DATA_DIR).parent_path().parent_path() / "tools" /
          "demo" / "scenario" / "faulty_aws.py")
      .string();
}

}  // namespace

Result<std::unique_ptr<FaultyAws>> FaultyAws::start(const std::string& upstream) {
  const std::string script = scriptPath();
  if (!std::filesystem::exists(script)) {
    return fail(ErrorCode::Unsupported, "no faulty-AWS script at " + script);
  }
  std::vector<std::string> args = {"python3", script, "--upstream", upstream};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) return fail(ErrorCode::Io, "pipe failed");
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) return fail(ErrorCode::Io, "fork failed");
  if (pid == 0) {
    // Only async-signal-safe calls from here on.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(1);
    ::dup2(out[1], STDOUT_FILENO);
    ::execvp("python3", argv.data());
    ::_exit(127);
  }
  ::close(out[1]);
  std::unique_ptr<FaultyAws> shim(new FaultyAws());
  shim->pid_ = pid;
  // "faulty-aws listening on http://127.0.0.1:PORT\n"
  std::string line;
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (line.find('\n') == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    struct pollfd p {
      out[0], POLLIN, 0
    };
    if (::poll(&p, 1, 100) <= 0) continue;
    char buffer[256];
    const auto n = ::read(out[0], buffer, sizeof buffer);
    if (n <= 0) break;
    line.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(out[0]);
  const auto at = line.find("http://");
  if (at == std::string::npos) {
    return fail(ErrorCode::Timeout, "the faulty-AWS proxy did not report its address: " + line);
  }
  shim->endpoint_ = line.substr(at, line.find('\n', at) - at);
  return shim;
}

FaultyAws::~FaultyAws() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  int status = 0;
  for (int i = 0; i < 100 && ::waitpid(pid_, &status, WNOHANG) == 0; ++i) {
    std::this_thread::sleep_for(20ms);
  }
  if (::waitpid(pid_, &status, WNOHANG) == 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, &status, 0);
  }
}

Result<std::string> FaultyAws::control(const std::string& method, const std::string& path,
                                       const std::string& body) {
  auto r = transport_.send(
      http::Request{method, endpoint_ + path, {{"Content-Type", "application/json"}}, body, 10s});
  if (!r) return std::unexpected(r.error());
  if (r->status != 200) {
    return fail(ErrorCode::Remote,
                "faulty-AWS " + path + ": HTTP " + std::to_string(r->status) + " " + r->body);
  }
  return std::move(r->body);
}

Status FaultyAws::setRules(const std::string& rules_json) {
  auto r = control("PUT", "/__faulty/rules", rules_json);
  if (!r) return std::unexpected(r.error());
  return {};
}

Status FaultyAws::resetCounters() {
  auto r = control("POST", "/__faulty/counters/reset");
  if (!r) return std::unexpected(r.error());
  return {};
}

Result<int> FaultyAws::requests(const std::string& target) {
  auto r = control("GET", "/__faulty/counters");
  if (!r) return std::unexpected(r.error());
  const auto json = nlohmann::json::parse(*r, nullptr, false);
  const auto& by_target = json.value("by_target", nlohmann::json::object());
  return by_target.value(target, 0);
}

Result<int> FaultyAws::forwarded() {
  auto r = control("GET", "/__faulty/counters");
  if (!r) return std::unexpected(r.error());
  return nlohmann::json::parse(*r, nullptr, false).value("forwarded", 0);
}

}  // namespace trailwall::test
