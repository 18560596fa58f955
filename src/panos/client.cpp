#include "panos/client.h"

#include <algorithm>
#include <cctype>

#include "http/url.h"
#include "panos/xml_util.h"

namespace trailwall::panos {
namespace {

constexpr std::string_view kRedacted = "<redacted>";

void replaceAll(std::string& text, std::string_view needle, std::string_view replacement) {
  if (needle.empty()) {
    return;
  }
  for (auto at = text.find(needle); at != std::string::npos;
       at = text.find(needle, at + replacement.size())) {
    text.replace(at, needle.size(), replacement);
  }
}

// "op/show" for "<show><jobs>…", so counters say which op commands were sent.
std::string opKind(std::string_view cmd) {
  cmd = trim(cmd);
  if (cmd.empty() || cmd.front() != '<') {
    return "op";
  }
  const auto end = cmd.find_first_of(" />\t\r\n", 1);
  return "op/" +
         std::string(cmd.substr(1, end == std::string_view::npos ? cmd.size() - 1 : end - 1));
}

bool isTransient(int http_status) {
  return http_status == 429 || http_status >= 500;
}

std::string describeOp(const ConfigOp& op) {
  return std::string(to_string(op.action)) + " " + op.xpath;
}

}  // namespace

int RequestCounts::total() const {
  int sum = 0;
  for (const auto& [kind, count] : by_kind) {
    sum += count;
  }
  return sum;
}

int RequestCounts::config() const {
  int sum = 0;
  for (const auto& [kind, count] : by_kind) {
    if (kind.starts_with("config/")) {
      sum += count;
    }
  }
  return sum;
}

int RequestCounts::op() const {
  int sum = 0;
  for (const auto& [kind, count] : by_kind) {
    if (kind == "op" || kind.starts_with("op/")) {
      sum += count;
    }
  }
  return sum;
}

int RequestCounts::commits() const {
  return of("commit");
}

int RequestCounts::of(std::string_view kind) const {
  const auto it = by_kind.find(std::string(kind));
  return it == by_kind.end() ? 0 : it->second;
}

namespace {

// A failed reply saying the device does not know what was asked, rather than an authorization,
// lock or timing problem: code 1 (unknown command), 17 (invalid command) or HTTP 400, or a
// message holding one of `words` (lower case).
bool refusesCommand(const ApiResponse& response, int http_status,
                    std::initializer_list<std::string_view> words) {
  const auto kind = classifyApiError(response.code(), response.messages(), http_status);
  if (kind == ErrorCode::Auth || kind == ErrorCode::Denied || kind == ErrorCode::Conflict ||
      kind == ErrorCode::Timeout || kind == ErrorCode::Throttled) {
    return false;
  }
  const int code = response.code().value_or(http_status == 400 ? 400 : 0);
  if (code == 1 || code == 17 || code == 400) {
    return true;
  }
  return std::ranges::any_of(response.messages(), [&](const std::string& m) {
    std::string lower(m);
    std::ranges::transform(lower, lower.begin(),
                           [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return std::ranges::any_of(
        words, [&](std::string_view w) { return lower.find(w) != std::string::npos; });
  });
}

}  // namespace

bool isMultiConfigRefusal(const ApiResponse& response, int http_status) {
  return !response.success() && response.subResponses().empty() &&
         refusesCommand(response, http_status, {"multi-config", "multi config"});
}

bool isAuditCommentRefusal(const ApiResponse& response, int http_status) {
  return (!response.success() || http_status >= 400) &&
         refusesCommand(response, http_status, {"unexpected", "unknown command"});
}

PanOsClient::PanOsClient(http::HttpTransport& transport, Clock& clock, ClientOptions options)
    : transport_(transport), clock_(clock), options_(std::move(options)) {
  std::string base = options_.base_url;
  while (!base.empty() && base.back() == '/') {
    base.pop_back();
  }
  endpoint_ = base + "/api/";
  options_.job_poll_interval = std::max(options_.job_poll_interval, std::chrono::milliseconds(1));
  options_.read_attempts = std::max(options_.read_attempts, 1);
}

Error PanOsClient::redact(Error error) const {
  // The device never echoes the key, but a proxy or a future message might; keep it out anyway.
  replaceAll(error.message, options_.api_key, kRedacted);
  replaceAll(error.message, secret_in_flight_, kRedacted);
  return error;
}

Result<PanOsClient::Reply> PanOsClient::send(const FormParams& params, const std::string& kind,
                                             Retry retry, bool with_key) {
  if (!options_.base_url.starts_with("https://") && !options_.base_url.starts_with("http://")) {
    return fail(ErrorCode::Config,
                "the firewall address must start with https:// (got '" + options_.base_url + "')");
  }
  http::Request request;
  request.method = "POST";
  request.url = endpoint_;
  request.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  if (with_key) {
    if (options_.api_key.empty()) {
      return fail(ErrorCode::Config,
                  "no firewall API key is configured (create one with "
                  "`trailwall keygen`)");
    }
    request.headers.emplace_back("X-PAN-KEY", options_.api_key);
  }
  request.body = http::formEncode(params);
  request.timeout = options_.request_timeout;
  // Reads may be sent again by the transport when a kept-alive connection dies unanswered;
  // writes, commits and keygen never are.
  request.idempotent = retry == Retry::Yes;

  const int attempts = retry == Retry::Yes ? options_.read_attempts : 1;
  Error last{ErrorCode::Network, "no attempt made"};
  for (int attempt = 1; attempt <= attempts; ++attempt) {
    if (attempt > 1) {
      clock_.sleepFor(options_.retry_backoff * (attempt - 1));
    }
    {
      const std::lock_guard lock(counts_mutex_);
      ++counts_.by_kind[kind];
    }
    auto response = transport_.send(request);
    if (!response) {
      last = redact(response.error().withContext("firewall request " + kind + " to " + endpoint_));
      continue;
    }
    if (isTransient(response->status)) {
      last = Error{response->status == 429 || response->status == 503 ? ErrorCode::Throttled
                                                                      : ErrorCode::Remote,
                   "firewall request " + kind + " to " + endpoint_ + ": HTTP " +
                       std::to_string(response->status)};
      continue;
    }
    auto parsed = ApiResponse::parse(response->body);
    if (!parsed) {
      const auto code = response->status == 403 ? ErrorCode::Auth : ErrorCode::Remote;
      return std::unexpected(redact(Error{code, "firewall request " + kind + " to " + endpoint_ +
                                                    " (HTTP " + std::to_string(response->status) +
                                                    "): " + parsed.error().message}));
    }
    return Reply{response->status, std::move(*parsed)};
  }
  return std::unexpected(last);
}

Result<ApiResponse> PanOsClient::sendChecked(const FormParams& params, const std::string& kind,
                                             Retry retry, std::string_view context) {
  auto reply = send(params, kind, retry);
  if (!reply) {
    return std::unexpected(reply.error());
  }
  if (!reply->response.success() || reply->http_status >= 400) {
    return std::unexpected(redact(errorFromResponse(reply->response, reply->http_status, context)));
  }
  return std::move(reply->response);
}

Result<std::string> PanOsClient::keygen(std::string_view user, std::string_view password) {
  if (user.empty() || password.empty()) {
    return fail(ErrorCode::InvalidInput, "keygen needs a user name and a password");
  }
  secret_in_flight_ = std::string(password);
  auto reply =
      send({{"type", "keygen"}, {"user", std::string(user)}, {"password", std::string(password)}},
           "keygen", Retry::No, /*with_key=*/false);
  Result<std::string> outcome = fail(ErrorCode::Internal, "keygen did not run");
  if (!reply) {
    outcome = std::unexpected(reply.error());
  } else if (!reply->response.success() || reply->http_status >= 400) {
    outcome = std::unexpected(
        redact(errorFromResponse(reply->response, reply->http_status,
                                 "creating an API key for '" + std::string(user) + "'")));
  } else {
    const auto key = trimmedText(reply->response.result().child("key"));
    if (key.empty()) {
      outcome = fail(ErrorCode::Remote, "the firewall's keygen reply holds no key");
    } else {
      options_.api_key = key;
      if (options_.admin.empty()) {
        options_.admin = std::string(user);
      }
      outcome = key;
    }
  }
  secret_in_flight_.clear();
  return outcome;
}

Result<ConfigReply> PanOsClient::read(std::string_view action, std::string_view xpath) {
  if (auto v = validateXmlText(xpath, "xpath"); !v) {
    return std::unexpected(v.error());
  }
  const std::string kind = "config/" + std::string(action);
  auto reply =
      send({{"type", "config"}, {"action", std::string(action)}, {"xpath", std::string(xpath)}},
           kind, Retry::Yes);
  if (!reply) {
    return std::unexpected(reply.error());
  }
  auto& response = reply->response;
  if (response.success() && reply->http_status < 400) {
    // get on an absent xpath: status success, code 7, empty <result/> (API-NOTES §3.1).
    const bool found = response.code() != 7;
    return ConfigReply{found, std::move(response)};
  }
  auto error = errorFromResponse(response, reply->http_status,
                                 "reading the firewall configuration at " + std::string(xpath));
  if (error.code == ErrorCode::NotFound) {
    return ConfigReply{false, std::move(response)};
  }
  return std::unexpected(redact(std::move(error)));
}

Result<ConfigReply> PanOsClient::get(std::string_view xpath) {
  return read("get", xpath);
}

Result<ConfigReply> PanOsClient::show(std::string_view xpath) {
  return read("show", xpath);
}

Status PanOsClient::change(const ConfigOp& op) {
  auto params = configParams(op);
  if (!params) {
    return std::unexpected(params.error());
  }
  auto reply = send(*params, "config/" + std::string(to_string(op.action)), Retry::No);
  if (!reply) {
    return std::unexpected(reply.error());
  }
  if (reply->response.success() && reply->http_status < 400) {
    return {};
  }
  return std::unexpected(
      redact(errorFromResponse(reply->response, reply->http_status, "config " + describeOp(op))));
}

Error PanOsClient::multiConfigFailure(const ApiResponse& response, int http_status,
                                      const std::vector<ConfigOp>& ops) const {
  // Name the failing actions (ids are their indexes) rather than the aggregate code 13.
  std::string detail;
  std::optional<int> first_code;
  std::vector<std::string> first_messages;
  for (const auto& sub : response.subResponses()) {
    if (sub.success) {
      continue;
    }
    std::string what = "action " + (sub.id.empty() ? std::string("?") : sub.id);
    const auto index = parseInteger(sub.id);
    if (index && *index >= 0 && static_cast<std::size_t>(*index) < ops.size()) {
      what += " (" + describeOp(ops[static_cast<std::size_t>(*index)]) + ")";
    }
    if (!detail.empty()) {
      detail += "; ";
    }
    detail += what;
    if (sub.code) {
      detail +=
          ": error " + std::to_string(*sub.code) + " (" + std::string(apiCodeName(*sub.code)) + ")";
    }
    for (const auto& m : sub.messages) {
      detail += ": " + m;
    }
    if (!first_code) {
      first_code = sub.code;
      first_messages = sub.messages;
    }
  }
  if (detail.empty()) {
    return redact(errorFromResponse(
        response, http_status,
        "writing " + std::to_string(ops.size()) + " changes in one multi-config request"));
  }
  const auto kind = classifyApiError(first_code, first_messages, http_status);
  return redact(Error{kind, "writing " + std::to_string(ops.size()) +
                                " changes in one multi-config request: nothing was changed, "
                                "because " +
                                detail});
}

Status PanOsClient::multiConfig(const std::vector<ConfigOp>& ops, bool strict) {
  auto document = multiConfigDocument(ops);
  if (!document) {
    return std::unexpected(document.error());
  }
  FormParams params{{"type", "config"}, {"action", "multi-config"}};
  if (strict) {
    params.emplace_back("strict-transactional", "yes");
  }
  params.emplace_back("element", *document);
  auto reply = send(params, "config/multi-config", Retry::No);
  if (!reply) {
    return std::unexpected(reply.error());
  }
  const auto& response = reply->response;
  if (response.success() && reply->http_status < 400) {
    return {};
  }
  if (isMultiConfigRefusal(response, reply->http_status)) {
    multi_config_refused_ = true;
    return std::unexpected(
        redact(errorFromResponse(response, reply->http_status, "the firewall refused multi-config"))
            .withContext("multi-config unsupported"));
  }
  return std::unexpected(multiConfigFailure(response, reply->http_status, ops));
}

Result<WriteReport> PanOsClient::write(const std::vector<ConfigOp>& ops) {
  WriteReport report;
  if (ops.empty()) {
    return report;
  }
  if (options_.multi_config && !multi_config_refused_) {
    const int before = counts().total();
    auto status = multiConfig(ops, /*strict=*/true);
    report.requests += counts().total() - before;
    if (status) {
      report.multi_config = true;
      return report;
    }
    if (!multi_config_refused_) {
      return std::unexpected(status.error());
    }
  }
  for (const auto& op : ops) {
    ++report.requests;
    if (auto status = change(op); !status) {
      return std::unexpected(status.error());
    }
  }
  return report;
}

Result<ApiResponse> PanOsClient::op(std::string_view cmd, std::string_view vsys) {
  if (auto v = validateXmlText(cmd, "op command"); !v) {
    return std::unexpected(v.error());
  }
  FormParams params{{"type", "op"}, {"cmd", std::string(cmd)}};
  if (!vsys.empty()) {
    params.emplace_back("vsys", std::string(vsys));
  }
  const auto kind = opKind(cmd);
  // Only reads are retried: show, test and check do not change anything.
  const bool read_only = kind == "op/show" || kind == "op/test" || kind == "op/check";
  return sendChecked(params, kind, read_only ? Retry::Yes : Retry::No,
                     "firewall command " + kind.substr(3));
}

Result<UserIdReply> PanOsClient::userId(std::string_view message, std::string_view vsys) {
  if (auto v = validateXmlText(message, "uid-message"); !v) {
    return std::unexpected(v.error());
  }
  FormParams params{{"type", "user-id"}, {"cmd", std::string(message)}};
  if (!vsys.empty()) {
    params.emplace_back("vsys", std::string(vsys));
  }
  auto reply = send(params, "user-id", Retry::No);
  if (!reply) {
    return std::unexpected(reply.error());
  }
  auto read = readUserIdReply(reply->response, reply->http_status);
  if (!read) {
    return std::unexpected(redact(read.error()));
  }
  return read;
}

Result<AuditCommentReply> PanOsClient::setAuditComment(std::string_view rule_xpath,
                                                       std::string_view comment) {
  auto cmd = setAuditCommentCommand(rule_xpath, comment);
  if (!cmd) {
    return std::unexpected(cmd.error());
  }
  auto reply = send({{"type", "op"}, {"cmd", *cmd}}, opKind(*cmd), Retry::No);
  if (!reply) {
    return std::unexpected(reply.error());
  }
  if (reply->response.success() && reply->http_status < 400) {
    return AuditCommentReply{};
  }
  if (isAuditCommentRefusal(reply->response, reply->http_status)) {
    const auto& lines = reply->response.messages();
    return AuditCommentReply{false, lines.empty() ? "HTTP " + std::to_string(reply->http_status)
                                                  : reply->response.joinedMessages()};
  }
  return std::unexpected(
      redact(errorFromResponse(reply->response, reply->http_status,
                               "setting the audit comment of " + std::string(rule_xpath))));
}

Result<CommitStarted> PanOsClient::commitPartial(std::string_view description) {
  auto cmd = partialCommitCommand(options_.admin, description);
  if (!cmd) {
    return std::unexpected(cmd.error());
  }
  auto response = sendChecked({{"type", "commit"}, {"action", "partial"}, {"cmd", *cmd}}, "commit",
                              Retry::No, "committing " + options_.admin + "'s changes");
  if (!response) {
    return std::unexpected(response.error());
  }
  return parseCommitReply(*response);
}

Result<CommitStarted> PanOsClient::commitAll(std::string_view cmd) {
  auto response = sendChecked({{"type", "commit"}, {"action", "all"}, {"cmd", std::string(cmd)}},
                              "commit-all", Retry::No, "pushing to the device group");
  if (!response) {
    return std::unexpected(response.error());
  }
  return parseCommitReply(*response);
}

Result<Job> PanOsClient::job(std::int64_t id) {
  auto response = op(showJobCommand(id));
  if (!response) {
    return std::unexpected(response.error());
  }
  return parseJob(*response, id);
}

PollSchedule PanOsClient::jobPollSchedule() const {
  return PollSchedule{options_.job_poll_fast, options_.job_poll_fast_for,
                      options_.job_poll_interval};
}

Result<Job> PanOsClient::waitForJob(std::int64_t id) {
  const auto start = clock_.steadyNow();
  const auto schedule = jobPollSchedule();
  for (;;) {
    auto current = job(id);
    if (current && current->done()) {
      return current;
    }
    const auto waited =
        std::chrono::duration_cast<std::chrono::milliseconds>(clock_.steadyNow() - start);
    if (!current && current.error().code != ErrorCode::Network &&
        current.error().code != ErrorCode::Timeout && current.error().code != ErrorCode::Remote &&
        current.error().code != ErrorCode::Throttled) {
      return current;  // the device said something definite (no such job, bad key, …)
    }
    if (waited >= options_.job_timeout) {
      if (!current) {
        return std::unexpected(current.error().withContext(
            "job " + std::to_string(id) + ": no answer after " +
            std::to_string(waited.count() / 1000) +
            " s; trailwall stopped waiting (the job may still finish: see the firewall's task "
            "manager)"));
      }
      return fail(ErrorCode::Timeout,
                  "job " + std::to_string(id) + " (" + current->type + ") is still " +
                      std::string(to_string(current->status)) + " at " +
                      std::to_string(current->progress) + "% after " +
                      std::to_string(waited.count() / 1000) +
                      " s; trailwall stopped waiting (the job may still finish: see the "
                      "firewall's task manager)");
    }
    clock_.sleepFor(std::min(schedule.next(waited), options_.job_timeout - waited));
  }
}

Result<std::vector<Job>> PanOsClient::jobs() {
  auto response = op(showAllJobsCommand());
  if (!response) {
    return std::unexpected(response.error());
  }
  return parseJobs(*response);
}

Result<std::vector<Lock>> PanOsClient::locks(const std::string& cmd) {
  auto response = op(cmd);
  if (!response) {
    return std::unexpected(response.error());
  }
  return parseLocks(*response);
}

Result<std::vector<Lock>> PanOsClient::configLocks() {
  if (!plain_config_locks_) {
    auto modern = locks(showConfigLocksCommand(/*with_vsys=*/true));
    if (modern || (modern.error().code != ErrorCode::InvalidInput &&
                   modern.error().code != ErrorCode::Unsupported)) {
      return modern;
    }
    plain_config_locks_ = true;  // before PAN-OS 9.1: no <vsys> child
  }
  return locks(showConfigLocksCommand(/*with_vsys=*/false));
}

Result<std::vector<Lock>> PanOsClient::commitLocks() {
  return locks(showCommitLocksCommand());
}

Status PanOsClient::addConfigLock(std::string_view comment) {
  auto cmd = configLockAddCommand(comment);
  if (!cmd) {
    return std::unexpected(cmd.error());
  }
  auto response = op(*cmd, "shared");
  if (!response) {
    return std::unexpected(response.error().withContext("taking a config lock"));
  }
  return {};
}

Status PanOsClient::removeConfigLock() {
  auto response = op(configLockRemoveCommand(), "shared");
  if (!response) {
    return std::unexpected(
        response.error().withContext("removing " + options_.admin + "'s config lock"));
  }
  return {};
}

Status PanOsClient::revertOwnChanges() {
  auto cmd = revertAdminCommand(options_.admin);
  if (!cmd) {
    return std::unexpected(cmd.error());
  }
  auto response = op(*cmd);
  if (!response) {
    return std::unexpected(
        response.error().withContext("reverting " + options_.admin + "'s uncommitted changes"));
  }
  return {};
}

Result<bool> PanOsClient::hasPendingChanges() {
  auto response = op(checkPendingChangesCommand());
  if (!response) {
    return std::unexpected(response.error());
  }
  return directText(response->result()) == "yes";
}

Result<std::vector<MatchedRule>> PanOsClient::testSecurityPolicyMatch(const PolicyMatchQuery& query,
                                                                      std::string_view vsys) {
  auto cmd = policyMatchCommand(query);
  if (!cmd) {
    return std::unexpected(cmd.error());
  }
  auto response = op(*cmd, vsys);
  if (!response) {
    return std::unexpected(response.error());
  }
  return parsePolicyMatch(*response);
}

}  // namespace trailwall::panos
