// Cold start, measured from outside: exec → the first network request of a trailwall command.
//
// Listens on a free loopback port, exports its address to the child through one environment
// variable (`--env NAME=VALUE`, `{port}` replaced), starts the command, and records for each run
// the time from just before posix_spawn to (a) the first accepted connection and (b) the first
// byte the child sends on it (the request line over HTTP, the TLS ClientHello over HTTPS: by then
// the child has built everything it needs to talk). At (b) the child waits for an answer that
// never comes, so its /proc status then is its state at the first request: resident set (VmRSS)
// and the shared objects mapped. The child is then killed. Prints one line per run and medians.
//
//   cold_start_bench [--runs N] [--env NAME=VALUE]... -- COMMAND [ARGS...]
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

extern char** environ;

namespace {

using Clock = std::chrono::steady_clock;

struct Sample {
  double accept_ms = -1;
  double first_byte_ms = -1;
  long rss_kb = -1;
  std::size_t shared_objects = 0;
};

long statusField(int pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with(field + ":")) {
      return std::strtol(line.c_str() + field.size() + 1, nullptr, 10);
    }
  }
  return -1;
}

// Distinct shared objects (*.so*) mapped, the dynamic loader and vDSO not counted.
std::size_t sharedObjects(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/maps");
  std::set<std::string> files;
  std::string line;
  while (std::getline(in, line)) {
    const auto slash = line.find('/');
    if (slash == std::string::npos) continue;
    const std::string path = line.substr(slash);
    if (path.find(".so") != std::string::npos && path.find("/ld-linux") == std::string::npos) {
      files.insert(path);
    }
  }
  return files.size();
}

double msSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

double median(std::vector<double> v) {
  if (v.empty()) return -1;
  std::ranges::sort(v);
  const auto n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

std::string replacePort(std::string text, int port) {
  for (auto at = text.find("{port}"); at != std::string::npos; at = text.find("{port}")) {
    text.replace(at, 6, std::to_string(port));
  }
  return text;
}

int usage() {
  std::fprintf(stderr,
               "usage: cold_start_bench [--runs N] [--env NAME=VALUE]... -- COMMAND [ARGS...]\n"
               "  {port} in a VALUE or ARG becomes the listener's port\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 20;
  std::vector<std::string> env_settings;
  std::vector<std::string> command;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--runs" && i + 1 < argc) {
      runs = std::atoi(argv[++i]);
    } else if (arg == "--env" && i + 1 < argc) {
      env_settings.emplace_back(argv[++i]);
    } else if (arg == "--") {
      command.assign(argv + i + 1, argv + argc);
      break;
    } else {
      return usage();
    }
  }
  if (command.empty() || runs < 1) return usage();

  const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (listener < 0 || ::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listener, 16) != 0 ||
      ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    std::perror("listen");
    return 1;
  }
  const int port = ntohs(addr.sin_port);

  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) env_strings.emplace_back(*e);
  for (const auto& setting : env_settings) env_strings.push_back(replacePort(setting, port));
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  for (auto& arg : command) arg = replacePort(arg, port);
  std::vector<char*> child_argv;
  for (auto& s : command) child_argv.push_back(s.data());
  child_argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);

  std::vector<Sample> samples;
  for (int run = 0; run < runs; ++run) {
    Sample s;
    pid_t pid = 0;
    const auto start = Clock::now();
    if (posix_spawnp(&pid, child_argv[0], &actions, nullptr, child_argv.data(), envp.data()) != 0) {
      std::perror("posix_spawn");
      return 1;
    }
    pollfd pfd{listener, POLLIN, 0};
    if (::poll(&pfd, 1, 10000) == 1) {
      const int conn = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
      s.accept_ms = msSince(start);
      pollfd cfd{conn, POLLIN, 0};
      if (::poll(&cfd, 1, 5000) == 1) {
        s.first_byte_ms = msSince(start);
        s.rss_kb = statusField(pid, "VmRSS");
        s.shared_objects = sharedObjects(pid);
      }
      ::close(conn);
    }
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    std::printf("run %2d: accept %7.2f ms  first byte %7.2f ms  RSS %6ld kB  shared objects %zu\n",
                run + 1, s.accept_ms, s.first_byte_ms, s.rss_kb, s.shared_objects);
    samples.push_back(s);
  }
  std::vector<double> accepts;
  std::vector<double> firsts;
  std::vector<double> rss;
  for (const auto& s : samples) {
    if (s.accept_ms >= 0) accepts.push_back(s.accept_ms);
    if (s.first_byte_ms >= 0) {
      firsts.push_back(s.first_byte_ms);
      rss.push_back(static_cast<double>(s.rss_kb));
    }
  }
  std::printf(
      "median of %zu runs: accept %.2f ms, first byte %.2f ms (min %.2f, max %.2f), RSS %.0f kB, "
      "shared objects %zu\n",
      firsts.size(), median(accepts), median(firsts),
      firsts.empty() ? -1.0 : *std::ranges::min_element(firsts),
      firsts.empty() ? -1.0 : *std::ranges::max_element(firsts), median(rss),
      samples.empty() ? std::size_t{0} : samples.back().shared_objects);
  return firsts.size() == samples.size() ? 0 : 1;
}
