#include "cli/runtime.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <random>
#include <sstream>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace trailwall::cli {
namespace {

using std::chrono::milliseconds;

std::string trimTrailingNewlines(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

milliseconds secondsToMs(double seconds) {
  return milliseconds(static_cast<long long>(seconds * 1000.0));
}

}  // namespace

Result<std::string> readFileOrStdin(const std::string& path) {
  if (path == "-") {
    std::string text((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
    if (std::cin.bad()) return fail(ErrorCode::Io, "cannot read standard input");
    return text;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(ErrorCode::Io, fmt::format("cannot open {}", path));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return fail(ErrorCode::Io, fmt::format("cannot read {}", path));
  return text.str();
}

Result<std::string> firewallBaseUrl(const std::string& host) {
  if (host.empty()) {
    return fail(ErrorCode::Config, "no firewall configured: set firewall.host (or pa_ip)");
  }
  if (host.starts_with("https://") || host.starts_with("http://")) {
    std::string url = host;
    while (url.ends_with('/')) url.pop_back();
    return url;
  }
  if (host.find_first_of("/?#@ ") != std::string::npos) {
    return fail(ErrorCode::Config,
                fmt::format("firewall.host: '{}' is not a host name or address", host));
  }
  return "https://" + host;
}

std::vector<runner::FleetMember> fleetMembers(const config::Config& config) {
  std::vector<runner::FleetMember> out;
  for (auto& member : config.fleet()) {
    out.push_back(runner::FleetMember{std::move(member.name), std::move(member.policy)});
  }
  return out;
}

Result<std::unique_ptr<Runtime>> Runtime::create(const GlobalOptions& global) {
  std::unique_ptr<Runtime> rt(new Runtime());
  std::string path = global.config_file;
  if (path.empty()) {
    if (auto from_env = rt->env_.get("TRAILWALL_CONFIG")) path = *from_env;
  }
  std::string text;
  rt->config_source_ = "(defaults)";
  if (!path.empty()) {
    auto read = readFileOrStdin(path);
    if (!read) return std::unexpected(read.error().withContext("configuration"));
    text = std::move(*read);
    rt->config_source_ = path;
  }
  const auto snapshot = aws::ProcessEnvironment::snapshot();
  config::Environment env(snapshot.begin(), snapshot.end());
  auto cfg = config::parseConfig(text, rt->config_source_, env);
  if (!cfg) return std::unexpected(cfg.error());
  rt->config_ = std::move(*cfg);
  for (const auto& member : rt->config_.fleet()) {
    if (member.firewall.tls_verify) continue;  // warned at every start, whatever the command
    spdlog::warn(
        "event=tls_verification_off host={} note=\"firewall.tls_verify = false: the firewall's "
        "certificate is not checked; anyone on the path can read the API key\"",
        member.firewall.host);
  }
  return rt;
}

const std::string& Runtime::runId() {
  if (run_id_.empty()) {
    // 48 random bits: unique among the runs that can overlap on one firewall.
    std::random_device random;
    const auto high = static_cast<std::uint64_t>(random()) & 0xffffU;
    const auto low = static_cast<std::uint64_t>(random()) & 0xffffffffU;
    run_id_ = fmt::format("tw-{:012x}", (high << 32U) | low);
  }
  return run_id_;
}

Result<aws::AwsSession*> Runtime::aws() {
  if (aws_) return aws_.get();
  http::TransportOptions options;
  options.proxy = http::ProxySettings::fromEnvironment(env_.lookup());
  // AWS_CA_BUNDLE as the AWS SDKs and CLI read it, else OpenSSL's SSL_CERT_FILE.
  options.ca_bundle = env_.get("AWS_CA_BUNDLE");
  if (!options.ca_bundle) options.ca_bundle = env_.get("SSL_CERT_FILE");
  // A hung endpoint fails in bounded time: each attempt of an AWS call is bounded
  // ([aws] connect_timeout_seconds / request_timeout_seconds), retries by the retry policy.
  options.connect_timeout = secondsToMs(config_.aws.connect_timeout_seconds);
  options.total_timeout = secondsToMs(config_.aws.request_timeout_seconds);
  aws_transport_ = std::make_unique<http::SocketTransport>(options);
  // The environment or profile names the region; --region only fills in when they do not, and
  // instance metadata only when nothing names it.
  aws::SessionOptions session_options;
  session_options.fallback_region = aws_region_;
  session_options.request_timeout = options.total_timeout;
  auto session = aws::AwsSession::create(env_, *aws_transport_, clock_, random_, session_options);
  if (!session) return std::unexpected(session.error());
  aws_ = std::move(*session);
  for (const auto& note : aws_->notes()) spdlog::info("event=aws_settings note=\"{}\"", note);
  return aws_.get();
}

Result<engine::InventorySource*> Runtime::awsInventory() {
  if (inventory_) return inventory_.get();
  auto session = aws();
  if (!session) return std::unexpected(session.error());
  // Every gateway's instance and ENIs, so routes to any firewall of the fleet are recognised.
  aws::LoaderOptions loader;
  for (const auto& member : config_.fleet()) {
    if (loader.gateway_instance_id.empty()) {
      loader.gateway_instance_id = member.policy.gateway_instance_id;
    } else if (!member.policy.gateway_instance_id.empty()) {
      loader.other_gateway_instance_ids.push_back(member.policy.gateway_instance_id);
    }
    for (const auto& eni : member.policy.gateway_eni_ids) {
      if (std::ranges::find(loader.gateway_eni_ids, eni) == loader.gateway_eni_ids.end()) {
        loader.gateway_eni_ids.push_back(eni);
      }
    }
  }
  std::map<std::string, std::string> roles(config_.aws.roles.begin(), config_.aws.roles.end());
  inventory_ = std::make_unique<engine::AwsInventorySource>(**session, clock_, std::move(loader),
                                                            std::move(roles));
  return inventory_.get();
}

http::SocketTransport& Runtime::firewallTransport(const std::string& name,
                                                  const config::FirewallConfig& firewall) {
  auto& transport = firewall_transports_[name];
  if (!transport) {
    http::TransportOptions options;
    options.proxy = http::ProxySettings::fromEnvironment(env_.lookup());
    options.total_timeout = std::chrono::seconds(120);
    if (!firewall.ca_bundle.empty()) {
      options.ca_bundle = firewall.ca_bundle;
    } else {
      options.ca_bundle = env_.get("SSL_CERT_FILE");
    }
    options.insecure_skip_tls_verify = !firewall.tls_verify;  // warned about in create()
    transport = std::make_unique<http::SocketTransport>(options);
  }
  return *transport;
}

Result<aws::S3Client*> Runtime::s3() {
  if (s3_) return s3_.get();
  auto session = aws();
  if (!session) return std::unexpected(session.error());
  s3_ = (*session)->s3();
  return s3_.get();
}

Result<std::unique_ptr<panos::PanOsClient>> Runtime::panosClient(std::string api_key,
                                                                 std::string host,
                                                                 int read_attempts) {
  auto member = config_.fleet().front();
  if (!host.empty()) member.firewall.host = std::move(host);
  return panosClientFor(member.name, member.firewall, std::move(api_key), read_attempts);
}

Result<std::unique_ptr<panos::PanOsClient>> Runtime::panosClientFor(
    const std::string& name, const config::FirewallConfig& firewall, std::string api_key,
    int read_attempts) {
  const auto& host = firewall.host;
  auto base = firewallBaseUrl(host);
  if (!base) return std::unexpected(base.error());
  if (base->starts_with("http://")) {
    spdlog::warn("event=plain_http host={} note=\"the firewall is reached over plain HTTP\"", host);
  }
  panos::ClientOptions options;
  options.base_url = *base;
  options.api_key = std::move(api_key);
  options.admin = firewall.admin;
  options.request_timeout = secondsToMs(firewall.request_timeout_seconds);
  options.job_poll_interval = secondsToMs(firewall.job_poll_seconds);
  options.job_poll_fast = std::min(options.job_poll_fast, options.job_poll_interval);
  options.job_timeout = secondsToMs(firewall.commit_timeout_seconds);
  options.multi_config = firewall.multi_config;
  if (read_attempts > 0) options.read_attempts = read_attempts;
  return std::make_unique<panos::PanOsClient>(firewallTransport(name, firewall), clock_,
                                              std::move(options));
}

Result<std::string> Runtime::resolveSecret(const config::SecretRef& ref, std::string_view what) {
  switch (ref.kind) {
    case config::SecretRef::Kind::None:
      return fail(ErrorCode::Config,
                  fmt::format("no {} configured: set firewall.api_key (env, file, secretsmanager "
                              "or ssm) or the pa_key variable",
                              what));
    case config::SecretRef::Kind::Env: {
      auto value = env_.get(ref.ref);
      if (!value) {
        return fail(ErrorCode::Config,
                    fmt::format("{}: environment variable {} is not set", what, ref.ref));
      }
      return *value;
    }
    case config::SecretRef::Kind::File: {
      auto text = readFileOrStdin(ref.ref);
      if (!text) return std::unexpected(text.error().withContext(what));
      auto value = trimTrailingNewlines(std::move(*text));
      if (value.empty())
        return fail(ErrorCode::Config, fmt::format("{}: {} is empty", what, ref.ref));
      return value;
    }
    case config::SecretRef::Kind::SecretsManager: {
      auto session = aws();
      if (!session) return std::unexpected(session.error().withContext(what));
      auto secret = (*session)->secretsManager()->getSecretValue(ref.ref);
      if (!secret) {
        return std::unexpected(
            secret.error().withContext(fmt::format("{} from Secrets Manager {}", what, ref.ref)));
      }
      return std::move(secret->value);
    }
    case config::SecretRef::Kind::Ssm: {
      auto session = aws();
      if (!session) return std::unexpected(session.error().withContext(what));
      auto parameter = (*session)->ssm()->getParameter(ref.ref, true);
      if (!parameter) {
        return std::unexpected(
            parameter.error().withContext(fmt::format("{} from SSM parameter {}", what, ref.ref)));
      }
      return std::move(parameter->value);
    }
  }
  return fail(ErrorCode::Internal, "unknown secret kind");
}

panos::FirewallOptions Runtime::firewallOptions(const config::FirewallConfig& cfg,
                                                const policy::Options& policy,
                                                const std::string& host) {
  panos::FirewallOptions options;
  options.location.vsys = cfg.vsys;
  options.from_zone = policy.from_zone;
  options.to_zone = policy.to_zone;
  options.managed_tag = policy.managed_tag;
  options.max_policy_match_tests = cfg.max_policy_match_tests;
  options.policy_match_concurrency = cfg.policy_match_concurrency;
  options.lock_wait_timeout = secondsToMs(cfg.lock_wait_seconds);
  options.lock_poll_interval =
      std::min(options.lock_wait_timeout, secondsToMs(cfg.lock_poll_seconds));
  options.hold_lease = secondsToMs(cfg.run_lease_seconds);
  const auto job_poll = secondsToMs(cfg.job_poll_seconds);
  options.hold_poll.fast = std::min(options.hold_poll.fast, job_poll);
  options.hold_poll.slow = std::max(options.hold_poll.fast, job_poll);
  options.name = host;
  options.run_id = runId();
  return options;
}

Result<std::unique_ptr<panos::Firewall>> Runtime::haPair(const config::FleetFirewall& member,
                                                         const std::string& api_key) {
  const auto& firewall = member.firewall;
  std::unique_ptr<panos::HaPeer> peers[2];
  const std::string* hosts[2] = {&firewall.host, &firewall.peer};
  for (int i = 0; i < 2; ++i) {
    auto peer_cfg = firewall;
    peer_cfg.host = *hosts[i];
    auto client = panosClientFor(member.name, peer_cfg, api_key);
    if (!client) return std::unexpected(client.error());
    // HA state once per attempt: a peer that does not answer is down, and is asked again on
    // the pair's own schedule.
    auto state_client = panosClientFor(member.name, peer_cfg, api_key, 1);
    if (!state_client) return std::unexpected(state_client.error());
    auto peer = panos::PanOsHaPeer::create(std::move(*client), std::move(*state_client), clock_,
                                           firewallOptions(firewall, member.policy, *hosts[i]));
    if (!peer) return std::unexpected(peer.error());
    peers[i] = std::move(*peer);
  }
  panos::HaPairOptions options;
  options.check_passive = firewall.check_passive;
  options.poll = secondsToMs(firewall.job_poll_seconds);
  return std::make_unique<panos::HaPairFirewall>(std::move(peers[0]), std::move(peers[1]), clock_,
                                                 options);
}

Result<panos::Firewall*> Runtime::firewall() {
  return firewall(config_.fleet().front().name);
}

Result<panos::Firewall*> Runtime::firewall(std::string_view name) {
  const std::lock_guard lock(firewalls_mutex_);
  if (const auto it = firewalls_.find(name); it != firewalls_.end()) return it->second.get();
  const auto member = config_.member(name);
  if (!member) {
    return fail(ErrorCode::Config, fmt::format("no firewall named '{}' is configured", name));
  }
  const auto& cfg = member->firewall;
  const auto& policy = member->policy;
  // A fleet's errors name the entry; the single firewall's read as they always did.
  const std::string which =
      config_.firewalls.empty() ? "firewall" : fmt::format("firewall '{}'", member->name);
  if (cfg.admin.empty()) {
    return fail(ErrorCode::Config,
                fmt::format("{} is not set: name the API administrator the key belongs to "
                            "(trailwall commits only that administrator's changes)",
                            config_.firewalls.empty() ? "firewall.admin" : which + ": admin"));
  }
  auto key = resolveSecret(cfg.api_key, config_.firewalls.empty()
                                            ? "the firewall API key"
                                            : fmt::format("the API key of {}", which));
  if (!key) return std::unexpected(key.error());
  if (!cfg.peer.empty()) {
    auto pair = haPair(*member, *key);
    if (!pair) return std::unexpected(pair.error());
    auto& out = firewalls_[member->name];
    out = std::move(*pair);
    return out.get();
  }
  auto client = panosClientFor(member->name, cfg, *key);
  if (!client) return std::unexpected(client.error());
  auto& panos = panos_[member->name];
  panos = std::move(*client);
  // Panorama: its managed firewalls, asked directly (same key and administrator, an assumption
  // documented in docs/panorama.md).
  std::vector<panos::PanOsClient*> devices;
  for (const auto& host : cfg.device_hosts) {
    auto device_cfg = cfg;
    device_cfg.host = host;
    auto device = panosClientFor(member->name, device_cfg, *key);
    if (!device) {
      return std::unexpected(device.error().withContext(
          config_.firewalls.empty() ? "firewall.device_hosts" : which + ": device_hosts"));
    }
    devices.push_back(device->get());
    device_clients_.push_back(std::move(*device));
  }
  auto options = firewallOptions(cfg, policy, cfg.host);
  options.location.device_group = cfg.device_group;
  options.location.rulebase =
      cfg.rulebase == "post" ? panos::PanoramaRulebase::Post : panos::PanoramaRulebase::Pre;
  auto push = panos::parsePushPolicy(cfg.push);
  if (!push) {
    return std::unexpected(
        push.error().withContext(config_.firewalls.empty() ? "firewall.push" : which + ": push"));
  }
  options.push = *push;
  auto fw = panos::PanOsFirewall::create(*panos, clock_, std::move(options));
  if (!fw) return std::unexpected(fw.error());
  auto pan = std::make_unique<panos::PanOsFirewall>(std::move(*fw));
  pan->setDeviceClients(std::move(devices));
  auto& out = firewalls_[member->name];
  out = std::move(pan);
  return out.get();
}

}  // namespace trailwall::cli
