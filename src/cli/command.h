#pragma once
// Shared plumbing of the subcommands: each subcommand file exposes one register function that
// adds its CLI11 subcommand; its callback does the work and stores the process exit code.

#include <string>

namespace CLI {
class App;
}  // namespace CLI

namespace trailwall::cli {

enum class OutputFormat { Text, Json };

// Exit codes shared by every subcommand.
inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;
inline constexpr int kExitChangesPending =
    2;  // plan: there is something to do; verify: differences
// A real run committed, but the firewall does not enforce (or could not be asked whether it
// enforces) what it wrote: an administrator's deny rule shadows it, or a removed flow stays open.
inline constexpr int kExitNotEnforced = 3;
// Panorama: the changes are committed on Panorama but not pushed, because the device group holds
// another administrator's committed, unpushed work and Panorama (before 10.2) cannot push only
// trailwall's (push = "auto"); push = "always" pushes anyway.
inline constexpr int kExitPushDeferred = 4;

struct GlobalOptions {
  OutputFormat output = OutputFormat::Text;
  bool verbose = false;
  std::string config_file;  // --config; empty = $TRAILWALL_CONFIG, else defaults
};

struct CommandContext {
  GlobalOptions global;
  int exit_code = kExitOk;
};

void registerVersionCommand(CLI::App& app, CommandContext& ctx);
void registerEventsCommand(CLI::App& app, CommandContext& ctx);
void registerInventoryCommand(CLI::App& app, CommandContext& ctx);
void registerRunCommands(CLI::App& app, CommandContext& ctx);  // handle, reconcile, apply
void registerKeygenCommand(CLI::App& app, CommandContext& ctx);
void registerServeCommand(CLI::App& app, CommandContext& ctx);  // src/serve/command.cpp
void registerWhyCommand(CLI::App& app, CommandContext& ctx);

}  // namespace trailwall::cli
