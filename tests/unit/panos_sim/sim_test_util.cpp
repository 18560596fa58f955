#include "sim_test_util.h"

#include "xml_text.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include "support/files.h"

namespace trailwall::panossim::test {

using ::trailwall::test::readFile;

std::string reference(const std::string& name) {
  return readFile(std::string(TRAILWALL_SHARED_DIR) + "/reference/panos/" + name);
}

std::string canonicalXml(const std::string& xml) {
  pugi::xml_document doc;
  if (!doc.load_string(xml.c_str(), pugi::parse_default | pugi::parse_trim_pcdata)) {
    return "";
  }
  return nodeXml(doc.document_element());
}

SimHarness::SimHarness(SimulatorOptions options) {
  options.seed = options.seed == 0 ? 7 : options.seed;
  auto created = Simulator::create(std::move(options), clock);
  if (!created) {
    ADD_FAILURE() << to_string(created.error());
    return;
  }
  sim = std::move(*created);
}

std::string SimHarness::key(const std::string& admin) {
  auto k = sim->apiKeyFor(admin);
  return k ? *k : "";
}

ApiResponse SimHarness::call(std::vector<std::pair<std::string, std::string>> params,
                             const std::string& admin) {
  ApiRequest req;
  req.method = "POST";
  req.params = std::move(params);
  if (!admin.empty()) {
    req.api_key_header = key(admin);
  }
  return sim->handle(req);
}

ApiResponse SimHarness::config(const std::string& action, const std::string& xpath,
                               const std::string& element, const std::string& admin,
                               std::vector<std::pair<std::string, std::string>> extra) {
  std::vector<std::pair<std::string, std::string>> params = {
      {"type", "config"}, {"action", action}, {"xpath", xpath}};
  if (!element.empty()) {
    params.emplace_back("element", element);
  }
  for (auto& kv : extra) {
    params.push_back(std::move(kv));
  }
  return call(std::move(params), admin);
}

ApiResponse SimHarness::op(const std::string& cmd, const std::string& admin) {
  return call({{"type", "op"}, {"cmd", cmd}}, admin);
}

ApiResponse SimHarness::commit(const std::string& cmd, const std::string& admin) {
  return call({{"type", "commit"}, {"cmd", cmd}}, admin);
}

ApiResponse SimHarness::commitAndWait(const std::string& cmd, const std::string& admin) {
  const ApiResponse enqueued = commit(cmd, admin);
  pugi::xml_document doc = parse(enqueued.body);
  const std::string job = doc.select_node("/response/result/job").node().text().get();
  if (job.empty()) {
    return enqueued;
  }
  clock.advance(std::chrono::hours(1));
  return op("<show><jobs><id>" + job + "</id></jobs></show>", admin);
}

pugi::xml_document parse(const std::string& body) {
  pugi::xml_document doc;
  const pugi::xml_parse_result r = doc.load_string(body.c_str());
  EXPECT_TRUE(r) << "not XML: " << body;
  return doc;
}

std::string statusOf(const ApiResponse& r) {
  return parse(r.body).child("response").attribute("status").value();
}

std::string codeOf(const ApiResponse& r) {
  return parse(r.body).child("response").attribute("code").value();
}

std::string messageOf(const ApiResponse& r) {
  const pugi::xml_document doc = parse(r.body);
  for (const char* path : {"//line", "//msg", "/response/result"}) {
    if (const pugi::xpath_node n = doc.select_node(path)) {
      return n.node().text().get();
    }
  }
  return "";
}

bool inCandidate(SimHarness& h, const std::string& name) {
  return codeOf(h.config("get", kAddress + "/entry[@name='" + name + "']")) == "19";
}

}  // namespace trailwall::panossim::test
