#pragma once
// Reads the EC2 answers under tests/data/aws/ec2/.

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace trailwall::aws {

inline std::string ec2Data(const std::string& name) {
  const auto path = std::filesystem::path(TRAILWALL_TEST_DATA_DIR) / "aws" / "ec2" / name;
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace trailwall::aws
