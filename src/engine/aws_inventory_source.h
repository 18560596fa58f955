#pragma once
// The production InventorySource: EC2 through aws::InventoryLoader, one client per account and
// region of the batch. An account with a configured role is read through STS AssumeRole
// (DESIGN §6); any other account with the session's own credentials.

#include <map>
#include <memory>
#include <string>

#include "aws/credentials.h"
#include "aws/ec2_client.h"
#include "aws/inventory_loader.h"
#include "aws/session.h"
#include "engine/inventory_source.h"

namespace trailwall::engine {

class AwsInventorySource final : public InventorySource {
 public:
  // `session` gives the default region, credentials and endpoints; it outlives this source.
  // `role_arns`: account id → role to assume for that account.
  AwsInventorySource(aws::AwsSession& session, Clock& clock, aws::LoaderOptions loader_options,
                     std::map<std::string, std::string> role_arns = {});

  [[nodiscard]] Result<LoadedInventory> load(const Target& target,
                                             const inventory::Scope& scope) override;

 private:
  [[nodiscard]] Result<aws::Ec2Client*> clientFor(const Target& target);

  aws::AwsSession& session_;
  aws::LoaderOptions loader_options_;
  std::map<std::string, std::string> role_arns_;
  aws::AccountCredentials accounts_;
  std::map<std::pair<std::string, std::string>, std::unique_ptr<aws::Ec2Client>> clients_;
};

}  // namespace trailwall::engine
