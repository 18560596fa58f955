#pragma once
// The queue as the daemon sees it: one small interface (SqsQueue over Amazon SQS in production,
// a hand-written fake in the tests). Receipt handles are what a received message is deleted or
// made visible again by.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "aws/sqs_client.h"
#include "common/error.h"

namespace trailwall::serve {

struct QueueMessage {
  std::string id;  // MessageId
  std::string receipt_handle;
  std::string body;
  std::string group;      // MessageGroupId on a FIFO queue, else empty
  int receive_count = 1;  // ApproximateReceiveCount
};

struct QueueInfo {
  bool fifo = false;
  std::chrono::seconds visibility_timeout{30};  // the queue's default
  std::string redrive_policy;                   // empty: no dead-letter queue
};

// A handle the queue refused (expired, unknown), with its reason.
struct QueueRefusal {
  std::string receipt_handle;
  std::string reason;
};

class MessageQueue {
 public:
  virtual ~MessageQueue() = default;
  [[nodiscard]] virtual Result<QueueInfo> describe() = 0;
  // Up to `max` (1-10) messages, waiting up to `wait` (0-20 s) for the first; each stays
  // invisible to other consumers for `visibility`.
  [[nodiscard]] virtual Result<std::vector<QueueMessage>> receive(
      int max, std::chrono::seconds wait, std::chrono::seconds visibility) = 0;
  [[nodiscard]] virtual Result<std::vector<QueueRefusal>> remove(
      const std::vector<std::string>& receipt_handles) = 0;
  // Invisible for `timeout` from now (0: visible again at once).
  [[nodiscard]] virtual Result<std::vector<QueueRefusal>> setVisibility(
      const std::vector<std::string>& receipt_handles, std::chrono::seconds timeout) = 0;
};

// MessageQueue over one SQS queue (standard or FIFO).
class SqsQueue final : public MessageQueue {
 public:
  SqsQueue(std::unique_ptr<aws::SqsClient> client, std::string queue_url)
      : client_(std::move(client)), queue_url_(std::move(queue_url)) {}

  [[nodiscard]] Result<QueueInfo> describe() override;
  [[nodiscard]] Result<std::vector<QueueMessage>> receive(int max, std::chrono::seconds wait,
                                                          std::chrono::seconds visibility) override;
  [[nodiscard]] Result<std::vector<QueueRefusal>> remove(
      const std::vector<std::string>& receipt_handles) override;
  [[nodiscard]] Result<std::vector<QueueRefusal>> setVisibility(
      const std::vector<std::string>& receipt_handles, std::chrono::seconds timeout) override;

 private:
  std::unique_ptr<aws::SqsClient> client_;
  std::string queue_url_;
};

// What SQS's attributes say about a queue; InvalidInput naming the attribute when one is bad.
// A queue URL ending in ".fifo" is FIFO even when the attribute is missing.
[[nodiscard]] Result<QueueInfo> queueInfoFrom(const std::map<std::string, std::string>& attributes,
                                              std::string_view queue_url);

}  // namespace trailwall::serve
