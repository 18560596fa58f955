#pragma once
// `trailwall lambda`: the AWS Lambda custom runtime (provided.al2023). Registered by main.cpp;
// the package's `bootstrap` (the same binary) runs it when started without arguments.

#include "cli/command.h"

namespace trailwall::lambda {

void registerLambdaCommand(CLI::App& app, cli::CommandContext& ctx);

}  // namespace trailwall::lambda
