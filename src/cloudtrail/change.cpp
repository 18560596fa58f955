#include "cloudtrail/change.h"

#include <numeric>

namespace trailwall::cloudtrail {

std::string_view to_string(IgnoreReason reason) {
  switch (reason) {
    case IgnoreReason::FailedCall: return "failed-call";
    case IgnoreReason::AccountNotConfigured: return "account-not-configured";
    case IgnoreReason::RegionNotConfigured: return "region-not-configured";
    case IgnoreReason::NotActedOn: return "not-acted-on";
    case IgnoreReason::EgressRule: return "egress-rule";
    case IgnoreReason::AttributeNotActedOn: return "attribute-not-acted-on";
    case IgnoreReason::S3TestEvent: return "s3-test-event";
    case IgnoreReason::NotCloudTrailLog: return "not-a-cloudtrail-log";
    case IgnoreReason::NotObjectCreated: return "not-object-created";
  }
  return "unknown";
}

std::string_view describe(IgnoreReason reason) {
  switch (reason) {
    case IgnoreReason::FailedCall: return "the call failed (errorCode), so nothing changed";
    case IgnoreReason::AccountNotConfigured: return "an account that is not configured";
    case IgnoreReason::RegionNotConfigured: return "a region that is not configured";
    case IgnoreReason::NotActedOn: return "an event trailwall does not act on";
    case IgnoreReason::EgressRule:
      return "a security-group egress rule; the gateway only guards inbound traffic";
    case IgnoreReason::AttributeNotActedOn:
      return "an attribute change that leaves the security groups as they are";
    case IgnoreReason::S3TestEvent: return "the test message S3 sends for a new notification";
    case IgnoreReason::NotCloudTrailLog: return "an S3 object that is not a CloudTrail log file";
    case IgnoreReason::NotObjectCreated: return "an S3 event other than ObjectCreated";
  }
  return "unknown";
}

std::size_t Decoded::ignoredTotal() const {
  return std::accumulate(ignored_count.begin(), ignored_count.end(), std::size_t{0});
}

inventory::Scope Decoded::scope() const {
  inventory::Scope all;
  for (const Change& change : changes) {
    all.merge(change.scope);
  }
  return all;
}

}  // namespace trailwall::cloudtrail
