#pragma once
// HA pairs (DESIGN §6, API-NOTES §13): a firewall entry that names both peers is written through
// HaPairFirewall, one more Firewall, so the engine and every front end stay as they are.
//
// Design. Before its first request HaPairFirewall asks each peer `show high-availability state`
// and sends everything — reads, tests, the hold, the write and the commit — to the one active
// peer (active/passive), or for active/active to the peer in state active-primary (the pair's
// own configuration says which one that is, so trailwall needs no setting for it). Changes reach
// the passive peer by the pair's config sync; trailwall never writes to both. When a request to
// the active peer fails in a way a failover explains (the connection closed or timed out, or the
// device denied it: a passive peer answers code 15), both peers are asked again (waiting a
// bounded time for one to become active); if the other peer is active now the error becomes
// ErrorCode::Failover and later calls go to the new active peer. The run that saw it is not
// continued: engine/failover.h runs the engine once more, which re-reads everything and takes a
// fresh hold on the new active peer. A hold taken on the old peer is refused on the new one.
//
// The run lock (run_lock.h) is a config lock, device state that HA does not synchronize: a hold
// does not carry over to the new active peer. The retried run takes its own hold there, and a
// run that held the old peer cannot write through the new one (its hold is refused). The lock
// left on the old peer is removed when its run ends if that peer still answers; otherwise it
// lapses after the lease (firewall.run_lease_seconds) once that peer is back and active.
//
// With check_passive, after a successful commit the passive peer's running rulebase is read and
// compared with the active's; a difference (config sync off, failing or not finished within
// passive_check_wait) is an error naming the rules and the pair's running-sync state.

#include <array>
#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/error.h"
#include "panos/client.h"
#include "panos/firewall.h"
#include "panos/response.h"

namespace trailwall::panos {

inline constexpr std::string_view kShowHaStateCommand =
    "<show><high-availability><state></state></high-availability></show>";

// One device's answer to `show high-availability state` (firewall and Panorama shapes).
struct HaState {
  bool enabled = false;      // HA configured (a missing <enabled> counts as no, as POSPY does)
  std::string mode;          // Active-Passive | Active-Active (firewalls only)
  std::string local;         // this device's state: active, passive, active-primary, initial, …
  std::string peer;          // its peer's state as it sees it
  std::string running_sync;  // synchronized | not synchronized | … (empty when not reported)
  bool sync_enabled = false;

  // active (A/P), active-primary or active-secondary (A/A), primary-active (Panorama).
  [[nodiscard]] bool active() const;
};

// InvalidInput when the reply has no <result>.
[[nodiscard]] Result<HaState> parseHaState(const ApiResponse& response);
// Asks the device (one read-only op request).
[[nodiscard]] Result<HaState> queryHaState(PanOsClient& client);

// One peer's answer: how messages name it and its state, or why it did not answer.
struct PeerAnswer {
  std::string name;
  Result<HaState> state;
};

// The peer to write to: the only active one; with two active peers of an active/active pair the
// one in state active-primary. Config when a peer reports HA disabled (firewall.peer names a
// standalone firewall); Conflict when two peers of an active/passive pair both say active; when
// none is active, Network if no peer answered, else Remote, each naming every peer's state.
[[nodiscard]] Result<std::size_t> chooseActivePeer(std::span<const PeerAnswer> answers);

// Whether an error of a request to the active peer may mean the pair failed over: the connection
// failed, closed or timed out (Network, Timeout), or the device denied the request (Denied: a
// passive peer answers code 15 to changes).
[[nodiscard]] bool mayBeFailover(const Error& error);

// One peer as HaPairFirewall uses it.
class HaPeer {
 public:
  virtual ~HaPeer() = default;
  [[nodiscard]] virtual const std::string& name() const = 0;
  [[nodiscard]] virtual Firewall& firewall() = 0;
  [[nodiscard]] virtual Result<HaState> haState() = 0;
  // The requests haState() sent so far.
  [[nodiscard]] virtual RequestCounts stateRequests() const = 0;
  // The security rules of its running configuration: rule name → the rule's XML without
  // attributes. Read-only.
  [[nodiscard]] virtual Result<std::map<std::string, std::string>> runningRules() = 0;
};

// A peer over the XML API: its own client and PanOsFirewall, and a client for the HA state
// (one attempt per query: a peer that does not answer is down).
class PanOsHaPeer final : public HaPeer {
 public:
  // Errors as PanOsFirewall::create.
  [[nodiscard]] static Result<std::unique_ptr<PanOsHaPeer>> create(
      std::unique_ptr<PanOsClient> client, std::unique_ptr<PanOsClient> state_client, Clock& clock,
      FirewallOptions options);

  [[nodiscard]] const std::string& name() const override { return name_; }
  [[nodiscard]] Firewall& firewall() override { return *firewall_; }
  [[nodiscard]] Result<HaState> haState() override { return queryHaState(*state_client_); }
  [[nodiscard]] RequestCounts stateRequests() const override { return state_client_->counts(); }
  [[nodiscard]] Result<std::map<std::string, std::string>> runningRules() override;

 private:
  PanOsHaPeer(std::unique_ptr<PanOsClient> client, std::unique_ptr<PanOsClient> state_client,
              std::unique_ptr<PanOsFirewall> firewall, std::string name, std::string rules_xpath)
      : client_(std::move(client)),
        state_client_(std::move(state_client)),
        firewall_(std::move(firewall)),
        name_(std::move(name)),
        rules_xpath_(std::move(rules_xpath)) {}

  std::unique_ptr<PanOsClient> client_;
  std::unique_ptr<PanOsClient> state_client_;
  std::unique_ptr<PanOsFirewall> firewall_;
  std::string name_;
  std::string rules_xpath_;
};

// The rules of a `show` of a rulebase's rules (<result><rules><entry…> or <result><entry…>):
// rule name → its XML with every attribute but the entries' names removed.
[[nodiscard]] std::map<std::string, std::string> rulesByName(const pugi::xml_node& result);

// How two peers' running rulebases differ, for the passive check's message: empty when equal.
[[nodiscard]] std::string rulebaseDifference(const std::map<std::string, std::string>& active,
                                             const std::map<std::string, std::string>& passive);

struct HaPairOptions {
  bool check_passive = false;
  // At the first request and after a suspected failover: how long to wait for a peer to become
  // active, asked this often.
  std::chrono::milliseconds failover_wait{std::chrono::seconds(30)};
  std::chrono::milliseconds poll{std::chrono::seconds(2)};
  // check_passive: how long the passive may take to show the commit (sync enabled only).
  std::chrono::milliseconds passive_check_wait{std::chrono::seconds(30)};
};

class HaPairFirewall final : public Firewall {
 public:
  HaPairFirewall(std::unique_ptr<HaPeer> first, std::unique_ptr<HaPeer> second, Clock& clock,
                 HaPairOptions options);

  [[nodiscard]] Result<policy::Rulebase> readRulebase() override;
  [[nodiscard]] const PendingChanges& pendingChanges() const override;
  [[nodiscard]] Result<bool> unmarkedChangesPending() override;
  [[nodiscard]] Result<AllowedReport> alreadyAllowed(
      const std::vector<policy::Flow>& flows) override;
  [[nodiscard]] Result<MatchAnswers> matchFlows(const std::vector<policy::Flow>& flows) override;
  [[nodiscard]] Result<MatchAnswers> matchFlowsAll(const std::vector<policy::Flow>& flows) override;
  [[nodiscard]] Result<policy::Mappings> readRegistrations() override;
  [[nodiscard]] Status sendRegistrations(const policy::RegistrationChanges& changes,
                                         std::int64_t timeout_seconds, Hold& hold,
                                         RegistrationReport& report) override;
  [[nodiscard]] Result<std::unique_ptr<Hold>> hold() override;
  [[nodiscard]] Status revertLeftovers(Hold& hold) override;
  [[nodiscard]] Status apply(const policy::Plan& plan, Hold& hold, ApplyReport& report) override;
  // Both peers' requests, the HA state queries included.
  [[nodiscard]] RequestCounts requestCounts() const override;

  // The peer written to; empty until the first request chose one.
  [[nodiscard]] std::string activePeer() const;

 private:
  class PairHold;
  // The active peer, asking both peers first when none is chosen yet (waiting as choose does).
  [[nodiscard]] Result<std::size_t> active();
  // Both peers' states and the choice; with `wait`, asked again until one is active or
  // failover_wait has passed (a peer reporting HA disabled ends it at once).
  [[nodiscard]] Result<std::size_t> choose(bool wait);
  // `error` of a request to the active peer, or the Failover error when the other peer is
  // active now (which later calls then use).
  [[nodiscard]] Error afterFailure(Error error);
  template <class Call>
  auto onActive(Call&& call) -> decltype(call(std::declval<Firewall&>()));
  // The peer `hold` was taken on, when it is still the active one; Failover otherwise.
  [[nodiscard]] Result<Hold*> heldOnActive(Hold& hold);
  [[nodiscard]] Status checkPassive();

  std::array<std::unique_ptr<HaPeer>, 2> peers_;
  Clock& clock_;
  HaPairOptions options_;
  std::optional<std::size_t> current_;
  // Peers whose last HA state query got no answer: a hold on one is not released (it would
  // only wait for the connection to fail again); it lapses after the lease.
  std::array<bool, 2> unreachable_{false, false};
};

}  // namespace trailwall::panos
