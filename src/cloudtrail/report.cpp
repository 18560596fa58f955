#include "cloudtrail/report.h"

#include <nlohmann/json.hpp>

namespace trailwall::cloudtrail {
namespace {

using nlohmann::json;

void addSet(json& object, const char* name, const std::set<std::string>& ids) {
  if (!ids.empty()) {
    object[name] = ids;
  }
}

json scopeJson(const inventory::Scope& scope) {
  json object = json::object();
  if (scope.everything) {
    object["everything"] = true;
  }
  addSet(object, "instance_ids", scope.instance_ids);
  addSet(object, "group_ids", scope.group_ids);
  addSet(object, "group_names", scope.group_names);
  addSet(object, "network_interface_ids", scope.network_interface_ids);
  addSet(object, "network_interface_attachment_ids", scope.network_interface_attachment_ids);
  addSet(object, "subnet_ids", scope.subnet_ids);
  addSet(object, "route_table_ids", scope.route_table_ids);
  addSet(object, "route_table_association_ids", scope.route_table_association_ids);
  addSet(object, "vpc_ids", scope.vpc_ids);
  addSet(object, "prefix_list_ids", scope.prefix_list_ids);
  return object;
}

}  // namespace

std::string toJson(const Decoded& decoded, bool with_ignored_records) {
  json changes = json::array();
  for (const Change& change : decoded.changes) {
    changes.push_back({{"event", change.event_name},
                       {"time", change.event_time},
                       {"account", change.account},
                       {"region", change.region},
                       {"event_id", change.event_id},
                       {"source", change.source},
                       {"location", change.location},
                       {"scope", scopeJson(change.scope)}});
  }
  json objects = json::array();
  for (const LogObject& object : decoded.objects) {
    objects.push_back({{"bucket", object.bucket},
                       {"key", object.key},
                       {"region", object.region},
                       {"source", object.source},
                       {"location", object.location}});
  }
  json by_reason = json::object();
  for (std::size_t i = 0; i < kIgnoreReasonCount; ++i) {
    if (decoded.ignored_count[i] > 0) {
      by_reason[std::string(to_string(static_cast<IgnoreReason>(i)))] = decoded.ignored_count[i];
    }
  }
  json ignored = {{"total", decoded.ignoredTotal()}, {"by_reason", by_reason}};
  if (with_ignored_records) {
    json records = json::array();
    for (const Ignored& record : decoded.ignored) {
      records.push_back({{"source", record.source},
                         {"location", record.location},
                         {"event", record.event_name},
                         {"event_id", record.event_id},
                         {"reason", to_string(record.reason)},
                         {"detail", record.detail}});
    }
    ignored["records"] = std::move(records);
  }
  json errors = json::array();
  for (const Error& error : decoded.errors) {
    errors.push_back(error.message);
  }
  const json document = {{"records", decoded.records},
                         {"changes", std::move(changes)},
                         {"objects", std::move(objects)},
                         {"ignored", std::move(ignored)},
                         {"errors", std::move(errors)}};
  // Replacement characters rather than an exception for bytes a %-escape made invalid UTF-8.
  return document.dump(2, ' ', false, json::error_handler_t::replace);
}

}  // namespace trailwall::cloudtrail
