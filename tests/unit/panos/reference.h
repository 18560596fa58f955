#pragma once
// Access to the real PAN-OS reply shapes in shared/reference/panos and to this module's own
// fixtures in tests/data/panos.

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "panos/response.h"
#include "support/files.h"

namespace trailwall::panos::testing {

using ::trailwall::test::readFile;

inline std::string referenceFile(const std::string& name) {
  return readFile(std::string(TRAILWALL_SHARED_DIR) + "/reference/panos/" + name);
}

inline std::string dataFile(const std::string& name) {
  return readFile(std::string(TRAILWALL_TEST_DATA_DIR) + "/panos/" + name);
}

inline ApiResponse parseReference(const std::string& name) {
  auto parsed = ApiResponse::parse(referenceFile(name));
  if (!parsed) {
    ADD_FAILURE() << name << ": " << to_string(parsed.error());
    return *ApiResponse::parse("<response status=\"error\"/>");
  }
  return *parsed;
}

}  // namespace trailwall::panos::testing
