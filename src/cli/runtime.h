#pragma once
// The front end's wiring (STYLE: only front ends read the environment and files): loads the
// configuration once, then builds the AWS session, the inventory source and the firewall client
// on first use, so a command that needs neither never touches them.

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aws/environment.h"
#include "aws/retry.h"
#include "aws/session.h"
#include "cli/command.h"
#include "common/clock.h"
#include "common/error.h"
#include "config/config.h"
#include "engine/aws_inventory_source.h"
#include "http/socket_transport.h"
#include "panos/client.h"
#include "panos/firewall.h"
#include "panos/ha_pair.h"
#include "runner/fleet_split.h"

namespace trailwall::cli {

// A whole file, or standard input for "-". Errors name the path.
[[nodiscard]] Result<std::string> readFileOrStdin(const std::string& path);

// The firewall's API URL base from firewall.host: "fw.example.com[:port]" → https://…; an
// explicit http:// or https:// prefix is kept (plain HTTP only for simulators and labs).
[[nodiscard]] Result<std::string> firewallBaseUrl(const std::string& host);

// The runner's view of the configuration's fleet (config::Config::fleet).
[[nodiscard]] std::vector<runner::FleetMember> fleetMembers(const config::Config& config);

class Runtime {
 public:
  // Reads --config FILE (else $TRAILWALL_CONFIG, else no file: defaults) with environment
  // overrides.
  [[nodiscard]] static Result<std::unique_ptr<Runtime>> create(const GlobalOptions& global);

  [[nodiscard]] const config::Config& config() const { return config_; }
  [[nodiscard]] const std::string& configSource() const { return config_source_; }
  [[nodiscard]] const aws::Environment& environment() const { return env_; }
  [[nodiscard]] Clock& clock() { return clock_; }

  // This run's id (in the firewall's lock comment and commit description): random unless a front
  // end sets one (the Lambda request id) before firewall() is first called.
  [[nodiscard]] const std::string& runId();
  void setRunId(std::string run_id) { run_id_ = std::move(run_id); }

  // The AWS region when neither the environment nor the profile names one (--region).
  void setAwsRegion(std::string region) { aws_region_ = std::move(region); }
  [[nodiscard]] Result<aws::AwsSession*> aws();
  [[nodiscard]] Result<engine::InventorySource*> awsInventory();
  // The firewall client, with its API key resolved (env, file, Secrets Manager or SSM): the
  // fleet's firewall named `name` (config::Config::fleet), or its first. With firewall.peer, an
  // HA pair that writes only to its active peer (panos/ha_pair.h). Safe to call from several
  // threads (a fleet's runs); each name's firewall is built once.
  [[nodiscard]] Result<panos::Firewall*> firewall();
  [[nodiscard]] Result<panos::Firewall*> firewall(std::string_view name);
  [[nodiscard]] bool firewallConfigured() const {
    return !config_.firewall.host.empty() || !config_.firewalls.empty();
  }
  [[nodiscard]] Result<aws::S3Client*> s3();
  // A bare PAN-OS client (keygen: no key yet); `host` overrides firewall.host when not empty;
  // `read_attempts` (> 0) replaces the client's default for read-only requests.
  [[nodiscard]] Result<std::unique_ptr<panos::PanOsClient>> panosClient(std::string api_key,
                                                                        std::string host = {},
                                                                        int read_attempts = 0);

 private:
  Runtime() = default;
  [[nodiscard]] Result<std::string> resolveSecret(const config::SecretRef& ref,
                                                  std::string_view what);
  [[nodiscard]] http::SocketTransport& firewallTransport(const std::string& name,
                                                         const config::FirewallConfig& firewall);
  [[nodiscard]] Result<std::unique_ptr<panos::PanOsClient>> panosClientFor(
      const std::string& name, const config::FirewallConfig& firewall, std::string api_key,
      int read_attempts = 0);
  // The settings of the firewall at `host` (the entry's host or its HA peer).
  [[nodiscard]] panos::FirewallOptions firewallOptions(const config::FirewallConfig& firewall,
                                                       const policy::Options& policy,
                                                       const std::string& host);
  // Both peers of `member` (host and peer) behind one Firewall that writes to the active one.
  [[nodiscard]] Result<std::unique_ptr<panos::Firewall>> haPair(const config::FleetFirewall& member,
                                                                const std::string& api_key);

  config::Config config_;
  std::string config_source_;
  aws::ProcessEnvironment env_;
  SystemClock clock_;
  aws::SystemRandom random_;
  std::optional<std::string> aws_region_;
  std::string run_id_;
  std::unique_ptr<http::SocketTransport> aws_transport_;
  std::unique_ptr<aws::AwsSession> aws_;
  std::unique_ptr<engine::AwsInventorySource> inventory_;
  std::unique_ptr<aws::S3Client> s3_;
  // Per firewall of the fleet, by name.
  std::mutex firewalls_mutex_;
  std::map<std::string, std::unique_ptr<http::SocketTransport>, std::less<>> firewall_transports_;
  std::map<std::string, std::unique_ptr<panos::PanOsClient>, std::less<>> panos_;
  std::vector<std::unique_ptr<panos::PanOsClient>> device_clients_;  // Panorama's device_hosts
  std::map<std::string, std::unique_ptr<panos::Firewall>, std::less<>> firewalls_;
};

}  // namespace trailwall::cli
