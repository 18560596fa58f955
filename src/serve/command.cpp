// `trailwall serve`: the SQS daemon (DESIGN §5). Wires the runtime (configuration, AWS session,
// firewall client), the queue, the runner, the status endpoint and the signal handling, then
// hands over to the Daemon until SIGTERM or SIGINT.
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>

#include "cli/command.h"
#include "cli/output.h"
#include "cli/runtime.h"
#include "runner/s3_log_reader.h"
#include "serve/daemon.h"
#include "serve/http_server.h"
#include "serve/serve_runner.h"
#include "serve/signals.h"

namespace trailwall::cli {
namespace {

using std::chrono::duration;
using std::chrono::duration_cast;
using std::chrono::milliseconds;

struct ServeOptions {
  std::string listen;     // overrides serve.listen
  std::string queue_url;  // overrides serve.queue_url
};

milliseconds ms(double seconds) {
  return duration_cast<milliseconds>(duration<double>(seconds));
}

serve::DaemonOptions daemonOptions(const config::ServeConfig& c) {
  serve::DaemonOptions options;
  options.scheduler.batch_window = ms(c.batch_window_seconds);
  options.scheduler.batch_max_messages = static_cast<std::size_t>(c.batch_max_messages);
  options.scheduler.reconcile_period = ms(c.reconcile_period_seconds);
  options.visibility_timeout = std::chrono::seconds(c.visibility_timeout_seconds);
  options.shutdown_timeout = ms(c.shutdown_timeout_seconds);
  return options;
}

int serveCommand(const CommandContext& ctx, const ServeOptions& flags) {
  auto rt = Runtime::create(ctx.global);
  if (!rt) return reportError(rt.error());
  auto cfg = (*rt)->config().serve;
  if (!flags.queue_url.empty()) cfg.queue_url = flags.queue_url;
  if (!flags.listen.empty()) cfg.listen = flags.listen;
  if (cfg.queue_url.empty()) {
    return reportError(Error{ErrorCode::Config,
                             "no queue: set serve.queue_url (or TRAILWALL_SERVE_QUEUE_URL) or "
                             "pass --queue-url"});
  }
  std::optional<serve::ListenAddress> listen;
  if (!cfg.listen.empty()) {
    auto parsed = serve::parseListenAddress(cfg.listen);
    if (!parsed) return reportError(parsed.error().withContext("serve.listen"));
    listen = *parsed;
  }

  std::stop_source stop;
  auto signals = serve::SignalStop::install(stop);
  if (!signals) return reportError(signals.error());

  // Everything a run needs is set up now, so a missing key or region fails at start.
  auto session = (*rt)->aws();
  if (!session) return reportError(session.error());
  auto inventory = (*rt)->awsInventory();
  if (!inventory) return reportError(inventory.error());
  std::map<std::string, panos::Firewall*, std::less<>> firewalls;  // the fleet's, by name
  for (const auto& member : (*rt)->config().fleet()) {
    auto firewall = (*rt)->firewall(member.name);
    if (!firewall) return reportError(firewall.error());
    firewalls.emplace(member.name, *firewall);
  }

  const auto& all = (*rt)->config();
  runner::RunnerOptions run_options;
  run_options.decode.filter.accounts.insert(all.aws.accounts.begin(), all.aws.accounts.end());
  run_options.decode.filter.regions.insert(all.aws.regions.begin(), all.aws.regions.end());
  Runtime& runtime = **rt;
  runner::S3LogReader logs([&runtime] { return runtime.s3(); });
  serve::ServeRunner runner(std::move(run_options), fleetMembers(all), **inventory,
                            std::move(firewalls), logs, runtime.clock());

  serve::SqsQueue queue((*session)->sqs(), cfg.queue_url);
  serve::Monitor monitor(cfg.queue_url, runtime.clock().now(),
                         static_cast<std::size_t>(cfg.status_runs));
  const auto unhealthy_after = duration_cast<std::chrono::seconds>(ms(cfg.unhealthy_after_seconds));
  serve::StatusServer server(monitor, runtime.clock(), unhealthy_after);
  if (listen) {
    if (auto started = server.start(*listen); !started) return reportError(started.error());
    printOut(fmt::format("trailwall serve: status on {}/ (/healthz, /metrics)\n", server.url()));
    spdlog::info("event=listening url={}", server.url());
  }

  serve::ThreadExecutor executor;
  serve::Daemon daemon(queue, runner, executor, runtime.clock(), monitor, daemonOptions(cfg));
  spdlog::info("event=serve_start queue={} config=\"{}\"", cfg.queue_url, runtime.configSource());
  auto served = daemon.run(stop.get_token());
  server.stop();
  // A job still inside a request (a long poll that was abandoned, or a run that outlasted the
  // shutdown timeout): leave without waiting for it.
  const auto leave = [](int code) {
    spdlog::shutdown();
    std::fflush(nullptr);
    std::_Exit(code);
  };
  if (!served) {
    reportError(served.error());
    if (served.error().code == ErrorCode::Timeout) leave(kExitError);
    return kExitError;
  }
  if (daemon.pollAbandoned()) leave(kExitOk);
  return kExitOk;
}

}  // namespace

void registerServeCommand(CLI::App& app, CommandContext& ctx) {
  auto flags = std::make_shared<ServeOptions>();
  auto* cmd = app.add_subcommand(
      "serve",
      "Run as a daemon: long-poll an SQS queue for CloudTrail events, handle them in batch "
      "windows (one commit per window), reconcile everything periodically, and serve /healthz, "
      "/metrics and a status page; SIGTERM or SIGINT stops it cleanly");
  cmd->add_option("--listen", flags->listen,
                  "ADDR:PORT for /healthz, /metrics and the status page at / (default: "
                  "serve.listen; none when empty)");
  cmd->add_option("--queue-url", flags->queue_url,
                  "The SQS queue URL (standard or FIFO; default: serve.queue_url)");
  cmd->footer(
      "Configuration: [serve] in the configuration file (queue_url, listen, "
      "batch_window_seconds = 10, batch_max_messages = 1000, reconcile_period_seconds = 900 "
      "(0 = off), visibility_timeout_seconds (0 = the queue's), shutdown_timeout_seconds = 60, "
      "unhealthy_after_seconds = 900, status_runs = 20); TRAILWALL_SERVE_<KEY> overrides each.\n"
      "Exit codes: 0 = stopped cleanly by a signal; 1 = could not start, or the batch in flight "
      "outlasted the shutdown timeout.");
  cmd->callback([flags, &ctx] { ctx.exit_code = serveCommand(ctx, *flags); });
}

}  // namespace trailwall::cli
