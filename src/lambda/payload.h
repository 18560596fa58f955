#pragma once
// A Lambda event as deliveries for the runner (NOTES.md §6): an SQS batch is one delivery per
// message (its body: an EventBridge event, an S3 or SNS-wrapped S3 notification), so each
// message can be answered for; any other event (S3 notification, SNS event, EventBridge API call
// or Scheduled Event) is one delivery. The answer for SQS is a partial batch response.

#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "runner/runner.h"

namespace trailwall::lambda {

struct Payload {
  std::vector<runner::Delivery> deliveries;
  bool sqs = false;   // an SQS batch: answer with batchItemFailures
  bool fifo = false;  // from a FIFO queue: order must hold
};

// Splits an invocation's event. `request_id` names a non-SQS event's single delivery.
// InvalidInput when an SQS batch has a record without a string messageId or body (no partial
// answer could name it: the whole invocation fails and the batch comes back).
[[nodiscard]] Result<Payload> splitPayload(std::string_view event, const std::string& request_id);

// {"batchItemFailures":[{"itemIdentifier":"<id>"},…]} for the messages that are not done; on a
// FIFO queue the first one that is not done and every message after it.
[[nodiscard]] std::string batchItemFailures(const std::vector<runner::Outcome>& outcomes,
                                            bool fifo);

}  // namespace trailwall::lambda
