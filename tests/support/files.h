#pragma once
// Reading test inputs: a whole file (a file that cannot be read fails the test, naming it), and
// the folders tests read from. Needs the definitions trailwall_add_gtest gives every test.

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include <gtest/gtest.h>

namespace trailwall::test {

inline std::string readFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    ADD_FAILURE() << "cannot read " << path.string();
    return {};
  }
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// examples/ (the sample configuration, inventory and rulebase export).
inline std::filesystem::path examplesDir() {
  return std::filesystem::path(TRAILWALL_TEST_DATA_DIR).parent_path().parent_path() / "examples";
}

// The copy of the steering repo's shared/reference (PAN-OS, CloudTrail, SigV4 suite).
inline std::filesystem::path referenceDir() {
  return std::filesystem::path(TRAILWALL_SHARED_DIR) / "reference";
}

}  // namespace trailwall::test
