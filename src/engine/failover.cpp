#include "engine/failover.h"

#include <string>

#include <spdlog/spdlog.h>

namespace trailwall::engine {

Result<RunReport> runRetryingFailover(Engine& engine, const Batch& batch, Mode mode,
                                      RunReport* progress) {
  auto first = engine.run(batch, mode, progress);
  if (first || first.error().code != ErrorCode::Failover) return first;
  const std::string failover = first.error().message;
  spdlog::warn("event=run_retried reason=failover error=\"{}\"", failover);
  auto second = engine.run(batch, mode, progress);
  const auto note = "retried after " + failover;
  if (second) {
    second->warnings.push_back(note);
  } else if (progress != nullptr) {
    progress->warnings.push_back(note);
  }
  return second;
}

}  // namespace trailwall::engine
