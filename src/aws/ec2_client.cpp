#include "aws/ec2_client.h"

#include <fmt/format.h>

#include <algorithm>

#include "http/url.h"

namespace trailwall::aws {

namespace {

constexpr std::string_view kEc2Version = "2016-11-15";

using Params = std::vector<std::pair<std::string, std::string>>;

void addQuery(Params& params, const char* id_param, const Ec2Query& query) {
  for (std::size_t i = 0; i < query.ids.size(); ++i) {
    params.emplace_back(fmt::format("{}.{}", id_param, i + 1), query.ids[i]);
  }
  for (std::size_t f = 0; f < query.filters.size(); ++f) {
    params.emplace_back(fmt::format("Filter.{}.Name", f + 1), query.filters[f].name);
    for (std::size_t v = 0; v < query.filters[f].values.size(); ++v) {
      params.emplace_back(fmt::format("Filter.{}.Value.{}", f + 1, v + 1),
                          query.filters[f].values[v]);
    }
  }
}

// Splits the one oversized list (ids, or one filter's values) into queries EC2 accepts. Two
// oversized lists cannot be split without a cross product; that is refused.
Result<std::vector<Ec2Query>> split(const Ec2Query& query) {
  const auto big = [](std::size_t n) { return n > Ec2Client::kMaxValuesPerCall; };
  std::size_t oversized = big(query.ids.size()) ? 1 : 0;
  for (const auto& f : query.filters) {
    oversized += big(f.values.size()) ? 1 : 0;
  }
  if (oversized == 0) {
    return std::vector<Ec2Query>{query};
  }
  if (oversized > 1) {
    return fail(ErrorCode::InvalidInput,
                "EC2 query with more than one list longer than 200 values cannot be split");
  }
  std::vector<std::string>* list = nullptr;
  Ec2Query base = query;
  if (big(base.ids.size())) {
    list = &base.ids;
  } else {
    for (auto& f : base.filters) {
      if (big(f.values.size())) {
        list = &f.values;
      }
    }
  }
  const std::vector<std::string> all = std::move(*list);
  std::vector<Ec2Query> out;
  for (std::size_t start = 0; start < all.size(); start += Ec2Client::kMaxValuesPerCall) {
    const auto end = std::min(all.size(), start + Ec2Client::kMaxValuesPerCall);
    *list = std::vector<std::string>(all.begin() + static_cast<std::ptrdiff_t>(start),
                                     all.begin() + static_cast<std::ptrdiff_t>(end));
    out.push_back(base);
  }
  return out;
}

bool isSuccessStatus(int status) {
  return status >= 200 && status < 300;
}

}  // namespace

Result<http::Response> Ec2Client::post(const char* action, Params params) {
  params.insert(params.begin(), {{"Action", action}, {"Version", std::string(kEc2Version)}});
  {
    std::lock_guard lock(mutex_);
    ++calls_[action];
  }
  http::Request request{"POST",
                        "/",
                        {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}},
                        http::formEncode(params),
                        {}};
  request.idempotent = true;  // every call here is a Describe or Get: safe to send again
  return client_.send(std::move(request), action);
}

template <class Page, class Parse, class Append>
Result<std::set<std::string>> Ec2Client::run(const Operation& op, const Ec2Query& query,
                                             Parse parse, Append append) {
  std::set<std::string> gone;
  auto queries = split(query);
  if (!queries) {
    return std::unexpected(queries.error());
  }
  for (Ec2Query q : *queries) {
    std::string next_token;
    // Each NotFound removes at least one id, so this ends.
    for (;;) {
      Params params;
      addQuery(params, op.id_param, q);
      if (q.ids.empty() && op.max_results > 0) {
        params.emplace_back("MaxResults", std::to_string(op.max_results));
      }
      if (!next_token.empty()) {
        params.emplace_back("NextToken", next_token);
      }
      auto response = post(op.action, std::move(params));
      if (!response) {
        return std::unexpected(response.error());
      }
      if (!isSuccessStatus(response->status)) {
        const ApiError error = parseApiError(*response);
        if (error.code.ends_with(".NotFound") && !q.ids.empty()) {
          auto named = idsNamedIn(error.message, q.ids);
          if (named.empty()) {
            if (q.ids.size() > 1) {
              // The message names no id we sent: bisect so each half is asked again.
              const auto half = static_cast<std::ptrdiff_t>(q.ids.size() / 2);
              Ec2Query left = q;
              Ec2Query right = q;
              left.ids.assign(q.ids.begin(), q.ids.begin() + half);
              right.ids.assign(q.ids.begin() + half, q.ids.end());
              for (const auto& part : {left, right}) {
                auto more = run<Page>(op, part, parse, append);
                if (!more) {
                  return std::unexpected(more.error());
                }
                gone.insert(more->begin(), more->end());
              }
              break;
            }
            named = q.ids;  // one id asked, and it is the one not found
          }
          for (const auto& id : named) {
            gone.insert(id);
            std::erase(q.ids, id);
          }
          next_token.clear();
          if (q.ids.empty()) {
            break;
          }
          continue;
        }
        return std::unexpected(client_.errorOf(*response, op.action));
      }
      auto page = parse(response->body);
      if (!page) {
        return std::unexpected(page.error());
      }
      next_token = page->next_token;
      append(std::move(*page));
      if (next_token.empty()) {
        break;
      }
    }
  }
  return gone;
}

Result<InstancesResult> Ec2Client::describeInstances(const Ec2Query& query) {
  InstancesResult result;
  auto gone = run<InstancesPage>(
      {"DescribeInstances", "InstanceId", 1000}, query, parseDescribeInstances,
      [&result](InstancesPage page) {
        std::ranges::move(page.instances, std::back_inserter(result.instances));
        std::ranges::move(page.network_interfaces, std::back_inserter(result.network_interfaces));
      });
  if (!gone) {
    return std::unexpected(gone.error());
  }
  result.gone = std::move(*gone);
  return result;
}

namespace {

template <class T>
auto appendTo(Ec2Result<T>& result) {
  return [&result](Ec2Page<T> page) {
    std::ranges::move(page.items, std::back_inserter(result.items));
  };
}

template <class T>
Result<Ec2Result<T>> finishResult(Ec2Result<T> result, Result<std::set<std::string>> gone) {
  if (!gone) {
    return std::unexpected(gone.error());
  }
  result.gone = std::move(*gone);
  return result;
}

}  // namespace

Result<Ec2Result<inventory::NetworkInterface>> Ec2Client::describeNetworkInterfaces(
    const Ec2Query& query) {
  Ec2Result<inventory::NetworkInterface> result;
  auto gone = run<Ec2Page<inventory::NetworkInterface>>(
      {"DescribeNetworkInterfaces", "NetworkInterfaceId", 1000}, query,
      parseDescribeNetworkInterfaces, appendTo(result));
  return finishResult(std::move(result), std::move(gone));
}

Result<Ec2Result<inventory::SecurityGroup>> Ec2Client::describeSecurityGroups(
    const Ec2Query& query) {
  Ec2Result<inventory::SecurityGroup> result;
  auto gone =
      run<Ec2Page<inventory::SecurityGroup>>({"DescribeSecurityGroups", "GroupId", 1000}, query,
                                             parseDescribeSecurityGroups, appendTo(result));
  return finishResult(std::move(result), std::move(gone));
}

Result<Ec2Result<SecurityGroupRule>> Ec2Client::describeSecurityGroupRules(const Ec2Query& query) {
  Ec2Result<SecurityGroupRule> result;
  auto gone =
      run<Ec2Page<SecurityGroupRule>>({"DescribeSecurityGroupRules", "SecurityGroupRuleId", 1000},
                                      query, parseDescribeSecurityGroupRules, appendTo(result));
  return finishResult(std::move(result), std::move(gone));
}

Result<Ec2Result<inventory::RouteTable>> Ec2Client::describeRouteTables(const Ec2Query& query) {
  Ec2Result<inventory::RouteTable> result;
  auto gone =
      run<Ec2Page<inventory::RouteTable>>({"DescribeRouteTables", "RouteTableId", 100}, query,
                                          parseDescribeRouteTables, appendTo(result));
  return finishResult(std::move(result), std::move(gone));
}

Result<Ec2Result<inventory::Subnet>> Ec2Client::describeSubnets(const Ec2Query& query) {
  Ec2Result<inventory::Subnet> result;
  auto gone = run<Ec2Page<inventory::Subnet>>({"DescribeSubnets", "SubnetId", 1000}, query,
                                              parseDescribeSubnets, appendTo(result));
  return finishResult(std::move(result), std::move(gone));
}

Result<Ec2Result<inventory::Vpc>> Ec2Client::describeVpcs(const Ec2Query& query) {
  Ec2Result<inventory::Vpc> result;
  auto gone = run<Ec2Page<inventory::Vpc>>({"DescribeVpcs", "VpcId", 1000}, query,
                                           parseDescribeVpcs, appendTo(result));
  return finishResult(std::move(result), std::move(gone));
}

Result<Ec2Result<ManagedPrefixList>> Ec2Client::describeManagedPrefixLists(const Ec2Query& query) {
  Ec2Result<ManagedPrefixList> result;
  auto gone =
      run<Ec2Page<ManagedPrefixList>>({"DescribeManagedPrefixLists", "PrefixListId", 100}, query,
                                      parseDescribeManagedPrefixLists, appendTo(result));
  return finishResult(std::move(result), std::move(gone));
}

Result<std::vector<inventory::PrefixListEntry>> Ec2Client::getManagedPrefixListEntries(
    const std::string& prefix_list_id) {
  std::vector<inventory::PrefixListEntry> entries;
  std::string next_token;
  do {
    Params params{{"PrefixListId", prefix_list_id}, {"MaxResults", "100"}};
    if (!next_token.empty()) {
      params.emplace_back("NextToken", next_token);
    }
    auto response = post("GetManagedPrefixListEntries", std::move(params));
    if (!response) {
      return std::unexpected(response.error());
    }
    if (!isSuccessStatus(response->status)) {
      return std::unexpected(client_.errorOf(*response, "GetManagedPrefixListEntries"));
    }
    auto page = parseGetManagedPrefixListEntries(response->body);
    if (!page) {
      return std::unexpected(page.error());
    }
    std::ranges::move(page->items, std::back_inserter(entries));
    next_token = page->next_token;
  } while (!next_token.empty());
  return entries;
}

CallCounts Ec2Client::callCounts() const {
  std::lock_guard lock(mutex_);
  return calls_;
}

std::size_t Ec2Client::totalCalls() const {
  std::lock_guard lock(mutex_);
  std::size_t total = 0;
  for (const auto& [name, count] : calls_) {
    total += count;
  }
  return total;
}

}  // namespace trailwall::aws
