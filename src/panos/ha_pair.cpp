#include "panos/ha_pair.h"

#include <algorithm>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "panos/xml_util.h"

namespace trailwall::panos {
namespace {

using std::chrono::milliseconds;

std::string peerStateText(const PeerAnswer& answer) {
  if (!answer.state)
    return fmt::format("{}: no answer ({})", answer.name, answer.state.error().message);
  if (!answer.state->enabled) return fmt::format("{}: HA disabled", answer.name);
  return fmt::format("{}: {}", answer.name,
                     answer.state->local.empty() ? "no state" : answer.state->local);
}

std::string allStates(std::span<const PeerAnswer> answers) {
  std::vector<std::string> parts;
  parts.reserve(answers.size());
  for (const auto& answer : answers) parts.push_back(peerStateText(answer));
  return fmt::format("{}", fmt::join(parts, ", "));
}

// Removes every attribute but an entry's name, at every level.
void stripAttributes(pugi::xml_node node) {
  for (auto attribute = node.first_attribute(); attribute;) {
    auto next = attribute.next_attribute();
    if (!(std::string_view(node.name()) == "entry" &&
          std::string_view(attribute.name()) == "name")) {
      node.remove_attribute(attribute);
    }
    attribute = next;
  }
  for (auto child : node.children()) {
    if (child.type() == pugi::node_element) stripAttributes(child);
  }
}

std::string someNames(const std::vector<std::string>& names) {
  constexpr std::size_t kShown = 5;
  std::vector<std::string> shown(
      names.begin(), names.begin() + static_cast<std::ptrdiff_t>(std::min(kShown, names.size())));
  auto text = fmt::format("{}", fmt::join(shown, ", "));
  if (names.size() > kShown) text += fmt::format(" and {} more", names.size() - kShown);
  return text;
}

}  // namespace

bool HaState::active() const {
  return local == "active" || local.starts_with("active-") || local.ends_with("-active");
}

Result<HaState> parseHaState(const ApiResponse& response) {
  const auto result = response.result();
  if (!result) {
    return fail(ErrorCode::InvalidInput, "show high-availability state: the reply has no <result>");
  }
  HaState state;
  state.enabled = trimmedText(result.child("enabled")) == "yes";
  // Firewalls wrap the rest in <group>; Panorama does not (API-NOTES §13).
  const auto group = result.child("group") ? result.child("group") : result;
  state.mode = trimmedText(group.child("mode"));
  state.local = trimmedText(group.child("local-info").child("state"));
  state.peer = trimmedText(group.child("peer-info").child("state"));
  state.running_sync = trimmedText(group.child("running-sync"));
  state.sync_enabled = trimmedText(group.child("running-sync-enabled")) == "yes";
  return state;
}

Result<HaState> queryHaState(PanOsClient& client) {
  auto reply = client.op(kShowHaStateCommand);
  if (!reply) return std::unexpected(reply.error().withContext("asking the HA state"));
  return parseHaState(*reply);
}

Result<std::size_t> chooseActivePeer(std::span<const PeerAnswer> answers) {
  std::vector<std::size_t> active;
  bool answered = false;
  for (std::size_t i = 0; i < answers.size(); ++i) {
    const auto& answer = answers[i];
    if (!answer.state) continue;
    answered = true;
    if (!answer.state->enabled) {
      return fail(ErrorCode::Config,
                  fmt::format("firewall.peer is set, but {} reports HA disabled: configure a "
                              "standalone firewall without firewall.peer",
                              answer.name));
    }
    if (answer.state->active()) active.push_back(i);
  }
  if (active.size() == 1) return active.front();
  if (active.empty()) {
    return fail(answered ? ErrorCode::Remote : ErrorCode::Network,
                fmt::format("no HA peer is active ({})", allStates(answers)));
  }
  // Active/active: both peers take changes and sync them; write to the primary only.
  for (const auto i : active) {
    if (answers[i].state->local == "active-primary") return i;
  }
  const bool active_active = std::ranges::all_of(
      active, [&](std::size_t i) { return answers[i].state->local.starts_with("active-"); });
  if (active_active) return active.front();
  return fail(ErrorCode::Conflict,
              fmt::format("more than one HA peer says it is active ({}): not writing to either",
                          allStates(answers)));
}

bool mayBeFailover(const Error& error) {
  return error.code == ErrorCode::Network || error.code == ErrorCode::Timeout ||
         error.code == ErrorCode::Denied;
}

std::map<std::string, std::string> rulesByName(const pugi::xml_node& result) {
  std::map<std::string, std::string> rules;
  auto parent = result.child("rules") ? result.child("rules") : result;
  for (auto entry : parent.children("entry")) {
    pugi::xml_document copy;
    auto node = copy.append_copy(entry);
    stripAttributes(node);
    rules.emplace(entry.attribute("name").value(), renderXml(node));
  }
  return rules;
}

std::string rulebaseDifference(const std::map<std::string, std::string>& active,
                               const std::map<std::string, std::string>& passive) {
  std::vector<std::string> missing;
  std::vector<std::string> different;
  std::vector<std::string> extra;
  for (const auto& [name, xml] : active) {
    const auto it = passive.find(name);
    if (it == passive.end()) {
      missing.push_back(name);
    } else if (it->second != xml) {
      different.push_back(name);
    }
  }
  for (const auto& [name, xml] : passive) {
    if (!active.contains(name)) extra.push_back(name);
  }
  std::vector<std::string> parts;
  if (!missing.empty()) parts.push_back("missing " + someNames(missing));
  if (!different.empty()) parts.push_back("different " + someNames(different));
  if (!extra.empty()) parts.push_back("not on the active peer " + someNames(extra));
  return fmt::format("{}", fmt::join(parts, "; "));
}

Result<std::unique_ptr<PanOsHaPeer>> PanOsHaPeer::create(std::unique_ptr<PanOsClient> client,
                                                         std::unique_ptr<PanOsClient> state_client,
                                                         Clock& clock, FirewallOptions options) {
  auto paths = ConfigPaths::forLocation(options.location);
  if (!paths) return fail(ErrorCode::Config, paths.error().message);
  std::string name = options.name;
  auto firewall = PanOsFirewall::create(*client, clock, std::move(options));
  if (!firewall) return std::unexpected(firewall.error());
  return std::unique_ptr<PanOsHaPeer>(new PanOsHaPeer(
      std::move(client), std::move(state_client),
      std::make_unique<PanOsFirewall>(std::move(*firewall)), std::move(name), paths->rules()));
}

Result<std::map<std::string, std::string>> PanOsHaPeer::runningRules() {
  auto reply = client_->show(rules_xpath_);
  if (!reply) return std::unexpected(reply.error());
  if (!reply->found) return std::map<std::string, std::string>{};
  return rulesByName(reply->response.result());
}

// A hold taken on one peer; refused by the pair once that peer is no longer the active one.
class HaPairFirewall::PairHold final : public Hold {
 public:
  PairHold(std::unique_ptr<Hold> inner, std::size_t peer, const HaPairFirewall& pair)
      : inner_(std::move(inner)), peer_(peer), pair_(pair) {}
  ~PairHold() override {
    // Not released by its run: the inner hold's destructor would wait for a dead peer.
    if (pair_.unreachable_[peer_]) inner_->abandon();
  }
  PairHold(const PairHold&) = delete;
  PairHold& operator=(const PairHold&) = delete;
  [[nodiscard]] Status verify() override { return inner_->verify(); }
  [[nodiscard]] Status release() override {
    if (pair_.unreachable_[peer_] && !inner_->report().released) {
      inner_->abandon();
      return fail(ErrorCode::Network,
                  fmt::format("not releasing the hold on {}: it does not answer (HA failover); "
                              "its lock lapses after the lease",
                              pair_.peers_[peer_]->name()));
    }
    return inner_->release();
  }
  void abandon() override { inner_->abandon(); }
  [[nodiscard]] const HoldReport& report() const override { return inner_->report(); }
  [[nodiscard]] Hold& inner() { return *inner_; }
  [[nodiscard]] std::size_t peer() const { return peer_; }

 private:
  std::unique_ptr<Hold> inner_;
  std::size_t peer_;
  const HaPairFirewall& pair_;
};

HaPairFirewall::HaPairFirewall(std::unique_ptr<HaPeer> first, std::unique_ptr<HaPeer> second,
                               Clock& clock, HaPairOptions options)
    : peers_{std::move(first), std::move(second)}, clock_(clock), options_(options) {}

std::string HaPairFirewall::activePeer() const {
  return current_ ? peers_[*current_]->name() : std::string();
}

Result<std::size_t> HaPairFirewall::choose(bool wait) {
  const auto started = clock_.steadyNow();
  while (true) {
    std::vector<PeerAnswer> answers;
    for (std::size_t i = 0; i < peers_.size(); ++i) {
      answers.push_back(PeerAnswer{peers_[i]->name(), peers_[i]->haState()});
      unreachable_[i] = !answers.back().state.has_value();
    }
    auto chosen = chooseActivePeer(answers);
    if (chosen || !wait || chosen.error().code == ErrorCode::Config ||
        clock_.steadyNow() - started >= options_.failover_wait) {
      if (chosen) {
        spdlog::info("event=ha_state peers=\"{}\" active={}", allStates(answers),
                     peers_[*chosen]->name());
      }
      return chosen;
    }
    spdlog::info("event=ha_waiting_for_active peers=\"{}\"", allStates(answers));
    clock_.sleepFor(options_.poll);
  }
}

Result<std::size_t> HaPairFirewall::active() {
  if (current_) return *current_;
  // A pair in the middle of a failover has no active peer for a few seconds: wait for it.
  auto chosen = choose(/*wait=*/true);
  if (!chosen) return std::unexpected(chosen.error());
  current_ = *chosen;
  return *chosen;
}

Error HaPairFirewall::afterFailure(Error error) {
  if (!current_ || !mayBeFailover(error)) return error;
  const auto old = *current_;
  auto chosen = choose(/*wait=*/true);
  if (!chosen) {
    error.message += fmt::format(" (and {})", chosen.error().message);
    return error;
  }
  if (*chosen == old) return error;
  current_ = *chosen;
  spdlog::warn("event=ha_failover from={} to={} error=\"{}\"", peers_[old]->name(),
               peers_[*chosen]->name(), error.message);
  return Error{ErrorCode::Failover,
               fmt::format("HA failover: {} is no longer the active peer, {} is ({})",
                           peers_[old]->name(), peers_[*chosen]->name(), error.message)};
}

template <class Call>
auto HaPairFirewall::onActive(Call&& call) -> decltype(call(std::declval<Firewall&>())) {
  auto peer = active();
  if (!peer) return std::unexpected(peer.error());
  auto result = call(peers_[*peer]->firewall());
  if (!result) return std::unexpected(afterFailure(result.error()));
  return result;
}

Result<Hold*> HaPairFirewall::heldOnActive(Hold& hold) {
  auto* pair = dynamic_cast<PairHold*>(&hold);
  if (pair == nullptr) return fail(ErrorCode::Internal, "HA pair: a hold it did not hand out");
  if (!current_ || pair->peer() != *current_) {
    return fail(ErrorCode::Failover,
                fmt::format("HA failover: the hold was taken on {}, which is no longer the active "
                            "peer",
                            peers_[pair->peer()]->name()));
  }
  return &pair->inner();
}

Result<policy::Rulebase> HaPairFirewall::readRulebase() {
  return onActive([](Firewall& fw) { return fw.readRulebase(); });
}

const PendingChanges& HaPairFirewall::pendingChanges() const {
  static const PendingChanges kNone;
  return current_ ? peers_[*current_]->firewall().pendingChanges() : kNone;
}

Result<bool> HaPairFirewall::unmarkedChangesPending() {
  return onActive([](Firewall& fw) { return fw.unmarkedChangesPending(); });
}

Result<AllowedReport> HaPairFirewall::alreadyAllowed(const std::vector<policy::Flow>& flows) {
  return onActive([&](Firewall& fw) { return fw.alreadyAllowed(flows); });
}

Result<MatchAnswers> HaPairFirewall::matchFlows(const std::vector<policy::Flow>& flows) {
  return onActive([&](Firewall& fw) { return fw.matchFlows(flows); });
}

Result<MatchAnswers> HaPairFirewall::matchFlowsAll(const std::vector<policy::Flow>& flows) {
  return onActive([&](Firewall& fw) { return fw.matchFlowsAll(flows); });
}

Result<policy::Mappings> HaPairFirewall::readRegistrations() {
  return onActive([](Firewall& fw) { return fw.readRegistrations(); });
}

Status HaPairFirewall::sendRegistrations(const policy::RegistrationChanges& changes,
                                         std::int64_t timeout_seconds, Hold& hold,
                                         RegistrationReport& report) {
  auto inner = heldOnActive(hold);
  if (!inner) return std::unexpected(inner.error());
  return onActive([&](Firewall& fw) {
    return fw.sendRegistrations(changes, timeout_seconds, **inner, report);
  });
}

Result<std::unique_ptr<Hold>> HaPairFirewall::hold() {
  auto held = onActive([](Firewall& fw) { return fw.hold(); });
  if (!held) return std::unexpected(held.error());
  return std::unique_ptr<Hold>(std::make_unique<PairHold>(std::move(*held), *current_, *this));
}

Status HaPairFirewall::revertLeftovers(Hold& hold) {
  auto inner = heldOnActive(hold);
  if (!inner) return std::unexpected(inner.error());
  return onActive([&](Firewall& fw) { return fw.revertLeftovers(**inner); });
}

Status HaPairFirewall::apply(const policy::Plan& plan, Hold& hold, ApplyReport& report) {
  auto inner = heldOnActive(hold);
  if (!inner) return std::unexpected(inner.error());
  auto applied = onActive([&](Firewall& fw) { return fw.apply(plan, **inner, report); });
  if (!applied) return applied;
  if (options_.check_passive && report.committed) return checkPassive();
  return {};
}

Status HaPairFirewall::checkPassive() {
  const auto active_peer = *current_;
  auto& active = *peers_[active_peer];
  auto& passive = *peers_[1 - active_peer];
  const auto started = clock_.steadyNow();
  while (true) {
    auto expected = active.runningRules();
    if (!expected)
      return std::unexpected(expected.error().withContext("checking the passive peer"));
    auto actual = passive.runningRules();
    if (!actual) {
      return std::unexpected(
          actual.error().withContext(fmt::format("checking the passive peer {}", passive.name())));
    }
    const auto difference = rulebaseDifference(*expected, *actual);
    if (difference.empty()) {
      spdlog::info("event=ha_passive_checked peer={} rules={} result=same", passive.name(),
                   actual->size());
      return {};
    }
    auto state = active.haState();
    const bool sync_off = state && !state->sync_enabled;
    if (sync_off || clock_.steadyNow() - started >= options_.passive_check_wait) {
      const auto sync =
          state ? fmt::format("running-sync {}{}",
                              state->running_sync.empty() ? "unknown" : state->running_sync,
                              state->sync_enabled ? "" : ", config sync disabled")
                : "running-sync unknown";
      return fail(ErrorCode::Remote,
                  fmt::format("the passive peer {} is not synchronized with the active peer {} "
                              "after the commit ({}): its running rulebase has {}",
                              passive.name(), active.name(), sync, difference));
    }
    clock_.sleepFor(options_.poll);
  }
}

RequestCounts HaPairFirewall::requestCounts() const {
  RequestCounts counts;
  for (const auto& peer : peers_) {
    for (const auto& [kind, n] : peer->firewall().requestCounts().by_kind) {
      counts.by_kind[kind] += n;
    }
    for (const auto& [kind, n] : peer->stateRequests().by_kind) counts.by_kind[kind] += n;
  }
  return counts;
}

}  // namespace trailwall::panos
