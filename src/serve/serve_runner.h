#pragma once
// The daemon's BatchRunner over the shared runner (runner/runner.h: deliveries → one scoped
// reconcile → an outcome per delivery, the code path of `handle` and the Lambda loop too). What
// it adds for the daemon:
// - a full reconcile is the runner's reconcile delivery (a Scheduled Event) riding along with
//   the messages of the window;
// - the stop: the firewall the engine writes to is watched, and once the daemon is stopping a
//   run that has not written yet writes nothing (its messages come back as Retry), while a write
//   already started finishes with its commit (or is reverted by the firewall client);
// - the summary for the metrics and the status page: events by name, the changes planned, the
//   commit job, the step an error came from, the firewall requests of this run, and the managed
//   rules as the run left them (the rulebase it read with its plan applied, no extra request).

#include <map>
#include <memory>
#include <stop_token>
#include <string>
#include <vector>

#include "common/clock.h"
#include "engine/inventory_source.h"
#include "panos/firewall.h"
#include "policy/options.h"
#include "policy/plan.h"
#include "runner/runner.h"
#include "serve/batch_runner.h"

namespace trailwall::serve {

class ServeRunner final : public BatchRunner {
 public:
  // A fleet (issue 13): `firewalls` by the members' names.
  ServeRunner(runner::RunnerOptions options, std::vector<runner::FleetMember> fleet,
              engine::InventorySource& inventory,
              std::map<std::string, panos::Firewall*, std::less<>> firewalls,
              runner::LogReader& logs, Clock& clock);
  // One firewall, named runner::kDefaultFirewall.
  ServeRunner(runner::RunnerOptions options, policy::Options policy,
              engine::InventorySource& inventory, panos::Firewall& firewall,
              runner::LogReader& logs, Clock& clock);

  ~ServeRunner() override;
  ServeRunner(const ServeRunner&) = delete;
  ServeRunner& operator=(const ServeRunner&) = delete;

  [[nodiscard]] RunResult run(const std::vector<Delivery>& deliveries, RunKind kind,
                              std::stop_token stop) override;

 private:
  struct Watched;  // one firewall's watch during a run

  std::map<std::string, std::string, std::less<>> managed_tags_;  // by firewall name
  engine::InventorySource& inventory_;
  std::map<std::string, panos::Firewall*, std::less<>> firewalls_;
  Clock& clock_;
  // What the runner's providers hand out during a run: the watched inventory and firewalls
  // (created before the run, read-only while it runs, so the firewalls' threads may look up).
  engine::InventorySource* current_inventory_ = nullptr;
  std::map<std::string, std::unique_ptr<Watched>, std::less<>> current_;
  runner::Runner runner_;
};

// The "+ name" / "~ name (fields)" / "> name (moved)" / "- name" lines of a plan.
[[nodiscard]] std::vector<std::string> planLines(const policy::Plan& plan);

// The managed rules of `rulebase`, as the status page shows them.
[[nodiscard]] std::vector<ManagedRule> managedRules(const policy::Rulebase& rulebase,
                                                    std::string_view managed_tag);

}  // namespace trailwall::serve
