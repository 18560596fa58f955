#pragma once
// The EC2 Describe calls trailwall reads AWS state with (Query API, version 2016-11-15), each
// with id lists and filters, following NextToken to the end, retrying like the SDKs (see
// ServiceClient).
//
// Ids that no longer exist are not failures. EC2 fails a whole call that names a missing id
// ("InvalidInstanceID.NotFound: The instance IDs 'i-1, i-2' do not exist"); the client reports
// the ids the error names as `gone` and repeats the call with the rest. Filters never fail
// that way (a missing id just matches nothing), so callers that can use filters need fewer
// calls.

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "aws/ec2_parse.h"
#include "aws/service_client.h"

namespace trailwall::aws {

struct Ec2Filter {
  std::string name;  // e.g. "instance-id", "vpc-id", "group-id", "attachment.instance-id"
  std::vector<std::string> values;
};

struct Ec2Query {
  std::vector<std::string> ids;  // InstanceId.N, GroupId.N, …; empty = no id list
  std::vector<Ec2Filter> filters;
};

template <class T>
struct Ec2Result {
  std::vector<T> items;
  std::set<std::string> gone;  // requested ids EC2 does not know
};

struct InstancesResult {
  std::vector<inventory::Instance> instances;
  std::vector<inventory::NetworkInterface> network_interfaces;  // of those instances
  std::set<std::string> gone;
};

// Calls made, by operation (pages and NotFound repeats count; retries of one call do not).
using CallCounts = std::map<std::string, std::size_t, std::less<>>;

class Ec2Client {
 public:
  // EC2 caps filter values per call; longer id lists and filters are split into calls of this
  // many values.
  static constexpr std::size_t kMaxValuesPerCall = 200;

  Ec2Client(ClientContext context, std::string endpoint)
      : client_(std::move(context), kEc2, std::move(endpoint)) {}

  // Errors: Auth, Denied (the message names the IAM action), Throttled or Remote after
  // retries, Network, InvalidInput for an answer that does not parse.
  [[nodiscard]] Result<InstancesResult> describeInstances(const Ec2Query& query);
  [[nodiscard]] Result<Ec2Result<inventory::NetworkInterface>> describeNetworkInterfaces(
      const Ec2Query& query);
  [[nodiscard]] Result<Ec2Result<inventory::SecurityGroup>> describeSecurityGroups(
      const Ec2Query& query);
  [[nodiscard]] Result<Ec2Result<SecurityGroupRule>> describeSecurityGroupRules(
      const Ec2Query& query);
  [[nodiscard]] Result<Ec2Result<inventory::RouteTable>> describeRouteTables(const Ec2Query& query);
  [[nodiscard]] Result<Ec2Result<inventory::Subnet>> describeSubnets(const Ec2Query& query);
  [[nodiscard]] Result<Ec2Result<inventory::Vpc>> describeVpcs(const Ec2Query& query);
  [[nodiscard]] Result<Ec2Result<ManagedPrefixList>> describeManagedPrefixLists(
      const Ec2Query& query);
  // One list's entries (the API takes one list per call). NotFound when the list is gone.
  [[nodiscard]] Result<std::vector<inventory::PrefixListEntry>> getManagedPrefixListEntries(
      const std::string& prefix_list_id);

  [[nodiscard]] CallCounts callCounts() const;
  [[nodiscard]] std::size_t totalCalls() const;
  [[nodiscard]] ServiceClient& client() { return client_; }

 private:
  // Runs one operation over every page and NotFound repeat.
  struct Operation {
    const char* action;
    const char* id_param;  // "InstanceId"
    int max_results;       // page size when no ids are given (EC2 rejects both together)
  };
  template <class Page, class Parse, class Append>
  [[nodiscard]] Result<std::set<std::string>> run(const Operation& op, const Ec2Query& query,
                                                  Parse parse, Append append);

  [[nodiscard]] Result<http::Response> post(
      const char* action, std::vector<std::pair<std::string, std::string>> params);

  ServiceClient client_;
  mutable std::mutex mutex_;
  CallCounts calls_;
};

}  // namespace trailwall::aws
