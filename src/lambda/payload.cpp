#include "lambda/payload.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace trailwall::lambda {
namespace {

using nlohmann::json;

// An SQS batch: {"Records":[{"messageId", "body", "eventSource":"aws:sqs", …}]}.
bool isSqsBatch(const json& event) {
  if (!event.is_object()) return false;
  const auto records = event.find("Records");
  if (records == event.end() || !records->is_array() || records->empty()) return false;
  const auto& first = records->front();
  if (!first.is_object()) return false;
  const auto source = first.find("eventSource");
  return source != first.end() && source->is_string() && source->get<std::string>() == "aws:sqs";
}

bool fromFifoQueue(const json& record) {
  if (const auto arn = record.find("eventSourceARN");
      arn != record.end() && arn->is_string() && arn->get<std::string>().ends_with(".fifo")) {
    return true;
  }
  const auto attributes = record.find("attributes");
  return attributes != record.end() && attributes->is_object() &&
         attributes->contains("MessageGroupId");
}

}  // namespace

Result<Payload> splitPayload(std::string_view event, const std::string& request_id) {
  Payload payload;
  // Only an event that names SQS as its source is parsed here; every other shape goes to the
  // decoder whole (it reads them all, and says what is wrong with them).
  if (event.find("\"aws:sqs\"") != std::string_view::npos) {
    const json parsed = json::parse(event, nullptr, false);
    if (!parsed.is_discarded() && isSqsBatch(parsed)) {
      payload.sqs = true;
      std::size_t index = 0;
      for (const auto& record : parsed["Records"]) {
        const std::string where = fmt::format("SQS event Records[{}]", index++);
        if (!record.is_object()) {
          return fail(ErrorCode::InvalidInput, where + ": expected an object");
        }
        const auto id = record.find("messageId");
        const auto body = record.find("body");
        if (id == record.end() || !id->is_string() || id->get<std::string>().empty()) {
          return fail(ErrorCode::InvalidInput, where + ": no messageId (a non-empty string)");
        }
        if (body == record.end() || !body->is_string()) {
          return fail(ErrorCode::InvalidInput, fmt::format("{}: message {}: no body (a string)",
                                                           where, id->get<std::string>()));
        }
        payload.fifo = payload.fifo || fromFifoQueue(record);
        auto message_id = id->get<std::string>();
        runner::Delivery delivery{message_id,
                                  cloudtrail::PaddedBytes(body->get_ref<const std::string&>()),
                                  "SQS message " + message_id};
        payload.deliveries.push_back(std::move(delivery));
      }
      return payload;
    }
  }
  payload.deliveries.push_back(
      runner::Delivery{request_id, cloudtrail::PaddedBytes(event), "event " + request_id});
  return payload;
}

std::string batchItemFailures(const std::vector<runner::Outcome>& outcomes, bool fifo) {
  json failures = json::array();
  bool failing = false;
  for (const auto& outcome : outcomes) {
    failing = (fifo && failing) || outcome.status != runner::Status::Done;
    if (failing) failures.push_back({{"itemIdentifier", outcome.id}});
  }
  return json{{"batchItemFailures", std::move(failures)}}.dump(-1, ' ', false,
                                                               json::error_handler_t::replace);
}

}  // namespace trailwall::lambda
