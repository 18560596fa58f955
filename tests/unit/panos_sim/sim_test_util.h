#pragma once
// Calls the simulator's request handler directly (no sockets) with a fake clock.

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <pugixml.hpp>

#include "common/clock.h"
#include "simulator.h"

namespace trailwall::panossim::test {

inline constexpr const char* kVsys =
    "/config/devices/entry[@name='localhost.localdomain']/vsys/entry[@name='vsys1']";
inline const std::string kAddress = std::string(kVsys) + "/address";
inline const std::string kRules = std::string(kVsys) + "/rulebase/security/rules";

// A file of shared/reference/panos/.
std::string reference(const std::string& name);

// Canonical text of an XML body (parsed and re-printed raw), so whitespace and quote style do
// not matter when comparing with a reference file. Empty when not XML.
std::string canonicalXml(const std::string& xml);

class SimHarness {
 public:
  explicit SimHarness(SimulatorOptions options = {});

  ApiResponse call(std::vector<std::pair<std::string, std::string>> params,
                   const std::string& admin = "admin");
  ApiResponse config(const std::string& action, const std::string& xpath,
                     const std::string& element = "", const std::string& admin = "admin",
                     std::vector<std::pair<std::string, std::string>> extra = {});
  ApiResponse op(const std::string& cmd, const std::string& admin = "admin");
  ApiResponse commit(const std::string& cmd = "<commit></commit>",
                     const std::string& admin = "admin");
  // Commits and runs the job to its end; returns the job's final <job> response.
  ApiResponse commitAndWait(const std::string& cmd = "<commit></commit>",
                            const std::string& admin = "admin");
  std::string key(const std::string& admin = "admin");

  FakeClock clock{std::chrono::system_clock::time_point(std::chrono::seconds(1700000000))};
  std::unique_ptr<Simulator> sim;
};

// Parses a body; fails the current test when it is not XML.
pugi::xml_document parse(const std::string& body);

// The status and code attributes of the reply's <response> ("" when absent).
std::string statusOf(const ApiResponse& r);
std::string codeOf(const ApiResponse& r);
// The text of the reply's first <line> (or <msg>, or <result> when it has no line).
std::string messageOf(const ApiResponse& r);

// Whether the candidate configuration holds the address object `name`.
bool inCandidate(SimHarness& h, const std::string& name);

}  // namespace trailwall::panossim::test
