#pragma once
// The retry after an HA failover (panos/ha_pair.h), in one place every front end's run goes
// through (the runner for handle, lambda and serve; cmd_run for reconcile, apply, plan, verify).

#include "common/error.h"
#include "engine/engine.h"

namespace trailwall::engine {

// engine.run(batch, mode, progress), and when that fails with ErrorCode::Failover (the active
// peer of an HA pair stopped being active during the run), once more: a fresh run that re-reads
// the rulebase and takes a fresh hold on the new active peer. The retried run's report carries
// a warning saying so; a second failover is returned as it is.
[[nodiscard]] Result<RunReport> runRetryingFailover(Engine& engine, const Batch& batch, Mode mode,
                                                    RunReport* progress = nullptr);

}  // namespace trailwall::engine
