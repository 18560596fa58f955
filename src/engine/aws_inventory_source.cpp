#include "engine/aws_inventory_source.h"

#include <utility>

namespace trailwall::engine {

AwsInventorySource::AwsInventorySource(aws::AwsSession& session, Clock& clock,
                                       aws::LoaderOptions loader_options,
                                       std::map<std::string, std::string> role_arns)
    : session_(session),
      loader_options_(std::move(loader_options)),
      role_arns_(std::move(role_arns)),
      accounts_(session.credentials(), session.assumeRole(), clock) {
  for (const auto& [account, role_arn] : role_arns_) {
    aws::AssumeRoleParams params;
    params.role_arn = role_arn;
    params.session_name = "trailwall";
    accounts_.addRole(account, std::move(params));
  }
}

Result<aws::Ec2Client*> AwsInventorySource::clientFor(const Target& target) {
  const std::string region = target.region.empty() ? session_.region() : target.region;
  const auto key = std::make_pair(target.account, region);
  if (auto it = clients_.find(key); it != clients_.end()) return it->second.get();

  const bool has_role = !target.account.empty() && role_arns_.contains(target.account);
  auto context =
      has_role ? session_.context(accounts_.forAccount(target.account)) : session_.context();
  context.region = region;  // signing region and endpoint follow the target's region
  auto client = std::make_unique<aws::Ec2Client>(context, session_.endpoint(aws::kEc2, region));
  auto* raw = client.get();
  clients_.emplace(key, std::move(client));
  return raw;
}

Result<LoadedInventory> AwsInventorySource::load(const Target& target,
                                                 const inventory::Scope& scope) {
  auto client = clientFor(target);
  if (!client) return std::unexpected(client.error());
  const std::string region = target.region.empty() ? session_.region() : target.region;
  aws::InventoryLoader loader(**client, region, loader_options_);
  auto loaded = loader.load(scope);
  if (!loaded) return std::unexpected(loaded.error());
  LoadedInventory result;
  result.inventory = std::move(loaded->inventory);
  result.aws_calls = loaded->report.total_calls;
  result.calls_summary = loaded->report.summary();
  result.widened = loaded->report.widened;
  result.widened_because = loaded->report.widened_because;
  return result;
}

}  // namespace trailwall::engine
