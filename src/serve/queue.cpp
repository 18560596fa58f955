#include "serve/queue.h"

#include <charconv>

#include <fmt/format.h>

namespace trailwall::serve {
namespace {

std::vector<QueueRefusal> refusals(const std::vector<aws::SqsBatchFailure>& failures) {
  std::vector<QueueRefusal> out;
  out.reserve(failures.size());
  for (const auto& f : failures) {
    out.push_back({f.receipt_handle, f.message.empty() ? f.code : f.code + ": " + f.message});
  }
  return out;
}

std::optional<long long> number(std::string_view text) {
  long long value = 0;
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end || text.empty()) return std::nullopt;
  return value;
}

}  // namespace

Result<QueueInfo> queueInfoFrom(const std::map<std::string, std::string>& attributes,
                                std::string_view queue_url) {
  QueueInfo info;
  info.fifo = queue_url.ends_with(".fifo");
  if (const auto it = attributes.find("FifoQueue"); it != attributes.end()) {
    info.fifo = it->second == "true";
  }
  if (const auto it = attributes.find("VisibilityTimeout"); it != attributes.end()) {
    const auto seconds = number(it->second);
    if (!seconds || *seconds < 0 || *seconds > 43200) {
      return fail(ErrorCode::InvalidInput,
                  fmt::format("SQS queue attribute VisibilityTimeout: '{}' is not 0-43200 seconds",
                              it->second));
    }
    info.visibility_timeout = std::chrono::seconds(*seconds);
  }
  if (const auto it = attributes.find("RedrivePolicy"); it != attributes.end()) {
    info.redrive_policy = it->second;
  }
  return info;
}

Result<QueueInfo> SqsQueue::describe() {
  auto attributes =
      client_->getQueueAttributes(queue_url_, {"VisibilityTimeout", "FifoQueue", "RedrivePolicy"});
  if (!attributes) return std::unexpected(attributes.error());
  return queueInfoFrom(*attributes, queue_url_);
}

Result<std::vector<QueueMessage>> SqsQueue::receive(int max, std::chrono::seconds wait,
                                                    std::chrono::seconds visibility) {
  auto messages = client_->receiveMessages(queue_url_, aws::SqsReceive{max, wait, visibility});
  if (!messages) return std::unexpected(messages.error());
  std::vector<QueueMessage> out;
  out.reserve(messages->size());
  for (auto& m : *messages) {
    QueueMessage message{std::move(m.message_id), std::move(m.receipt_handle), std::move(m.body),
                         m.messageGroup(), 1};
    if (const auto it = m.attributes.find("ApproximateReceiveCount"); it != m.attributes.end()) {
      if (const auto n = number(it->second); n && *n > 0 && *n < 1'000'000) {
        message.receive_count = static_cast<int>(*n);
      }
    }
    out.push_back(std::move(message));
  }
  return out;
}

Result<std::vector<QueueRefusal>> SqsQueue::remove(
    const std::vector<std::string>& receipt_handles) {
  auto failures = client_->deleteMessages(queue_url_, receipt_handles);
  if (!failures) return std::unexpected(failures.error());
  return refusals(*failures);
}

Result<std::vector<QueueRefusal>> SqsQueue::setVisibility(
    const std::vector<std::string>& receipt_handles, std::chrono::seconds timeout) {
  auto failures = client_->changeMessageVisibilityBatch(queue_url_, receipt_handles, timeout);
  if (!failures) return std::unexpected(failures.error());
  return refusals(*failures);
}

}  // namespace trailwall::serve
