// `trailwall keygen`: asks the firewall for the API key of an administrator (type=keygen) and
// prints it, so it can be stored where firewall.api_key points (a file, Secrets Manager, SSM).
// The password comes from $TRAILWALL_PASSWORD, a file, or a prompt on a terminal, never from
// the command line (it would show in the process list and shell history).
#include <termios.h>
#include <unistd.h>

#include <iostream>
#include <memory>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <CLI/CLI.hpp>

#include "cli/command.h"
#include "cli/output.h"
#include "cli/runtime.h"

namespace trailwall::cli {
namespace {

struct KeygenOptions {
  std::string host;
  std::string user;
  std::string password_file;
};

Result<std::string> promptPassword(const std::string& user) {
  if (isatty(STDIN_FILENO) == 0) {
    return fail(ErrorCode::Config,
                "no password: set TRAILWALL_PASSWORD or --password-file (standard input is not a "
                "terminal to prompt on)");
  }
  printErr(fmt::format("Password for {}: ", user));
  termios saved{};
  tcgetattr(STDIN_FILENO, &saved);
  termios quiet = saved;
  quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  std::string password;
  std::getline(std::cin, password);
  tcsetattr(STDIN_FILENO, TCSANOW, &saved);
  printErr("\n");
  return password;
}

int keygen(const CommandContext& ctx, KeygenOptions options) {
  auto rt = Runtime::create(ctx.global);
  if (!rt) return reportError(rt.error());
  Result<std::string> password = fail(ErrorCode::Internal, "unset");
  if (!options.password_file.empty()) {
    password = readFileOrStdin(options.password_file);
    if (password) {
      while (!password->empty() && (password->back() == '\n' || password->back() == '\r')) {
        password->pop_back();
      }
    }
  } else if (auto from_env = (*rt)->environment().get("TRAILWALL_PASSWORD")) {
    password = *from_env;
  } else {
    password = promptPassword(options.user);
  }
  if (!password) return reportError(password.error());

  auto client = (*rt)->panosClient("", options.host);
  if (!client) return reportError(client.error());
  auto key = (*client)->keygen(options.user, *password);
  if (!key) return reportError(key.error());
  if (ctx.global.output == OutputFormat::Json) {
    printOut(nlohmann::json{{"user", options.user}, {"key", *key}}.dump() + "\n");
  } else {
    printOut(*key + "\n");
  }
  return kExitOk;
}

}  // namespace

void registerKeygenCommand(CLI::App& app, CommandContext& ctx) {
  auto options = std::make_shared<KeygenOptions>();
  auto* sub = app.add_subcommand(
      "keygen", "Get an administrator's API key from the firewall and print it (type=keygen)");
  sub->add_option("--host", options->host,
                  "Firewall host[:port]; default: firewall.host of the configuration");
  sub->add_option("--user", options->user, "Administrator name")->required();
  sub->add_option("--password-file", options->password_file,
                  "Read the password from this file (- = stdin); else $TRAILWALL_PASSWORD, else a "
                  "prompt");
  sub->footer(
      "Note: generating a key for a user ends that user's other API sessions on PAN-OS "
      "(existing keys of the user stop working). TLS settings (firewall.tls_verify, "
      "firewall.ca_bundle) come from the configuration.");
  sub->callback([options, &ctx] { ctx.exit_code = keygen(ctx, *options); });
}

}  // namespace trailwall::cli
