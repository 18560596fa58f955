#pragma once
// Where subcommands print: results to stdout, diagnostics to stderr, each line flushed.

#include <string_view>

#include "common/error.h"

namespace trailwall::cli {

void printOut(std::string_view text);
void printErr(std::string_view text);
// Prints "trailwall: <error>" to stderr and returns kExitError.
int reportError(const Error& error);

}  // namespace trailwall::cli
