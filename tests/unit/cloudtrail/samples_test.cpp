// Table-driven: every sample under shared/reference/cloudtrail/, every synthetic record (events
// with no public sample, FIELDS.md §2) and every edge case decodes to what its
// <name>.expected.json under tests/data/cloudtrail/ says. Adding a case adds files.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cloudtrail/decoder.h"
#include "cloudtrail/report.h"
#include "unit/cloudtrail/test_util.h"

namespace trailwall::cloudtrail {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

using testing::readFile;
const fs::path kReferenceDir = testing::referenceSamples();
const fs::path kDataDir = testing::cloudTrailData();

struct Case {
  std::string name;  // for the test name
  fs::path input;
  fs::path expected;
};

// gtest prints the parameter of a failing case: the input file says it best.
void PrintTo(const Case& c, std::ostream* os) {
  *os << c.input;
}

bool isExpected(const fs::path& path) {
  return path.string().ends_with(".expected.json");
}

fs::path expectedFor(const fs::path& dir, const fs::path& input) {
  return dir / (input.stem().string() + ".expected.json");
}

std::vector<fs::path> sortedFiles(const fs::path& dir) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.is_regular_file()) {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::vector<Case> allCases() {
  std::vector<Case> cases;
  for (const auto& input : sortedFiles(kReferenceDir)) {
    if (input.extension() == ".json") {
      cases.push_back({"reference_" + input.stem().string(), input,
                       expectedFor(kDataDir / "reference", input)});
    }
  }
  for (const char* kind : {"synthetic", "cases"}) {
    for (const auto& input : sortedFiles(kDataDir / kind)) {
      if (!isExpected(input)) {
        cases.push_back({std::string(kind) + "_" + input.stem().string(), input,
                         expectedFor(kDataDir / kind, input)});
      }
    }
  }
  return cases;
}

// The decoder's JSON report minus the "source" members (the test names its inputs itself).
json withoutSources(json items) {
  for (auto& item : items) {
    item.erase("source");
  }
  return items;
}

class SampleTest : public ::testing::TestWithParam<Case> {};

TEST_P(SampleTest, DecodesToExpectedScope) {
  const Case& c = GetParam();
  ASSERT_TRUE(fs::exists(c.expected)) << "add " << c.expected << " for " << c.input;
  const json expected = json::parse(readFile(c.expected));

  DecodeOptions options;
  options.keep_ignored = true;
  Decoder decoder(options);
  Decoded decoded;
  const std::string source = c.input.filename().string();
  decoder.decode(readFile(c.input), source, decoded);
  const json actual = json::parse(toJson(decoded, true));

  EXPECT_EQ(actual["records"], expected.at("records"));
  EXPECT_EQ(withoutSources(actual["changes"]), expected.value("changes", json::array()));
  EXPECT_EQ(withoutSources(actual["objects"]), expected.value("objects", json::array()));
  const json expected_ignored = expected.value("ignored", json::array());
  EXPECT_EQ(withoutSources(actual["ignored"]["records"]), expected_ignored);
  EXPECT_EQ(actual["ignored"]["total"], expected_ignored.size());
  for (const auto& ignored : expected_ignored) {
    const auto& reason = ignored.at("reason").get_ref<const std::string&>();
    EXPECT_GE(actual["ignored"]["by_reason"].value(reason, 0), 1) << reason;
  }

  // Errors name the source and contain the expected text, in order.
  const json expected_errors = expected.value("errors", json::array());
  ASSERT_EQ(decoded.errors.size(), expected_errors.size()) << actual["errors"].dump(2);
  for (std::size_t i = 0; i < decoded.errors.size(); ++i) {
    const std::string& message = decoded.errors[i].message;
    EXPECT_TRUE(message.starts_with(source + ": ")) << message;
    EXPECT_NE(message.find(expected_errors[i].get<std::string>()), std::string::npos)
        << "error " << i << ": " << message << "\n  should contain: " << expected_errors[i];
  }
}

std::string caseName(const ::testing::TestParamInfo<Case>& param_info) {
  std::string name = param_info.param.name;
  std::replace_if(
      name.begin(), name.end(),
      [](char ch) { return !std::isalnum(static_cast<unsigned char>(ch)); }, '_');
  return name;
}

INSTANTIATE_TEST_SUITE_P(CloudTrail, SampleTest, ::testing::ValuesIn(allCases()), caseName);

// An expected file without its input is a case that silently stopped running.
TEST(SampleFiles, EveryExpectedFileHasItsInput) {
  std::vector<fs::path> covered;
  for (const Case& c : allCases()) {
    covered.push_back(c.expected);
  }
  for (const char* kind : {"reference", "synthetic", "cases"}) {
    for (const auto& file : sortedFiles(kDataDir / kind)) {
      if (isExpected(file)) {
        EXPECT_NE(std::find(covered.begin(), covered.end(), file), covered.end())
            << file << " has no input";
      }
    }
  }
}

TEST(SampleFiles, SyntheticRecordsSayItInTheirNames) {
  for (const auto& file : sortedFiles(kDataDir / "synthetic")) {
    EXPECT_NE(file.filename().string().find("-SYNTHETIC"), std::string::npos) << file;
  }
}

}  // namespace
}  // namespace trailwall::cloudtrail
