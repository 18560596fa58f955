#pragma once
// Where subcommands print: results to stdout, diagnostics to stderr, each line flushed. With
// `--output json` a run command's failure is one JSON object on stdout as well as a line on
// stderr, so a machine reading stdout always gets exactly one object:
//   {"ok": false, "error": {"kind": "conflict", "message": "…"},
//    "outcome": {"written": false, "committed": false, "commit_unknown": false,
//                "reverted": false, "not_done": "…"}}
// (the run commands add their report's fields to that object).

#include <string>
#include <string_view>

#include "cli/command.h"
#include "common/error.h"

namespace trailwall::cli {

void printOut(std::string_view text);
void printErr(std::string_view text);

// How reportError prints (set once, after the command line is parsed).
void setOutputFormat(OutputFormat format);
[[nodiscard]] OutputFormat outputFormat();

// The JSON object above for a failure before anything was written.
[[nodiscard]] std::string failureJson(const Error& error);

// "trailwall: <error>" on stderr. Returns kExitError.
int reportError(const Error& error);
// A command's failure before anything was written: reportError's line, or with --output json
// the object above on stdout (nothing done). Returns kExitError.
int reportFailure(const Error& error);

}  // namespace trailwall::cli
