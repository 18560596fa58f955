#pragma once
// A plan for people (text) and for machines (JSON), as `trailwall plan` prints it. The JSON
// shape: {"changes": N, "placement": {"before": "<rule>"} | {"at": "bottom"}, "add_tag",
// "add_services", "add_rules", "edit_rules" [{"name", "changed", "rule"}], "move_rules",
// "delete_rules", "delete_services", "delete_tag", "warnings"}; empty parts are left out.

#include <string>

#include "policy/plan.h"

namespace trailwall::policy {

[[nodiscard]] std::string planToJson(const Plan& plan);
[[nodiscard]] std::string planToText(const Plan& plan);
// The same text appended to `out` (a report around a plan of 100,000 rules is not copied).
void appendPlanText(std::string& out, const Plan& plan);

}  // namespace trailwall::policy
