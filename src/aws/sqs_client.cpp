#include "aws/sqs_client.h"

#include <fmt/format.h>

#include "aws/json_protocol.h"

namespace trailwall::aws {

namespace {

constexpr std::string_view kContentType = "application/x-amz-json-1.0";
constexpr std::string_view kTarget = "AmazonSQS";
// How much longer than the long poll the HTTP request may take before it counts as hung.
constexpr auto kPollMargin = std::chrono::seconds(10);

}  // namespace

Result<std::vector<SqsMessage>> SqsClient::receiveMessages(const std::string& queue_url,
                                                           const SqsReceive& options) {
  nlohmann::json body = {
      {"QueueUrl", queue_url},
      {"MaxNumberOfMessages", std::clamp(options.max_messages, 1, 10)},
      {"WaitTimeSeconds", std::clamp<long long>(options.wait.count(), 0, 20)},
      {"MessageSystemAttributeNames", {"All"}},
  };
  if (options.visibility_timeout) {
    body["VisibilityTimeout"] = options.visibility_timeout->count();
  }
  auto json = json_protocol::call(
      client_, kContentType, kTarget, "ReceiveMessage", body,
      std::chrono::duration_cast<std::chrono::milliseconds>(options.wait + kPollMargin));
  if (!json) {
    return std::unexpected(json.error());
  }
  std::vector<SqsMessage> messages;
  const auto list = json->find("Messages");
  if (list == json->end() || !list->is_array()) {
    return messages;
  }
  for (const auto& m : *list) {
    if (!m.is_object()) {
      return fail(ErrorCode::InvalidInput, "SQS ReceiveMessage: a message is not an object");
    }
    SqsMessage message{json_protocol::text(m, "MessageId"),
                       json_protocol::text(m, "ReceiptHandle"),
                       json_protocol::text(m, "Body"),
                       json_protocol::text(m, "MD5OfBody"),
                       {}};
    if (message.receipt_handle.empty()) {
      return fail(
          ErrorCode::InvalidInput,
          fmt::format("SQS ReceiveMessage: message {} has no ReceiptHandle", message.message_id));
    }
    if (auto attributes = m.find("Attributes"); attributes != m.end() && attributes->is_object()) {
      for (const auto& [key, value] : attributes->items()) {
        if (value.is_string()) {
          message.attributes[key] = value.get<std::string>();
        }
      }
    }
    messages.push_back(std::move(message));
  }
  return messages;
}

Result<std::vector<SqsBatchFailure>> SqsClient::batchCall(
    std::string_view operation, const std::string& queue_url,
    const std::vector<std::string>& receipt_handles,
    std::optional<std::chrono::seconds> visibility) {
  std::vector<SqsBatchFailure> failures;
  const auto bad_id = [operation] {
    return fail(ErrorCode::InvalidInput,
                fmt::format("SQS {}: a failed entry has a bad Id", operation));
  };
  for (std::size_t start = 0; start < receipt_handles.size(); start += kMaxBatch) {
    const std::size_t end = std::min(receipt_handles.size(), start + kMaxBatch);
    nlohmann::json entries = nlohmann::json::array();
    for (std::size_t i = start; i < end; ++i) {
      nlohmann::json entry = {{"Id", std::to_string(i - start)},
                              {"ReceiptHandle", receipt_handles[i]}};
      if (visibility) entry["VisibilityTimeout"] = visibility->count();
      entries.push_back(std::move(entry));
    }
    auto json = json_protocol::call(client_, kContentType, kTarget, operation,
                                    {{"QueueUrl", queue_url}, {"Entries", entries}});
    if (!json) {
      return std::unexpected(json.error());
    }
    if (auto failed = json->find("Failed"); failed != json->end() && failed->is_array()) {
      for (const auto& f : *failed) {
        std::size_t index = 0;
        try {
          index = start + std::stoul(json_protocol::text(f, "Id"));
        } catch (const std::exception&) {
          return bad_id();
        }
        if (index >= end) {
          return bad_id();
        }
        const auto fault = f.find("SenderFault");
        failures.push_back({receipt_handles[index], json_protocol::text(f, "Code"),
                            json_protocol::text(f, "Message"),
                            fault != f.end() && fault->is_boolean() && fault->get<bool>()});
      }
    }
  }
  return failures;
}

Result<std::vector<SqsBatchFailure>> SqsClient::deleteMessages(
    const std::string& queue_url, const std::vector<std::string>& receipt_handles) {
  return batchCall("DeleteMessageBatch", queue_url, receipt_handles, std::nullopt);
}

Result<std::vector<SqsBatchFailure>> SqsClient::changeMessageVisibilityBatch(
    const std::string& queue_url, const std::vector<std::string>& receipt_handles,
    std::chrono::seconds timeout) {
  return batchCall("ChangeMessageVisibilityBatch", queue_url, receipt_handles, timeout);
}

Result<std::map<std::string, std::string>> SqsClient::getQueueAttributes(
    const std::string& queue_url, const std::vector<std::string>& names) {
  auto json = json_protocol::call(client_, kContentType, kTarget, "GetQueueAttributes",
                                  {{"QueueUrl", queue_url}, {"AttributeNames", names}});
  if (!json) {
    return std::unexpected(json.error());
  }
  std::map<std::string, std::string> attributes;
  if (auto found = json->find("Attributes"); found != json->end()) {
    if (!found->is_object()) {
      return fail(ErrorCode::InvalidInput, "SQS GetQueueAttributes: Attributes is not an object");
    }
    for (const auto& [key, value] : found->items()) {
      if (value.is_string()) attributes[key] = value.get<std::string>();
    }
  }
  return attributes;
}

std::string SqsMessage::messageGroup() const {
  const auto it = attributes.find("MessageGroupId");
  return it == attributes.end() ? std::string() : it->second;
}

Status SqsClient::changeMessageVisibility(const std::string& queue_url,
                                          const std::string& receipt_handle,
                                          std::chrono::seconds timeout) {
  auto json = json_protocol::call(client_, kContentType, kTarget, "ChangeMessageVisibility",
                                  {{"QueueUrl", queue_url},
                                   {"ReceiptHandle", receipt_handle},
                                   {"VisibilityTimeout", timeout.count()}});
  if (!json) {
    return std::unexpected(json.error());
  }
  return {};
}

}  // namespace trailwall::aws
