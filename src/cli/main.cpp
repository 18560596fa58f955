// trailwall: keeps a PAN-OS firewall's allow rules in step with what AWS exposes.
#include <cstdio>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>

#include "cli/command.h"
#include "cli/output.h"
#include "lambda/command.h"

namespace trailwall::cli {

void registerVersionCommand(CLI::App& app, CommandContext& ctx) {
  auto* sub = app.add_subcommand("version", "Print trailwall's version");
  sub->callback([&ctx] {
    std::printf("trailwall %s\n", TRAILWALL_VERSION);
    ctx.exit_code = kExitOk;
  });
}

// Structured logs (one key=value line per event, flushed) go to stderr, so stdout carries only
// the command's result.
void setupLogging(const std::string& level, bool verbose) {
  auto logger = spdlog::stderr_logger_mt("trailwall");
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ level=%l %v", spdlog::pattern_time_type::utc);
  logger->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(logger);
  if (!level.empty()) {
    spdlog::set_level(spdlog::level::from_str(level));
  } else {
    spdlog::set_level(verbose ? spdlog::level::info : spdlog::level::warn);
  }
}

}  // namespace trailwall::cli

int main(int argc, char** argv) {
  using namespace trailwall::cli;
  try {
    CLI::App app{
        "trailwall keeps a Palo Alto Networks firewall's allow rules in step with what AWS "
        "exposes to the internet.",
        "trailwall"};
    app.require_subcommand(1);
    app.fallthrough();
    CommandContext ctx;
    std::string output = "text";
    app.add_option("--output,-o", output, "Output format: text (for people) or json")
        ->check(CLI::IsMember({"text", "json"}))
        ->default_str("text")
        ->each([&ctx](const std::string& v) {
          ctx.global.output = v == "json" ? OutputFormat::Json : OutputFormat::Text;
        });
    app.add_flag("--verbose,-v", ctx.global.verbose, "Show more detail (and info logs)");
    app.add_option("--config,-c", ctx.global.config_file,
                   "trailwall TOML configuration (default: $TRAILWALL_CONFIG, else built-in "
                   "defaults); environment variables override it");
    std::string log_level;
    app.add_option(
           "--log-level", log_level,
           "Log level on stderr: debug, info, warn (default; info with --verbose), error, off")
        ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}));
    app.parse_complete_callback([&] {
      setupLogging(log_level, ctx.global.verbose);
      setOutputFormat(ctx.global.output);
    });

    registerVersionCommand(app, ctx);
    registerEventsCommand(app, ctx);
    registerInventoryCommand(app, ctx);
    registerRunCommands(app, ctx);
    registerKeygenCommand(app, ctx);
    trailwall::lambda::registerLambdaCommand(app, ctx);
    registerServeCommand(app, ctx);
    registerWhyCommand(app, ctx);

    // Lambda starts a custom runtime as /var/task/bootstrap with no arguments: run `lambda`.
    std::vector<char*> args(argv, argv + argc);
    static char lambda_command[] = "lambda";
    const std::string_view program(argc > 0 && argv[0] != nullptr ? argv[0] : "");
    if (argc == 1 && (program == "bootstrap" || program.ends_with("/bootstrap"))) {
      args.push_back(lambda_command);
    }
    try {
      app.parse(static_cast<int>(args.size()), args.data());
    } catch (const CLI::ParseError& e) {
      const int code = app.exit(e);
      // --help and --version are successes; every usage error is exit code 1.
      return code == 0 ? kExitOk : kExitError;
    }
    return ctx.exit_code;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "trailwall: internal error: %s\n", e.what());
    return kExitError;
  } catch (...) {
    std::fprintf(stderr, "trailwall: internal error\n");
    return kExitError;
  }
}
