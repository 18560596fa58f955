#include "aws/credentials.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "aws/api_error.h"
#include "aws/environment.h"
#include "aws/instance_metadata.h"
#include "aws/shared_config.h"
#include "aws/timestamps.h"
#include "http/text.h"
#include "http/transport.h"
#include "http/url.h"

namespace trailwall::aws {

namespace {

using namespace std::chrono_literals;

constexpr auto kContainerTimeout = std::chrono::milliseconds(2000);

std::unexpected<Error> notConfigured(std::string why) {
  return fail(ErrorCode::NotFound, std::move(why));
}

// Hosts a FULL_URI may name over plain http: loopback, the ECS and EKS Pod Identity agents.
bool allowedHttpHost(const std::string& host) {
  return host == "localhost" || host.starts_with("127.") || host == "::1" ||
         host == "169.254.170.2" || host == "169.254.170.23" || host == "fd00:ec2::23";
}

// "trailwall-<unix seconds>", as the SDKs name sessions nobody named.
std::string defaultSessionName(Clock& clock) {
  return "trailwall-" + std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                                           clock.now().time_since_epoch())
                                           .count());
}

}  // namespace

std::string Credentials::describe() const {
  return "access key " + access_key_id + " from " + (source.empty() ? "unknown source" : source);
}

Result<Credentials> parseCredentialsJson(std::string_view body, const std::string& source) {
  const auto json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) {
    return fail(ErrorCode::Auth, source + " did not return a JSON object");
  }
  if (auto code = json.find("Code");
      code != json.end() && code->is_string() && code->get<std::string>() != "Success") {
    return fail(ErrorCode::Auth, source + " answered Code " + code->get<std::string>());
  }
  const auto text = [&json](const char* key) -> std::string {
    auto it = json.find(key);
    return it != json.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  Credentials c;
  c.access_key_id = text("AccessKeyId");
  c.secret_access_key = text("SecretAccessKey");
  c.session_token = text("Token");
  c.source = source;
  if (c.access_key_id.empty() || c.secret_access_key.empty()) {
    return fail(ErrorCode::Auth, source + " returned no AccessKeyId/SecretAccessKey");
  }
  if (const auto expiration = text("Expiration"); !expiration.empty()) {
    auto when = parseIso8601(expiration);
    if (!when) {
      return fail(ErrorCode::Auth, source + ": bad Expiration: " + when.error().message);
    }
    c.expiration = *when;
  }
  return c;
}

// ---- chain ----------------------------------------------------------------------------------

CredentialsChain::CredentialsChain(std::vector<std::unique_ptr<CredentialsSource>> sources,
                                   Clock& clock, std::chrono::seconds refresh_window)
    : sources_(std::move(sources)), clock_(clock), refresh_window_(refresh_window) {}

void CredentialsChain::invalidate() {
  std::lock_guard lock(mutex_);
  cached_.reset();
}

Result<Credentials> CredentialsChain::credentials() {
  std::lock_guard lock(mutex_);
  const auto now = clock_.now();
  if (cached_ && (!cached_->expiration || now + refresh_window_ < *cached_->expiration)) {
    return *cached_;
  }
  auto fresh = fetchLocked();
  if (fresh) {
    cached_ = *fresh;
    return fresh;
  }
  // Static stability: a failed refresh keeps credentials that have not expired yet.
  if (cached_ && cached_->expiration && now < *cached_->expiration) {
    return *cached_;
  }
  cached_.reset();
  return fresh;
}

Result<Credentials> CredentialsChain::fetchLocked() {
  const auto check_expiry = [this](Result<Credentials> r) -> Result<Credentials> {
    if (r && r->expiration && *r->expiration <= clock_.now()) {
      return fail(ErrorCode::Auth, "the credentials from " + r->source + " expired at " +
                                       formatIso8601(*r->expiration));
    }
    return r;
  };
  if (active_ != nullptr) {
    auto r = active_->fetch();
    if (r || r.error().code != ErrorCode::NotFound) {
      return check_expiry(std::move(r));
    }
    active_ = nullptr;  // the source went away (variables unset): search again
  }
  std::string tried;
  for (const auto& source : sources_) {
    auto r = source->fetch();
    if (r) {
      active_ = source.get();
      return check_expiry(std::move(r));
    }
    if (r.error().code != ErrorCode::NotFound) {
      std::string message = source->name() + ": " + r.error().message;
      if (!tried.empty()) {
        message += " (after trying " + tried + ")";
      }
      return std::unexpected(Error{r.error().code, std::move(message)});
    }
    if (!tried.empty()) {
      tried += "; ";
    }
    tried += source->name() + " (" + r.error().message + ")";
  }
  return fail(ErrorCode::Auth, "no AWS credentials found; tried " + tried);
}

// ---- environment ----------------------------------------------------------------------------

Result<Credentials> EnvironmentCredentialsSource::fetch() {
  const auto id = env_.get("AWS_ACCESS_KEY_ID");
  const auto secret = env_.get("AWS_SECRET_ACCESS_KEY");
  if (!id && !secret) {
    return notConfigured("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY not set");
  }
  if (!id || !secret) {
    return notConfigured(std::string(id ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID") +
                         " not set");
  }
  Credentials c{*id, *secret, env_.get("AWS_SESSION_TOKEN").value_or(""), std::nullopt,
                "environment variables"};
  if (auto expiration = env_.get("AWS_CREDENTIAL_EXPIRATION")) {
    auto when = parseIso8601(*expiration);
    if (!when) {
      return fail(ErrorCode::Config, "AWS_CREDENTIAL_EXPIRATION: " + when.error().message);
    }
    c.expiration = *when;
  }
  return c;
}

// ---- profile --------------------------------------------------------------------------------

ProfileCredentialsSource::ProfileCredentialsSource(const Environment& env,
                                                   const SharedConfig& config,
                                                   http::HttpTransport& transport, Clock& clock,
                                                   AssumeRoleFn assume_role,
                                                   AssumeRoleWithWebIdentityFn web_identity)
    : env_(env),
      config_(config),
      transport_(transport),
      clock_(clock),
      assume_role_(std::move(assume_role)),
      web_identity_(std::move(web_identity)),
      profile_(profileName(env)),
      explicit_profile_(env.get("AWS_PROFILE").has_value() ||
                        env.get("AWS_DEFAULT_PROFILE").has_value()) {}

std::string ProfileCredentialsSource::name() const {
  return "shared config profile '" + profile_ + "'";
}

Result<Credentials> ProfileCredentialsSource::fetch() {
  std::vector<std::string> visited;
  auto r = resolve(profile_, visited);
  if (!r && r.error().code == ErrorCode::NotFound && explicit_profile_ && visited.size() <= 1) {
    return fail(ErrorCode::Config, r.error().message + " (AWS_PROFILE names it)");
  }
  return r;
}

Result<Credentials> ProfileCredentialsSource::resolve(const std::string& profile,
                                                      std::vector<std::string>& visited) {
  if (std::ranges::find(visited, profile) != visited.end()) {
    return fail(ErrorCode::Config, "profile '" + profile + "' is part of a source_profile loop");
  }
  visited.push_back(profile);
  const auto section = config_.profile(profile);
  const auto files = [this] {
    return (config_.configPath().empty() ? std::string("the config file") : config_.configPath()) +
           " or " +
           (config_.credentialsPath().empty() ? std::string("the credentials file")
                                              : config_.credentialsPath());
  };
  if (!section) {
    if (visited.size() > 1) {
      return fail(ErrorCode::Config, "source_profile '" + profile + "' not found in " + files());
    }
    return notConfigured("profile '" + profile + "' not found in " + files());
  }
  const auto id = section->get("aws_access_key_id");
  const auto secret = section->get("aws_secret_access_key");
  const std::string where = "profile '" + profile + "'";
  if (auto role_arn = section->get("role_arn")) {
    if (auto token_file = section->get("web_identity_token_file");
        token_file && !section->get("source_profile") && !section->get("credential_source")) {
      WebIdentityParams params;
      params.role_arn = *role_arn;
      params.token_file = *token_file;
      params.session_name = section->get("role_session_name").value_or(defaultSessionName(clock_));
      params.where = "web_identity_token_file";
      auto assumed = assumeRoleWithWebIdentity(params, web_identity_);
      if (!assumed) {
        return std::unexpected(assumed.error().withContext(where));
      }
      assumed->source = where + " (web identity, role " + *role_arn + ")";
      return assumed;
    }
    Result<Credentials> source_credentials = fail(ErrorCode::Internal, "unset");
    if (auto source_profile = section->get("source_profile")) {
      if (*source_profile == profile && id && secret) {
        // A profile may name itself: its static keys assume its role.
        source_credentials = Credentials{
            *id, *secret, section->get("aws_session_token").value_or(""), std::nullopt, where};
      } else {
        source_credentials = resolve(*source_profile, visited);
      }
    } else if (auto credential_source = section->get("credential_source")) {
      if (*credential_source == "Environment") {
        source_credentials = EnvironmentCredentialsSource(env_).fetch();
      } else if (*credential_source == "Ec2InstanceMetadata") {
        source_credentials = InstanceMetadataCredentialsSource(env_, transport_).fetch();
      } else if (*credential_source == "EcsContainer") {
        source_credentials = ContainerCredentialsSource(env_, transport_).fetch();
      } else {
        return fail(ErrorCode::Config, where + ": credential_source '" + *credential_source +
                                           "' is not Environment, Ec2InstanceMetadata or "
                                           "EcsContainer");
      }
    } else {
      return fail(ErrorCode::Config,
                  where + " has role_arn but neither source_profile nor credential_source");
    }
    if (!source_credentials) {
      const auto code = source_credentials.error().code == ErrorCode::NotFound
                            ? ErrorCode::Auth
                            : source_credentials.error().code;
      return std::unexpected(Error{code, where + ": source credentials for " + *role_arn + ": " +
                                             source_credentials.error().message});
    }
    if (!assume_role_) {
      return fail(ErrorCode::Config, where + ": no STS client to assume " + *role_arn);
    }
    AssumeRoleParams params;
    params.role_arn = *role_arn;
    params.session_name = section->get("role_session_name").value_or(defaultSessionName(clock_));
    params.external_id = section->get("external_id").value_or("");
    if (auto duration = section->get("duration_seconds")) {
      try {
        params.duration = std::chrono::seconds(std::stol(*duration));
      } catch (const std::exception&) {
        return fail(ErrorCode::Config,
                    where + ": duration_seconds '" + *duration + "' is not a number");
      }
    }
    StaticCredentialsProvider source(std::move(*source_credentials));
    auto assumed = assume_role_(source, params);
    if (!assumed) {
      return std::unexpected(assumed.error().withContext(where + ": assuming " + *role_arn));
    }
    assumed->source = where + " (role " + *role_arn + ")";
    return assumed;
  }
  if (id && secret) {
    return Credentials{*id, *secret, section->get("aws_session_token").value_or(""), std::nullopt,
                       where};
  }
  if (section->get("sso_session") || section->get("sso_start_url")) {
    return fail(ErrorCode::Unsupported,
                where +
                    " uses IAM Identity Center (SSO), which trailwall does not read; export "
                    "credentials (aws configure export-credentials) or use a role");
  }
  if (section->get("credential_process")) {
    return fail(ErrorCode::Unsupported,
                where + " uses credential_process, which trailwall does not run");
  }
  if (id || secret) {
    return notConfigured(where + " has only one of aws_access_key_id / aws_secret_access_key");
  }
  return notConfigured(where + " has no credentials");
}

// ---- container ------------------------------------------------------------------------------

Result<Credentials> ContainerCredentialsSource::fetch() {
  std::string url;
  if (auto relative = env_.get("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")) {
    url = "http://169.254.170.2" + (relative->starts_with('/') ? *relative : "/" + *relative);
  } else if (auto full = env_.get("AWS_CONTAINER_CREDENTIALS_FULL_URI")) {
    auto parsed = http::parseUrl(*full);
    if (!parsed) {
      return fail(ErrorCode::Config,
                  "AWS_CONTAINER_CREDENTIALS_FULL_URI: " + parsed.error().message);
    }
    if (parsed->scheme == "http" && !allowedHttpHost(parsed->host)) {
      return fail(ErrorCode::Config,
                  "AWS_CONTAINER_CREDENTIALS_FULL_URI may use plain http only for loopback, "
                  "169.254.170.2, 169.254.170.23 or fd00:ec2::23, not " +
                      parsed->host);
    }
    url = *full;
  } else {
    return notConfigured(
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and AWS_CONTAINER_CREDENTIALS_FULL_URI not set");
  }
  http::Request request{"GET", url, {}, "", kContainerTimeout};
  std::string token;
  if (auto token_file = env_.get("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")) {
    std::ifstream in(*token_file, std::ios::binary);
    if (!in) {
      return fail(ErrorCode::Config,
                  "cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE " + *token_file);
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    token = ss.str();
    while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) {
      token.pop_back();
    }
  } else if (auto t = env_.get("AWS_CONTAINER_AUTHORIZATION_TOKEN")) {
    token = *t;
  }
  if (!token.empty()) {
    if (token.find_first_of("\r\n") != std::string::npos) {
      return fail(ErrorCode::Config, "the container authorization token contains a line break");
    }
    request.headers.emplace_back("Authorization", token);
  }
  const std::string where = "container credentials endpoint " + http::redactedUrl(url);
  // One retry: the agent may be starting up.
  Result<http::Response> response = fail(ErrorCode::Internal, "unset");
  for (int attempt = 0; attempt < 2; ++attempt) {
    response = transport_.send(request);
    if (response && response->status < 500) {
      break;
    }
  }
  if (!response) {
    return fail(ErrorCode::Auth, where + " unreachable: " + response.error().message);
  }
  if (response->status != 200) {
    return fail(ErrorCode::Auth, where + " answered HTTP " + std::to_string(response->status));
  }
  return parseCredentialsJson(response->body, "container credentials");
}

// ---- instance metadata ----------------------------------------------------------------------

Result<Credentials> InstanceMetadataCredentialsSource::fetch() {
  InstanceMetadataClient imds(env_, transport_);
  const std::string roles_path = "iam/security-credentials/";
  auto roles = imds.lookup(roles_path);
  if (!roles) {
    return std::unexpected(roles.error());  // NotFound: not on EC2 or disabled
  }
  const std::string role = roles->value_or("").substr(0, roles->value_or("").find_first_of("\r\n"));
  if (role.empty()) {
    return notConfigured("no IAM role attached to this instance");
  }
  auto creds = imds.get(roles_path + http::percentEncode(role));
  if (!creds) {
    return fail(ErrorCode::Auth, "instance metadata credentials: " + creds.error().message);
  }
  return parseCredentialsJson(*creds, "EC2 instance metadata (role " + role + ")");
}

// ---- web identity ---------------------------------------------------------------------------

Result<Credentials> assumeRoleWithWebIdentity(const WebIdentityParams& params,
                                              const AssumeRoleWithWebIdentityFn& assume) {
  const std::string file = params.where + " " + params.token_file;
  errno = 0;
  std::ifstream in(params.token_file, std::ios::binary);
  if (!in) {
    return fail(ErrorCode::Config, file + " cannot be read: " +
                                       (errno != 0 ? std::strerror(errno) : "cannot open it"));
  }
  std::ostringstream text;
  text << in.rdbuf();
  const std::string token(http::trim(text.str()));
  if (token.empty()) {
    return fail(ErrorCode::Config, file + " is empty");
  }
  if (!assume) {
    return fail(ErrorCode::Config, "no STS client to assume " + params.role_arn);
  }
  auto assumed = assume(params, token);
  if (!assumed) {
    // Configured but refused: never "not configured", so the chain stops here and says why.
    const ErrorCode code =
        assumed.error().code == ErrorCode::NotFound ? ErrorCode::Auth : assumed.error().code;
    return std::unexpected(
        Error{code, redactSecrets("assuming " + params.role_arn + " with the token of " + file +
                                      ": " + assumed.error().message,
                                  Credentials{"", "", token, std::nullopt, ""})});
  }
  assumed->source = "web identity (" + params.where + ", role " + params.role_arn + ")";
  return assumed;
}

Result<Credentials> WebIdentityCredentialsSource::fetch() {
  const auto file = env_.get("AWS_WEB_IDENTITY_TOKEN_FILE");
  const auto role = env_.get("AWS_ROLE_ARN");
  if (!file && !role) {
    return notConfigured("AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN not set");
  }
  if (!file || !role) {
    return fail(ErrorCode::Config,
                std::string(file ? "AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not"
                                 : "AWS_ROLE_ARN is set but AWS_WEB_IDENTITY_TOKEN_FILE is not") +
                    "; web identity needs both");
  }
  WebIdentityParams params;
  params.role_arn = *role;
  params.token_file = *file;
  params.session_name = env_.get("AWS_ROLE_SESSION_NAME").value_or(defaultSessionName(clock_));
  params.where = "AWS_WEB_IDENTITY_TOKEN_FILE";
  return assumeRoleWithWebIdentity(params, assume_);
}

// ---- roles ----------------------------------------------------------------------------------

Result<Credentials> AssumeRoleCredentialsSource::fetch() {
  auto r = assume_role_(source_, params_);
  if (r) {
    r->source = "role " + params_.role_arn;
  }
  return r;
}

std::unique_ptr<CredentialsChain> makeDefaultCredentialsChain(
    const Environment& env, const SharedConfig& config, http::HttpTransport& transport,
    Clock& clock, AssumeRoleFn assume_role, AssumeRoleWithWebIdentityFn web_identity) {
  std::vector<std::unique_ptr<CredentialsSource>> sources;
  sources.push_back(std::make_unique<EnvironmentCredentialsSource>(env));
  sources.push_back(std::make_unique<WebIdentityCredentialsSource>(env, clock, web_identity));
  sources.push_back(std::make_unique<ProfileCredentialsSource>(
      env, config, transport, clock, std::move(assume_role), std::move(web_identity)));
  sources.push_back(std::make_unique<ContainerCredentialsSource>(env, transport));
  sources.push_back(std::make_unique<InstanceMetadataCredentialsSource>(env, transport));
  return std::make_unique<CredentialsChain>(std::move(sources), clock);
}

std::unique_ptr<CredentialsChain> makeAssumeRoleProvider(CredentialsProvider& source,
                                                         AssumeRoleParams params,
                                                         AssumeRoleFn assume_role, Clock& clock) {
  std::vector<std::unique_ptr<CredentialsSource>> sources;
  sources.push_back(std::make_unique<AssumeRoleCredentialsSource>(source, std::move(params),
                                                                  std::move(assume_role)));
  return std::make_unique<CredentialsChain>(std::move(sources), clock);
}

void AccountCredentials::addRole(const std::string& account_id, AssumeRoleParams params) {
  std::lock_guard lock(mutex_);
  roles_[account_id] = std::move(params);
  providers_.erase(account_id);
}

CredentialsProvider& AccountCredentials::forAccount(const std::string& account_id) {
  std::lock_guard lock(mutex_);
  auto role = roles_.find(account_id);
  if (role == roles_.end()) {
    return base_;
  }
  auto& provider = providers_[account_id];
  if (!provider) {
    provider = makeAssumeRoleProvider(base_, role->second, assume_role_, clock_);
  }
  return *provider;
}

}  // namespace trailwall::aws
