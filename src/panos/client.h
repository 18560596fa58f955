#pragma once
// PanOsClient: the PAN-OS XML API over the shared HttpTransport (API-NOTES). Every request is a
// form-encoded POST to <base>/api/; the API key travels only in the X-PAN-KEY header (PAN-OS 9.0+),
// never in a URL, body, log line or error message. Replies are parsed into typed results and the
// device's error codes into Errors a person can act on. Time (job polling, retry back-off) comes
// from the injected Clock. TLS verification is the transport's job.

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/error.h"
#include "http/transport.h"
#include "panos/commands.h"
#include "panos/jobs.h"
#include "panos/locks.h"
#include "panos/policy_match.h"
#include "panos/poll_schedule.h"
#include "panos/response.h"
#include "panos/userid.h"

namespace trailwall::panos {

struct ClientOptions {
  std::string base_url;  // scheme://host[:port]; the client appends /api/
  std::string api_key;   // empty until keygen
  std::string admin;     // administrator whose changes partial commit and revert touch
  std::chrono::milliseconds request_timeout{std::chrono::seconds(60)};
  // Job polling (poll_schedule.h): every job_poll_fast for the first job_poll_fast_for, then
  // every job_poll_interval. A real device slows down when polled faster than every 2 s for long
  // (pango); tests set it lower.
  std::chrono::milliseconds job_poll_interval{std::chrono::seconds(2)};
  std::chrono::milliseconds job_poll_fast{250};
  std::chrono::milliseconds job_poll_fast_for{std::chrono::seconds(5)};
  std::chrono::milliseconds job_timeout{std::chrono::minutes(10)};
  int read_attempts = 3;  // for read-only requests on transport failures and HTTP 5xx
  std::chrono::milliseconds retry_backoff{std::chrono::seconds(1)};
  bool multi_config = true;  // false: always one request per configuration change
};

// Requests sent, by kind: "keygen", "config/<action>", "op/<first element of cmd>", "commit".
struct RequestCounts {
  std::map<std::string, int> by_kind;

  [[nodiscard]] int total() const;
  [[nodiscard]] int config() const;  // every type=config request, reads included
  [[nodiscard]] int op() const;
  [[nodiscard]] int commits() const;
  [[nodiscard]] int of(std::string_view kind) const;
};

// A config get/show: `found` is false when the xpath selects nothing (get code 7, show "No such
// node"); `response.result()` holds the selected nodes.
struct ConfigReply {
  bool found = false;
  ApiResponse response;
};

// How a batch of configuration changes reached the device.
struct WriteReport {
  bool multi_config = false;  // one multi-config request (else one request per change)
  int requests = 0;
};

// How the device answered set audit-comment: `supported` false when it does not know the
// command (releases before 9.0): `refusal` then holds its answer.
struct AuditCommentReply {
  bool supported = true;
  std::string refusal;
};

// True when a failed set audit-comment reply means the device does not know the command: no
// authorization or conflict failure, and code 1 (unknown command), 17 (invalid command), HTTP
// 400, or a message saying the element is unexpected or unknown.
[[nodiscard]] bool isAuditCommentRefusal(const ApiResponse& response, int http_status);

// True when a failed multi-config reply means the device refused multi-config itself (disabled on
// PAN-OS 10.0 until `request multi-config enabled`, absent before): no per-action sub-responses,
// and an unknown-command / invalid-command / bad-request code or a message naming multi-config.
[[nodiscard]] bool isMultiConfigRefusal(const ApiResponse& response, int http_status);

class PanOsClient {
 public:
  PanOsClient(http::HttpTransport& transport, Clock& clock, ClientOptions options);

  // type=keygen. Keeps the key for later requests and, when no administrator is configured,
  // takes `user` as the administrator. Auth error on bad credentials (never echoing them).
  [[nodiscard]] Result<std::string> keygen(std::string_view user, std::string_view password);

  // type=config&action=get (candidate) / show (running).
  [[nodiscard]] Result<ConfigReply> get(std::string_view xpath);
  [[nodiscard]] Result<ConfigReply> show(std::string_view xpath);

  // One configuration change in one request. Deleting an absent node succeeds (code 7).
  [[nodiscard]] Status change(const ConfigOp& op);

  // All changes in one multi-config request (all or nothing); strict: strict-transactional=yes.
  // Unsupported when the device refuses multi-config (see isMultiConfigRefusal).
  [[nodiscard]] Status multiConfig(const std::vector<ConfigOp>& ops, bool strict);

  // The changes in as few requests as the device allows: one strict multi-config, or, once the
  // device has refused multi-config, one request each in order (stopping at the first failure).
  [[nodiscard]] Result<WriteReport> write(const std::vector<ConfigOp>& ops);

  // type=op with `cmd` (XML); `vsys` scopes it on multi-vsys devices. Fails on status="error".
  [[nodiscard]] Result<ApiResponse> op(std::string_view cmd, std::string_view vsys = {});

  // <set><audit-comment> on the rule at `rule_xpath` (API-NOTES §15; setAuditCommentCommand
  // checks the text). Not resent on a lost answer. A device that does not know the command is
  // no error: supported = false (see isAuditCommentRefusal).
  [[nodiscard]] Result<AuditCommentReply> setAuditComment(std::string_view rule_xpath,
                                                          std::string_view comment);

  // Partial commit of this administrator's changes (type=commit&action=partial).
  [[nodiscard]] Result<CommitStarted> commitPartial(std::string_view description = {});
  // Panorama push (type=commit&action=all) with a commit-all document (panorama.h); the reply
  // names the push job ("Push job enqueued with jobid N"). Not resent on a lost answer.
  [[nodiscard]] Result<CommitStarted> commitAll(std::string_view cmd);
  [[nodiscard]] Result<Job> job(std::int64_t id);
  // Polls until the job is done, on jobPollSchedule() counted from the call, for at most
  // job_timeout (Timeout). A poll that fails is retried on the schedule until the bound (the job
  // runs on whatever happens to one answer).
  [[nodiscard]] Result<Job> waitForJob(std::int64_t id);
  [[nodiscard]] PollSchedule jobPollSchedule() const;
  // Every job the device lists (<show><jobs><all/>), newest last as the device sends them.
  [[nodiscard]] Result<std::vector<Job>> jobs();

  [[nodiscard]] Result<std::vector<Lock>> configLocks();
  [[nodiscard]] Result<std::vector<Lock>> commitLocks();
  // This administrator's config lock on the whole device (scope shared) with `comment`, and its
  // removal (API-NOTES §6.5). Conflict when a lock is held already (this administrator's:
  // "You already own a config lock", another's: "Config lock is already held by …").
  [[nodiscard]] Status addConfigLock(std::string_view comment);
  [[nodiscard]] Status removeConfigLock();
  // Reverts this administrator's uncommitted candidate changes (nobody else's).
  [[nodiscard]] Status revertOwnChanges();
  // <check><pending-changes/>: does the candidate differ from running (anyone's changes)?
  [[nodiscard]] Result<bool> hasPendingChanges();

  // Read-only; several threads may call it at once on a thread-safe transport (SocketTransport).
  [[nodiscard]] Result<std::vector<MatchedRule>> testSecurityPolicyMatch(
      const PolicyMatchQuery& query, std::string_view vsys = {});

  // type=user-id with `message` (a uid-message, userid.h) as cmd, POSTed form-encoded. A reply
  // with entry messages (status="error") is read by readUserIdReply; "already exists" and "does
  // not exist" entries are not failures. Never resent (API-NOTES §12).
  [[nodiscard]] Result<UserIdReply> userId(std::string_view message, std::string_view vsys = {});

  [[nodiscard]] const std::string& admin() const { return options_.admin; }
  [[nodiscard]] bool hasKey() const { return !options_.api_key.empty(); }
  // Requests sent so far. Safe to call while other threads send (see testSecurityPolicyMatch).
  [[nodiscard]] RequestCounts counts() const {
    const std::lock_guard lock(counts_mutex_);
    return counts_;
  }
  [[nodiscard]] bool multiConfigRefused() const { return multi_config_refused_; }
  // Whether write() sends one multi-config request (all or nothing) rather than one per change.
  [[nodiscard]] bool writesAllOrNothing() const {
    return options_.multi_config && !multi_config_refused_;
  }

 private:
  struct Reply {
    int http_status = 0;
    ApiResponse response;
  };
  enum class Retry { No, Yes };

  [[nodiscard]] Result<Reply> send(const FormParams& params, const std::string& kind, Retry retry,
                                   bool with_key = true);
  [[nodiscard]] Result<ApiResponse> sendChecked(const FormParams& params, const std::string& kind,
                                                Retry retry, std::string_view context);
  [[nodiscard]] Result<ConfigReply> read(std::string_view action, std::string_view xpath);
  [[nodiscard]] Result<std::vector<Lock>> locks(const std::string& cmd);
  [[nodiscard]] Error redact(Error error) const;
  [[nodiscard]] Error multiConfigFailure(const ApiResponse& response, int http_status,
                                         const std::vector<ConfigOp>& ops) const;

  http::HttpTransport& transport_;
  Clock& clock_;
  ClientOptions options_;
  std::string endpoint_;
  std::string secret_in_flight_;  // the keygen password while keygen runs, for redaction
  mutable std::mutex counts_mutex_;
  RequestCounts counts_;
  bool multi_config_refused_ = false;
  bool plain_config_locks_ = false;  // device wants <show><config-locks/> without <vsys>
};

}  // namespace trailwall::panos
