#include "aws/api_error.h"

#include <gtest/gtest.h>

namespace trailwall::aws {
namespace {

TEST(ApiError, ReadsEc2QueryErrors) {
  const http::Response r{400, {}, R"(<?xml version="1.0" encoding="UTF-8"?>
<Response><Errors><Error><Code>InvalidInstanceID.NotFound</Code><Message>The instance IDs 'i-1, i-2' do not exist</Message></Error></Errors><RequestID>req-1</RequestID></Response>)"};
  const auto e = parseApiError(r);
  EXPECT_EQ(e.code, "InvalidInstanceID.NotFound");
  EXPECT_EQ(e.message, "The instance IDs 'i-1, i-2' do not exist");
  EXPECT_EQ(e.request_id, "req-1");
  EXPECT_EQ(classify(e), ErrorCode::NotFound);
  EXPECT_FALSE(isRetryable(e));
}

TEST(ApiError, ReadsAwsQueryAndRestXmlErrors) {
  const auto sts = parseApiError(http::Response{
      403,
      {},
      R"(<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>not allowed</Message></Error><RequestId>r2</RequestId></ErrorResponse>)"});
  EXPECT_EQ(sts.code, "AccessDenied");
  EXPECT_EQ(sts.request_id, "r2");
  EXPECT_EQ(classify(sts), ErrorCode::Denied);
  const auto s3 = parseApiError(
      http::Response{404, {}, "<Error><Code>NoSuchKey</Code><Message>gone</Message></Error>"});
  EXPECT_EQ(s3.code, "NoSuchKey");
  EXPECT_EQ(classify(s3), ErrorCode::NotFound);
}

TEST(ApiError, ReadsJsonErrorsAndTheQueryErrorHeader) {
  const auto sm = parseApiError(http::Response{
      400,
      {{"x-amzn-RequestId", "r3"}},
      R"({"__type":"com.amazonaws.secretsmanager#ResourceNotFoundException","message":"Secrets Manager can't find the specified secret."})"});
  EXPECT_EQ(sm.code, "ResourceNotFoundException");
  EXPECT_EQ(sm.request_id, "r3");
  EXPECT_EQ(classify(sm), ErrorCode::NotFound);
  const auto sqs = parseApiError(
      http::Response{400,
                     {{"x-amzn-query-error", "AWS.SimpleQueueService.NonExistentQueue;Sender"}},
                     R"({"__type":"com.amazonaws.sqs#QueueDoesNotExist","message":"no queue"})"});
  EXPECT_EQ(sqs.code, "AWS.SimpleQueueService.NonExistentQueue");
  const auto throttled = parseApiError(
      http::Response{400, {}, R"({"__type":"ThrottlingException","message":"Rate exceeded"})"});
  EXPECT_TRUE(isThrottling(throttled));
  EXPECT_TRUE(isRetryable(throttled));
}

TEST(ApiError, UnreadableBodyFallsBackToTheStatus) {
  const auto e = parseApiError(http::Response{503, {}, "<html>bad gateway"});
  EXPECT_EQ(e.code, "HTTP 503");
  EXPECT_TRUE(isRetryable(e));
  EXPECT_EQ(classify(e), ErrorCode::Remote);
}

TEST(ApiError, AuthAndDeniedMessagesSayWhatToDo) {
  ApiError auth{401, "AuthFailure", "AWS was not able to validate the provided access credentials",
                "r"};
  const auto a = toError(auth, kEc2, "DescribeInstances");
  EXPECT_EQ(a.code, ErrorCode::Auth);
  EXPECT_NE(a.message.find("EC2 DescribeInstances: AuthFailure"), std::string::npos);
  EXPECT_NE(a.message.find("credentials"), std::string::npos);
  ApiError denied{403, "UnauthorizedOperation", "You are not authorized to perform this operation.",
                  ""};
  const auto d = toError(denied, kEc2, "DescribeRouteTables");
  EXPECT_EQ(d.code, ErrorCode::Denied);
  EXPECT_NE(d.message.find("ec2:DescribeRouteTables"), std::string::npos);
}

TEST(ApiError, EchoedSecretsAreRedacted) {
  Credentials c{"AKID", "verysecretkey", "sessiontokenvalue", {}, "test"};
  ApiError e{403, "SignatureDoesNotMatch",
             "canonical request had verysecretkey and x-amz-security-token:sessiontokenvalue", ""};
  const auto err = toError(e, kS3, "GetObject", &c);
  EXPECT_EQ(err.message.find("verysecretkey"), std::string::npos);
  EXPECT_EQ(err.message.find("sessiontokenvalue"), std::string::npos);
  EXPECT_NE(err.message.find("***"), std::string::npos);
}

}  // namespace
}  // namespace trailwall::aws
