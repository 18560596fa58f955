#pragma once
// Amazon SQS over its JSON protocol (awsJson1_0, target AmazonSQS.*): long-poll
// ReceiveMessage, DeleteMessageBatch, ChangeMessageVisibility(Batch) and GetQueueAttributes, for
// the daemon and the Lambda front end. API reference: Amazon SQS API, actions of the same names.

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "aws/service_client.h"

namespace trailwall::aws {

struct SqsMessage {
  std::string message_id;
  std::string receipt_handle;  // needed to delete it or change its visibility
  std::string body;
  std::string md5_of_body;
  std::map<std::string, std::string> attributes;  // ApproximateReceiveCount, SentTimestamp, …

  // The FIFO message group (attribute MessageGroupId); empty on a standard queue.
  [[nodiscard]] std::string messageGroup() const;
};

struct SqsReceive {
  int max_messages = 10;                                   // 1-10
  std::chrono::seconds wait{20};                           // long poll, 0-20
  std::optional<std::chrono::seconds> visibility_timeout;  // the queue's default if unset
};

// An entry DeleteMessageBatch or ChangeMessageVisibilityBatch could not handle.
struct SqsBatchFailure {
  std::string receipt_handle;
  std::string code;
  std::string message;
  bool sender_fault = false;
};

class SqsClient {
 public:
  static constexpr std::size_t kMaxBatch = 10;

  SqsClient(ClientContext context, std::string endpoint)
      : client_(std::move(context), kSqs, std::move(endpoint)) {}

  // Waits up to `options.wait` for messages; an empty vector when none came. The HTTP request
  // is given the wait plus a margin as its timeout. Errors: NotFound for a missing queue,
  // Auth, Denied, Network, Throttled, InvalidInput for an unreadable answer.
  [[nodiscard]] Result<std::vector<SqsMessage>> receiveMessages(const std::string& queue_url,
                                                                const SqsReceive& options);
  // Deletes in batches of ten; returns the entries SQS refused (empty when all went).
  [[nodiscard]] Result<std::vector<SqsBatchFailure>> deleteMessages(
      const std::string& queue_url, const std::vector<std::string>& receipt_handles);
  // Makes a received message visible again after `timeout` (0 = now, for a retry elsewhere).
  [[nodiscard]] Status changeMessageVisibility(const std::string& queue_url,
                                               const std::string& receipt_handle,
                                               std::chrono::seconds timeout);
  // The same for many messages, in batches of ten (extending a batch in flight, or giving back
  // what a stopping daemon will not handle); returns the entries SQS refused.
  [[nodiscard]] Result<std::vector<SqsBatchFailure>> changeMessageVisibilityBatch(
      const std::string& queue_url, const std::vector<std::string>& receipt_handles,
      std::chrono::seconds timeout);
  // The queue's attributes by name ("All" or e.g. {"VisibilityTimeout", "FifoQueue",
  // "RedrivePolicy"}); values as SQS sends them (strings).
  [[nodiscard]] Result<std::map<std::string, std::string>> getQueueAttributes(
      const std::string& queue_url, const std::vector<std::string>& names = {"All"});

  [[nodiscard]] ServiceClient& client() { return client_; }

 private:
  // One batch action over `receipt_handles` in batches of ten; `visibility`, when set, goes into
  // every entry (ChangeMessageVisibilityBatch).
  [[nodiscard]] Result<std::vector<SqsBatchFailure>> batchCall(
      std::string_view operation, const std::string& queue_url,
      const std::vector<std::string>& receipt_handles,
      std::optional<std::chrono::seconds> visibility);

  ServiceClient client_;
};

}  // namespace trailwall::aws
