#include "aws/api_error.h"

#include <nlohmann/json.hpp>
#include <pugixml.hpp>

#include <array>
#include <string_view>

#include "http/text.h"

namespace trailwall::aws {

namespace {

bool oneOf(std::string_view code, std::initializer_list<std::string_view> codes) {
  for (const auto c : codes) {
    if (code == c) {
      return true;
    }
  }
  return false;
}

void fromJson(std::string_view body, ApiError& out) {
  const auto json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) {
    return;
  }
  for (const char* key : {"__type", "code", "Code"}) {
    if (auto it = json.find(key); it != json.end() && it->is_string()) {
      std::string type = it->get<std::string>();
      // "com.amazonaws.sqs#QueueDoesNotExist" and "QueueDoesNotExist:http://…" both occur.
      if (const auto hash = type.rfind('#'); hash != std::string::npos) {
        type = type.substr(hash + 1);
      }
      if (const auto colon = type.find(':'); colon != std::string::npos) {
        type = type.substr(0, colon);
      }
      out.code = type;
      break;
    }
  }
  for (const char* key : {"message", "Message", "errorMessage"}) {
    if (auto it = json.find(key); it != json.end() && it->is_string()) {
      out.message = it->get<std::string>();
      break;
    }
  }
}

void fromXml(std::string_view body, ApiError& out) {
  pugi::xml_document doc;
  if (!doc.load_buffer(body.data(), body.size(), pugi::parse_default)) {
    return;
  }
  // The first <Error> anywhere: <Response><Errors><Error>, <ErrorResponse><Error>, <Error>.
  const pugi::xml_node error =
      doc.find_node([](const pugi::xml_node& n) { return std::string_view(n.name()) == "Error"; });
  if (error) {
    out.code = error.child_value("Code");
    out.message = error.child_value("Message");
  }
  for (const char* name : {"RequestID", "RequestId"}) {
    const pugi::xml_node id = doc.find_node(
        [name](const pugi::xml_node& n) { return std::string_view(n.name()) == name; });
    if (id) {
      out.request_id = id.child_value();
      break;
    }
  }
}

}  // namespace

ApiError parseApiError(const http::Response& response) {
  ApiError out;
  out.http_status = response.status;
  const std::string_view body = http::trim(response.body);
  if (body.starts_with('{')) {
    fromJson(body, out);
  } else if (body.starts_with('<')) {
    fromXml(body, out);
  }
  // JSON services that grew out of Query ones (SQS) also send the classic code in a header.
  if (auto query_error = response.header("x-amzn-query-error")) {
    const auto semi = query_error->find(';');
    out.code = std::string(query_error->substr(0, semi));
  } else if (out.code.empty()) {
    if (auto type = response.header("x-amzn-ErrorType")) {
      out.code = std::string(type->substr(0, type->find(':')));
    }
  }
  if (out.request_id.empty()) {
    for (const char* name : {"x-amzn-RequestId", "x-amz-request-id", "x-amzn-requestid"}) {
      if (auto id = response.header(name)) {
        out.request_id = std::string(*id);
        break;
      }
    }
  }
  if (out.code.empty()) {
    out.code = "HTTP " + std::to_string(response.status);
  }
  return out;
}

bool isThrottling(const ApiError& error) {
  return error.http_status == 429 ||
         oneOf(error.code,
               {"Throttling", "ThrottlingException", "ThrottledException",
                "RequestThrottledException", "TooManyRequestsException",
                "ProvisionedThroughputExceededException", "TransactionInProgressException",
                "RequestLimitExceeded", "BandwidthLimitExceeded", "LimitExceededException",
                "RequestThrottled", "SlowDown", "PriorRequestNotComplete", "EC2ThrottledException",
                "RequestResourceCountExceeded"});
}

bool isRetryable(const ApiError& error) {
  // Standard mode's transient errors (retry.h), and STS's IDPCommunicationError, which the SDKs
  // retry for AssumeRoleWithWebIdentity.
  const int s = error.http_status;
  return isThrottling(error) || s == 500 || s == 502 || s == 503 || s == 504 ||
         oneOf(error.code, {"RequestTimeout", "RequestTimeoutException", "PriorRequestNotComplete",
                            "IDPCommunicationError"});
}

bool isClockSkew(const ApiError& error) {
  return oneOf(error.code, {"RequestTimeTooSkewed", "RequestExpired", "RequestInTheFuture",
                            "InvalidSignatureException", "SignatureDoesNotMatch", "AuthFailure"});
}

ErrorCode classify(const ApiError& error) {
  const std::string_view code = error.code;
  if (isThrottling(error)) {
    return ErrorCode::Throttled;
  }
  if (oneOf(code, {"AuthFailure", "InvalidClientTokenId", "SignatureDoesNotMatch",
                   "UnrecognizedClientException", "ExpiredToken", "ExpiredTokenException",
                   "InvalidAccessKeyId", "IncompleteSignature", "MissingAuthenticationToken",
                   "InvalidSignatureException", "RequestExpired", "RequestTimeTooSkewed",
                   "InvalidToken", "TokenRefreshRequired", "AuthorizationHeaderMalformed"})) {
    return ErrorCode::Auth;
  }
  if (oneOf(code, {"UnauthorizedOperation", "AccessDenied", "AccessDeniedException",
                   "OptInRequired", "Blocked", "KMSAccessDeniedException"}) ||
      error.http_status == 403) {
    return ErrorCode::Denied;
  }
  if (code.ends_with(".NotFound") ||
      oneOf(code, {"NoSuchKey", "NoSuchBucket", "ResourceNotFoundException", "ParameterNotFound",
                   "AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist",
                   "ParameterVersionNotFound"}) ||
      error.http_status == 404) {
    return ErrorCode::NotFound;
  }
  if (error.http_status >= 500) {
    return ErrorCode::Remote;
  }
  if (oneOf(code, {"InvalidParameterValue", "InvalidParameter", "InvalidParameterCombination",
                   "MissingParameter", "ValidationError", "ValidationException", "InvalidRequest",
                   "InvalidParameterException", "InvalidAction", "MalformedQueryString",
                   "UnknownParameter"}) ||
      code.ends_with(".Malformed")) {
    return ErrorCode::InvalidInput;
  }
  return ErrorCode::Remote;
}

std::string redactSecrets(std::string text, const Credentials& credentials) {
  for (const std::string* secret : {&credentials.secret_access_key, &credentials.session_token}) {
    if (secret->size() < 4) {
      continue;  // too short to search for without hiding ordinary words
    }
    for (auto at = text.find(*secret); at != std::string::npos; at = text.find(*secret, at)) {
      text.replace(at, secret->size(), "***");
      at += 3;
    }
  }
  return text;
}

Error toError(const ApiError& error, const ServiceInfo& service, std::string_view operation,
              const Credentials* credentials) {
  std::string message;
  message.append(service.display_name)
      .append(" ")
      .append(operation)
      .append(": ")
      .append(error.code);
  if (!error.message.empty()) {
    message.append(": ").append(error.message);
  }
  message.append(" (HTTP ").append(std::to_string(error.http_status));
  if (!error.request_id.empty()) {
    message.append(", request id ").append(error.request_id);
  }
  message.append(")");
  const ErrorCode code = classify(error);
  if (code == ErrorCode::Auth) {
    message.append("; check the AWS credentials (and the clock, for signature errors)");
  } else if (code == ErrorCode::Denied) {
    message.append("; the IAM policy must allow ")
        .append(service.signing_name)
        .append(":")
        .append(operation);
  }
  if (credentials != nullptr) {
    message = redactSecrets(std::move(message), *credentials);
  }
  return Error{code, std::move(message)};
}

}  // namespace trailwall::aws
