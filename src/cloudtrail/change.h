#pragma once
// What decoding CloudTrail input yields (DESIGN §2): the changes trailwall acts on, each with the
// scope it names; the records it ignores, each with a reason; the S3 log files a notification
// points to; and the errors of bad input, each naming its source and record.

#include <array>
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "inventory/scope.h"

namespace trailwall::cloudtrail {

// Which records count: those of these accounts and regions. An empty set accepts all.
struct Filter {
  std::set<std::string, std::less<>> accounts;
  std::set<std::string, std::less<>> regions;
};

// One API call (or scheduled event) that may have changed what is exposed.
struct Change {
  std::string event_name;  // "StartInstances", …; "Scheduled Event" for a schedule
  std::string event_time;  // as recorded: ISO-8601 UTC, e.g. "2024-08-01T12:04:19Z"
  std::string account;     // recipientAccountId (else userIdentity.accountId, else the envelope's)
  std::string region;      // awsRegion (else the envelope's)
  std::string event_id;    // eventID; empty when the record has none
  // Who made the call: userIdentity.arn (else invokedBy, else the identity's type); empty when
  // the record has no userIdentity.
  std::string principal;
  std::string source;    // the input it came from (file name, "stdin", message id)
  std::string location;  // where in that input, e.g. "Records[3]" or "Records[0].body: Message"
  inventory::Scope scope;
};

enum class IgnoreReason : std::uint8_t {
  FailedCall,            // the call failed (errorCode, dry runs included): nothing changed
  AccountNotConfigured,  // a record (or log file) of an account not configured
  RegionNotConfigured,   // a record (or log file) of a region not configured
  NotActedOn,            // an event trailwall does not act on (other services, reads, …)
  EgressRule,            // security-group egress: the gateway only guards inbound traffic
  AttributeNotActedOn,   // Modify*Attribute that does not change the security groups
  S3TestEvent,           // the s3:TestEvent S3 sends when a notification is configured
  NotCloudTrailLog,      // an S3 object that is not a CloudTrail log file (digest, insight, other)
  NotObjectCreated,      // an S3 event other than ObjectCreated
};
inline constexpr std::size_t kIgnoreReasonCount = 9;

// A short stable name ("failed-call") and a sentence for people.
[[nodiscard]] std::string_view to_string(IgnoreReason reason);
[[nodiscard]] std::string_view describe(IgnoreReason reason);

struct Ignored {
  std::string source;
  std::string location;
  std::string event_name;  // or the S3 key / EventBridge detail-type
  std::string event_id;
  IgnoreReason reason = IgnoreReason::NotActedOn;
  std::string detail;  // e.g. "errorCode Client.DryRunOperation", "account 123 not configured"
};

// A CloudTrail log file an S3 or SNS notification points to; fetching it is the caller's job.
struct LogObject {
  std::string bucket;
  std::string key;     // decoded (S3 event keys arrive URL-encoded)
  std::string region;  // the bucket's region when the notification says so, else empty
  std::string source;
  std::string location;
  friend bool operator==(const LogObject&, const LogObject&) = default;
};

struct Decoded {
  std::vector<Change> changes;
  std::vector<LogObject> objects;
  std::vector<Ignored> ignored;  // each ignored record, when DecodeOptions::keep_ignored
  std::array<std::size_t, kIgnoreReasonCount> ignored_count{};  // by IgnoreReason, always
  std::vector<Error> errors;  // "<source>: <location>: <what>", one per bad record or input
  std::size_t records = 0;    // records and notifications seen (changes + ignored + bad)

  [[nodiscard]] std::size_t ignoredTotal() const;
  // The union of the scopes of all changes.
  [[nodiscard]] inventory::Scope scope() const;
};

}  // namespace trailwall::cloudtrail
