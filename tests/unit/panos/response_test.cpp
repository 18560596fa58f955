#include "panos/response.h"

#include <gtest/gtest.h>

#include "reference.h"

namespace trailwall::panos {
namespace {

using testing::parseReference;

TEST(ApiResponse, ReadsStatusAndCodeWithDoubleQuotes) {
  const auto r = parseReference("config-set-success-code20.xml");
  EXPECT_TRUE(r.success());
  EXPECT_EQ(r.code(), 20);
  EXPECT_EQ(r.messages(), std::vector<std::string>{"command succeeded"});
}

TEST(ApiResponse, ReadsSpacedSingleQuotedAttributes) {
  // Real keygen and 403 replies: status = 'error' code = '403'.
  const auto r = parseReference("error-403-invalid-credential.xml");
  EXPECT_FALSE(r.success());
  EXPECT_EQ(r.code(), 403);
  EXPECT_EQ(r.messages(), std::vector<std::string>{"Invalid Credential"});
  const auto k = parseReference("keygen-success-device-format.xml");
  EXPECT_TRUE(k.success());
  EXPECT_FALSE(k.code().has_value());
}

TEST(ApiResponse, ReadsAttributesInEitherOrder) {
  const auto r = parseReference("config-get-url-category-list-70.xml");
  EXPECT_TRUE(r.success());
  EXPECT_EQ(r.code(), 19);
  EXPECT_EQ(r.result().attribute("count").as_int(), 1);
}

TEST(ApiResponse, TrimsCdataLinesAndKeepsEveryLine) {
  const auto r = parseReference("error-12-invalid-object-multiline.xml");
  ASSERT_EQ(r.messages().size(), 2U);
  EXPECT_EQ(r.messages()[1], "tf123456 -> server is invalid");
  EXPECT_TRUE(r.messages()[0].starts_with("tf123456 -> server -> first server  is invalid."));
}

TEST(ApiResponse, FindsMessagesWhereverTheDevicePutsThem) {
  EXPECT_EQ(parseReference("commit-enqueued-docs.xml").messages(),
            std::vector<std::string>{"Commit job enqueued with jobid 4"});
  EXPECT_EQ(parseReference("commit-no-changes-docs.xml").messages(),
            std::vector<std::string>{"There are no changes to commit."});
  EXPECT_EQ(
      parseReference("error-400-export-missing-param.xml").messages(),
      std::vector<std::string>{"Parameter \"format\" is required while exporting certificate"});
  EXPECT_EQ(parseReference("op-config-lock-add-ok.xml").messages().size(), 1U);
  EXPECT_TRUE(parseReference("error-1-unknown-command-bare.xml").messages().empty());
}

TEST(ApiResponse, ListsMultiConfigSubResponsesInOrder) {
  const auto r = parseReference("multi-config-error-13-pango.xml");
  EXPECT_FALSE(r.success());
  EXPECT_EQ(r.code(), 13);
  const auto subs = r.subResponses();
  ASSERT_EQ(subs.size(), 3U);
  EXPECT_TRUE(subs[0].success);
  EXPECT_EQ(subs[0].id, "1109");
  EXPECT_EQ(subs[1].code, 7);
  EXPECT_EQ(subs[1].messages, std::vector<std::string>{"Object doesn't exist"});
  EXPECT_FALSE(subs[2].success);
  EXPECT_EQ(subs[2].code, 12);
  EXPECT_EQ(subs[2].messages, std::vector<std::string>{"test-new unexpected here"});
}

TEST(ApiResponse, RejectsWhatIsNotAnApiResponse) {
  EXPECT_EQ(ApiResponse::parse("").error().code, ErrorCode::InvalidInput);
  EXPECT_EQ(ApiResponse::parse("<html><body>502</body></html>").error().code,
            ErrorCode::InvalidInput);
  EXPECT_EQ(ApiResponse::parse("<response status=\"success\">").error().code,
            ErrorCode::InvalidInput);
}

struct MappedError {
  const char* file;
  int http_status;
  ErrorCode expected;
};

class ErrorMapping : public ::testing::TestWithParam<MappedError> {};

TEST_P(ErrorMapping, DeviceErrorsBecomeActionableErrors) {
  const auto& c = GetParam();
  const auto r = parseReference(c.file);
  const auto e = errorFromResponse(r, c.http_status, "doing x");
  EXPECT_EQ(e.code, c.expected) << e.message;
  EXPECT_TRUE(e.message.starts_with("doing x: the firewall answered")) << e.message;
  for (const auto& m : r.messages()) {
    EXPECT_NE(e.message.find(m), std::string::npos) << "message lost: " << m;
  }
}

INSTANTIATE_TEST_SUITE_P(
    ReferenceErrors, ErrorMapping,
    ::testing::Values(
        MappedError{"error-403-invalid-credential.xml", 403, ErrorCode::Auth},
        MappedError{"error-400-export-missing-param.xml", 400, ErrorCode::InvalidInput},
        MappedError{"error-1-unknown-command-bare.xml", 200, ErrorCode::Unsupported},
        MappedError{"error-12-invalid-object-multiline.xml", 200, ErrorCode::InvalidInput},
        MappedError{"error-7-job-not-found.xml", 200, ErrorCode::NotFound},
        MappedError{"config-show-no-such-node.xml", 200, ErrorCode::NotFound},
        MappedError{"commit-error-14-commit-locks-held.xml", 200, ErrorCode::Conflict},
        MappedError{"op-config-lock-add-already-held.xml", 200, ErrorCode::Conflict},
        MappedError{"op-commit-lock-add-already-held.xml", 200, ErrorCode::Conflict}),
    [](const ::testing::TestParamInfo<MappedError>& param) {
      std::string name = param.param.file;
      name = name.substr(0, name.find('.'));
      for (auto& c : name) {
        if (c == '-') c = '_';
      }
      return name;
    });

TEST(ErrorMapping, MessagesOverrideTheCodeWhereTheCauseIsClear) {
  EXPECT_EQ(classifyApiError(400, {"Key Expired: XXXX has expired."}, 400), ErrorCode::Auth);
  EXPECT_EQ(classifyApiError(std::nullopt, {"Configuration is locked by bob"}, 200),
            ErrorCode::Conflict);
  EXPECT_EQ(classifyApiError(22, {}, 200), ErrorCode::Timeout);
  EXPECT_EQ(classifyApiError(16, {}, 200), ErrorCode::Denied);
  EXPECT_EQ(classifyApiError(10, {}, 200), ErrorCode::Conflict);
  EXPECT_EQ(
      classifyApiError(std::nullopt, {"Commit is not currently locked for scope shared"}, 200),
      ErrorCode::Remote);
}

TEST(ErrorMapping, AuthErrorsSayHowToFixThem) {
  const auto e =
      errorFromResponse(parseReference("error-403-invalid-credential.xml"), 403, "reading rules");
  EXPECT_NE(e.message.find("error 403 (forbidden): Invalid Credential"), std::string::npos);
  EXPECT_NE(e.message.find("trailwall keygen"), std::string::npos);
}

}  // namespace
}  // namespace trailwall::panos
