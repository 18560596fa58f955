#include "cli/output.h"

#include <cstdio>
#include <string>

#include "cli/command.h"

namespace trailwall::cli {

void printOut(std::string_view text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

void printErr(std::string_view text) {
  std::fwrite(text.data(), 1, text.size(), stderr);
  std::fflush(stderr);
}

int reportError(const Error& error) {
  printErr("trailwall: " + to_string(error) + "\n");
  return kExitError;
}

}  // namespace trailwall::cli
