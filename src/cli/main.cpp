// trailwall: keeps a PAN-OS firewall's allow rules in step with what AWS exposes.
#include <cstdio>
#include <exception>
#include <string>

#include "cli/command.h"

namespace trailwall::cli {

void registerVersionCommand(CLI::App& app, CommandContext& ctx) {
  auto* sub = app.add_subcommand("version", "Print trailwall's version");
  sub->callback([&ctx] {
    std::printf("trailwall %s\n", TRAILWALL_VERSION);
    ctx.exit_code = kExitOk;
  });
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
    app.add_flag("--verbose,-v", ctx.global.verbose, "Show more detail");

    registerVersionCommand(app, ctx);
    registerEventsCommand(app, ctx);
    registerPlanCommand(app, ctx);
    registerInventoryCommand(app, ctx);

    try {
      app.parse(argc, argv);
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
