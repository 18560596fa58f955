#include "cli/output.h"

#include <cstdio>
#include <string>

#include <nlohmann/json.hpp>

namespace trailwall::cli {
namespace {

OutputFormat g_format = OutputFormat::Text;

}  // namespace

void printOut(std::string_view text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

void printErr(std::string_view text) {
  std::fwrite(text.data(), 1, text.size(), stderr);
  std::fflush(stderr);
}

void setOutputFormat(OutputFormat format) {
  g_format = format;
}

OutputFormat outputFormat() {
  return g_format;
}

int reportError(const Error& error) {
  printErr("trailwall: " + to_string(error) + "\n");
  return kExitError;
}

std::string failureJson(const Error& error) {
  nlohmann::ordered_json j;
  j["ok"] = false;
  j["error"] = {{"kind", errorLabel(error.code)}, {"message", error.message}};
  j["outcome"] = {{"written", false},
                  {"committed", false},
                  {"commit_unknown", false},
                  {"reverted", false},
                  {"not_done", "nothing was written to the firewall"}};
  return j.dump(2) + "\n";
}

int reportFailure(const Error& error) {
  printErr("trailwall: " + to_string(error) + "\n");
  if (g_format == OutputFormat::Json) {
    printOut(failureJson(error));
  }
  return kExitError;
}

}  // namespace trailwall::cli
