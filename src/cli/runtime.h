#pragma once
// The front end's wiring (STYLE: only front ends read the environment and files): loads the
// configuration once, then builds the AWS session, the inventory source and the firewall client
// on first use, so a command that needs neither never touches them.

#include <memory>
#include <optional>
#include <string>

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

namespace trailwall::cli {

// A whole file, or standard input for "-". Errors name the path.
[[nodiscard]] Result<std::string> readFileOrStdin(const std::string& path);

// The firewall's API URL base from firewall.host: "fw.example.com[:port]" → https://…; an
// explicit http:// or https:// prefix is kept (plain HTTP only for simulators and labs).
[[nodiscard]] Result<std::string> firewallBaseUrl(const std::string& host);

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
  // The firewall client, with its API key resolved (env, file, Secrets Manager or SSM). With
  // firewall.peer, an HA pair that writes only to its active peer (panos/ha_pair.h).
  [[nodiscard]] Result<panos::Firewall*> firewall();
  [[nodiscard]] bool firewallConfigured() const { return !config_.firewall.host.empty(); }
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
  [[nodiscard]] http::SocketTransport& firewallTransport();
  // The settings of the firewall at `host` (the configured host or its HA peer).
  [[nodiscard]] panos::FirewallOptions firewallOptions(const std::string& host);
  // Both peers of `firewall` (host and peer) behind one Firewall that writes to the active one.
  [[nodiscard]] Result<std::unique_ptr<panos::Firewall>> haPair(
      const config::FirewallConfig& firewall, const std::string& api_key);

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
  std::unique_ptr<http::SocketTransport> firewall_transport_;
  std::unique_ptr<panos::PanOsClient> panos_;
  std::unique_ptr<panos::Firewall> firewall_;
};

}  // namespace trailwall::cli
