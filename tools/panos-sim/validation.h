#pragma once
// Commit-time validation: references that must resolve before a configuration may run.
// Lines are worded like the device's commit errors (" rulebase -> security -> rules -> R ->
// source 'x' is not a valid reference"), each with PAN-OS's leading space.

#include <string>
#include <vector>

#include <pugixml.hpp>

namespace trailwall::panossim {

// Every problem of every vsys; empty when the configuration may be committed.
[[nodiscard]] std::vector<std::string> validateConfig(const pugi::xml_document& config);

}  // namespace trailwall::panossim
