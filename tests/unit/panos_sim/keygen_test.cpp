#include <gtest/gtest.h>

#include "sim_test_util.h"

namespace trailwall::panossim::test {
namespace {

TEST(Keygen, AnswersTheDeviceShapeWithAStableKeyPerAdministrator) {
  SimHarness h;
  const ApiResponse first =
      h.call({{"type", "keygen"}, {"user", "admin"}, {"password", "admin"}}, "");
  EXPECT_EQ(first.http_status, 200);
  EXPECT_TRUE(first.body.starts_with("<response status = 'success'><result><key>LUFRPT"));
  const std::string key = parse(first.body).select_node("/response/result/key").node().text().get();
  EXPECT_EQ(key, h.key("admin"));
  const ApiResponse again =
      h.call({{"type", "keygen"}, {"user", "admin"}, {"password", "admin"}}, "");
  EXPECT_EQ(again.body, first.body);
  EXPECT_NE(h.key("operator"), key);
}

TEST(Keygen, WrongPasswordIsTheDevices403Body) {
  SimHarness h;
  const ApiResponse r = h.call({{"type", "keygen"}, {"user", "admin"}, {"password", "nope"}}, "");
  EXPECT_EQ(r.http_status, 403);
  std::string expected = reference("error-403-invalid-credential.xml");
  expected.pop_back();  // the reference files end with one added newline
  EXPECT_EQ(r.body, expected);
  EXPECT_EQ(r.body.size(), 97U);  // Content-Length of the real device's reply
}

TEST(Keygen, UnknownUserAndMissingPasswordAre403) {
  SimHarness h;
  EXPECT_EQ(h.call({{"type", "keygen"}, {"user", "mallory"}, {"password", "x"}}, "").http_status,
            403);
  EXPECT_EQ(h.call({{"type", "keygen"}, {"user", "admin"}}, "").http_status, 403);
}

TEST(Auth, KeyAcceptedAsHeaderOrParameterAndRejectedOtherwise) {
  SimHarness h;
  const std::string cmd = "<show><system><info></info></system></show>";
  ApiRequest req;
  req.params = {{"type", "op"}, {"cmd", cmd}};
  EXPECT_EQ(h.sim->handle(req).http_status, 403);  // no key
  req.api_key_header = "LUFRPT1bogus";
  EXPECT_EQ(h.sim->handle(req).http_status, 403);
  req.api_key_header = h.key("admin");
  EXPECT_EQ(h.sim->handle(req).http_status, 200);
  req.api_key_header.clear();
  req.params.emplace_back("key", h.key("operator"));
  EXPECT_EQ(h.sim->handle(req).http_status, 200);
  EXPECT_EQ(h.sim->counters().auth_failures, 2U);
}

TEST(Auth, BasicAuthenticationWorks) {
  SimHarness h;
  ApiRequest req;
  req.params = {{"type", "op"}, {"cmd", "<show><system><info/></system></show>"}};
  req.authorization = "Basic YWRtaW46YWRtaW4=";  // admin:admin
  EXPECT_EQ(h.sim->handle(req).http_status, 200);
  req.authorization = "Basic YWRtaW46d3Jvbmc=";  // admin:wrong
  EXPECT_EQ(h.sim->handle(req).http_status, 403);
}

TEST(Auth, ChangingThePasswordInvalidatesTheKey) {
  SimHarness h;
  const std::string old_key = h.key("admin");
  // operator sets a new hash for admin ("secret" with MD5-crypt) and commits.
  h.config("edit", "/config/mgt-config/users/entry[@name='admin']/phash",
           "<phash>$1$abcdefgh$cHJi5PXp/ki/ktXzqlk6I1</phash>", "operator");
  h.commitAndWait("<commit></commit>", "operator");
  ApiRequest req;
  req.params = {{"type", "op"}, {"cmd", "<show><system><info/></system></show>"}};
  req.api_key_header = old_key;
  EXPECT_EQ(h.sim->handle(req).http_status, 403);
  const ApiResponse r = h.call({{"type", "keygen"}, {"user", "admin"}, {"password", "secret"}}, "");
  EXPECT_EQ(r.http_status, 200) << r.body;
}

TEST(Version, ReportsSoftwareVersionAndModel) {
  SimHarness h;
  const pugi::xml_document doc = parse(h.call({{"type", "version"}}).body);
  EXPECT_STREQ(doc.select_node("/response/result/sw-version").node().text().get(), "10.2.11");
  EXPECT_STREQ(doc.select_node("/response/result/model").node().text().get(), "PA-VM");
}

}  // namespace
}  // namespace trailwall::panossim::test
