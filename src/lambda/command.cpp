// Design: initialise once per sandbox — configuration, the firewall's API key (Secrets Manager,
// SSM, a file or the environment), the AWS session and the HTTP connections, all reused by
// every invocation — and report a configuration or secret problem as an init error with a
// message a person can act on. Then the loop (loop.h) hands each invocation to the Handler.
#include "lambda/command.h"

#include <map>

#include <cstdlib>
#include <memory>
#include <string>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include <CLI/CLI.hpp>

#include "aws/environment.h"
#include "cli/output.h"
#include "cli/runtime.h"
#include "cloudtrail/decoder.h"
#include "http/socket_transport.h"
#include "lambda/handler.h"
#include "lambda/log.h"
#include "lambda/loop.h"
#include "lambda/runtime_api.h"
#include "runner/log_text.h"
#include "runner/runner.h"
#include "runner/s3_log_reader.h"

namespace trailwall::lambda {
namespace {

using runner::quoteValue;

struct LambdaOptions {
  double commit_budget_seconds = 0;  // 0: from the environment, else the default
};

constexpr double kDefaultCommitBudgetSeconds = 60;
constexpr const char* kCommitBudgetVariable = "TRAILWALL_LAMBDA_COMMIT_BUDGET_SECONDS";

Result<double> commitBudget(const LambdaOptions& options, const aws::Environment& env) {
  if (options.commit_budget_seconds > 0) return options.commit_budget_seconds;
  const auto text = env.get(kCommitBudgetVariable);
  if (!text) return kDefaultCommitBudgetSeconds;
  char* end = nullptr;
  const double seconds = std::strtod(text->c_str(), &end);
  if (end == text->c_str() || *end != '\0' || !(seconds > 0) || seconds > 900) {
    return fail(ErrorCode::Config,
                fmt::format("{}: '{}' is not a number of seconds between 0 and 900",
                            kCommitBudgetVariable, *text));
  }
  return seconds;
}

int runLambda(const cli::CommandContext& ctx, const LambdaOptions& options) {
  aws::ProcessEnvironment env;
  auto sink = installLambdaLogger(logSettings(env));
  const auto address = env.get("AWS_LAMBDA_RUNTIME_API");
  if (!address) {
    return cli::reportError(Error{
        ErrorCode::Config,
        "AWS_LAMBDA_RUNTIME_API is not set: `trailwall lambda` is the runtime of an AWS Lambda "
        "function (provided.al2023) and runs where Lambda or its emulator sets that variable"});
  }
  // The Runtime API is on loopback: no proxy (the transport reads no environment).
  http::TransportOptions api_options;
  api_options.connect_timeout = std::chrono::seconds(1);
  api_options.user_agent = "trailwall-lambda";
  http::SocketTransport api_transport(api_options);
  HttpRuntimeApi api(api_transport, *address);

  const auto init_failed = [&api](const char* type, const Error& error) {
    const FunctionError reported{type, "trailwall could not start: " + to_string(error)};
    spdlog::critical("event=init_failed type={} error={}", type, quoteValue(reported.message));
    if (auto posted = api.initError(reported); !posted) {
      spdlog::error("event=runtime_api_failed call=init_error error={}",
                    quoteValue(to_string(posted.error())));
    }
    return cli::kExitError;
  };

  auto rt = cli::Runtime::create(ctx.global);
  if (!rt) return init_failed("Runtime.ConfigInvalid", rt.error());
  const auto& cfg = (*rt)->config();
  auto budget = commitBudget(options, env);
  if (!budget) return init_failed("Runtime.ConfigInvalid", budget.error());
  // The API keys are read now, once per sandbox: a missing secret fails the start, not an event.
  std::map<std::string, panos::Firewall*, std::less<>> firewalls;  // the fleet's, by name
  for (const auto& member : cfg.fleet()) {
    auto firewall = (*rt)->firewall(member.name);
    if (!firewall) {
      return init_failed(firewall.error().code == ErrorCode::Config ? "Runtime.ConfigInvalid"
                                                                    : "Runtime.ApiKeyUnavailable",
                         firewall.error());
    }
    firewalls.emplace(member.name, *firewall);
  }
  auto inventory = (*rt)->awsInventory();
  if (!inventory) return init_failed("Runtime.AwsUnavailable", inventory.error());

  runner::RunnerOptions run_options;
  run_options.decode.filter.accounts.insert(cfg.aws.accounts.begin(), cfg.aws.accounts.end());
  run_options.decode.filter.regions.insert(cfg.aws.regions.begin(), cfg.aws.regions.end());
  run_options.mode = engine::Mode::Apply;
  run_options.write_budget = std::chrono::milliseconds(static_cast<long long>(*budget * 1000.0));
  runner::S3LogReader logs([&rt] { return (*rt)->s3(); });
  runner::Runner runner(
      std::move(run_options), cli::fleetMembers(cfg),
      [inventory = *inventory]() -> Result<engine::InventorySource*> { return inventory; },
      [&firewalls](std::string_view name) -> Result<panos::Firewall*> {
        const auto it = firewalls.find(name);
        if (it == firewalls.end()) {
          return fail(ErrorCode::Internal, fmt::format("no firewall named '{}'", name));
        }
        return it->second;
      },
      logs, (*rt)->clock());
  Handler handler(runner, (*rt)->clock());
  ProcessInvocationScope scope(sink);
  std::vector<std::string> hosts;
  for (const auto& member : cfg.fleet()) hosts.push_back(member.firewall.host);
  spdlog::info("event=init_done config={} firewall={} commit_budget_s={}",
               quoteValue((*rt)->configSource()), fmt::join(hosts, ","), *budget);
  return runLoop(
      api, [&handler](const Invocation& invocation) { return handler.handle(invocation); }, scope);
}

std::string eventPattern() {
  nlohmann::ordered_json names = nlohmann::ordered_json::array();
  for (const auto name : cloudtrail::handledEventNames()) names.push_back(name);
  using Json = nlohmann::ordered_json;
  Json detail = Json::object();
  detail["eventSource"] = Json::array({"ec2.amazonaws.com"});
  detail["eventName"] = std::move(names);
  Json pattern = Json::object();
  pattern["source"] = Json::array({"aws.ec2"});
  pattern["detail-type"] = Json::array({"AWS API Call via CloudTrail"});
  pattern["detail"] = std::move(detail);
  return pattern.dump(2);
}

}  // namespace

void registerLambdaCommand(CLI::App& app, cli::CommandContext& ctx) {
  auto options = std::make_shared<LambdaOptions>();
  auto* cmd = app.add_subcommand(
      "lambda",
      "Run as the AWS Lambda custom runtime (provided.al2023): S3 notifications, EventBridge "
      "events, SQS batches and scheduled reconciles, one commit per invocation");
  cmd->add_option("--commit-budget", options->commit_budget_seconds,
                  "Seconds a write and commit may take: none is started with less than this "
                  "left before the invocation's deadline (default: $" +
                      std::string(kCommitBudgetVariable) + ", else 60)")
      ->check(CLI::Range(0.001, 900.0));
  cmd->footer(
      "Environment: AWS_LAMBDA_RUNTIME_API (set by Lambda), AWS_LAMBDA_LOG_FORMAT (Text|JSON), "
      "AWS_LAMBDA_LOG_LEVEL, and trailwall's configuration (TRAILWALL_CONFIG or TRAILWALL_* "
      "variables; see examples/trailwall.toml). Logs go to stdout. Exit code 1 when the Runtime "
      "API fails or initialisation fails (reported to /runtime/init/error).");
  cmd->callback([options, &ctx] { ctx.exit_code = runLambda(ctx, *options); });

  auto* pattern = app.add_subcommand(
      "event-pattern",
      "Print the EventBridge event pattern matching the CloudTrail events trailwall acts on "
      "(deploy/template.yaml's rule is generated from it)");
  pattern->callback([&ctx] {
    cli::printOut(eventPattern() + "\n");
    ctx.exit_code = cli::kExitOk;
  });
}

}  // namespace trailwall::lambda
