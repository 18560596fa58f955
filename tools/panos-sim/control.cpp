// The control endpoint (/sim/…) of the simulator: JSON views of counters, faults and the request
// log, for tests and benchmarks that talk to a panos-sim binary over HTTP.
#include <charconv>
#include <ctime>
#include <exception>
#include <tuple>

#include <nlohmann/json.hpp>

#include "simulator.h"

namespace trailwall::panossim {
namespace {

ApiResponse json(int status, const nlohmann::json& body) {
  ApiResponse r;
  r.http_status = status;
  r.content_type = "application/json";
  // Request text (types, actions, xpaths) may be any bytes: replace invalid UTF-8.
  r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

nlohmann::json toJson(const Counters& c) {
  nlohmann::json http = nlohmann::json::object();
  for (const auto& [status, n] : c.by_http_status) {
    http[std::to_string(status)] = n;
  }
  return {{"requests", c.requests},
          {"by_type", c.by_type},
          {"by_action", c.by_action},
          {"by_http_status", http},
          {"auth_failures", c.auth_failures},
          {"commits",
           {{"enqueued", c.commits_enqueued},
            {"ok", c.commits_ok},
            {"failed", c.commits_failed},
            {"no_changes", c.commits_no_changes}}},
          {"pushes",
           {{"enqueued", c.pushes_enqueued}, {"ok", c.pushes_ok}, {"failed", c.pushes_failed}}},
          {"bytes_in", c.bytes_in},
          {"bytes_out", c.bytes_out},
          {"faults",
           {{"latency", c.faults_latency},
            {"http_error", c.faults_http_error},
            {"dropped", c.faults_dropped},
            {"api_error", c.faults_api_error},
            {"hung", c.faults_hung},
            {"slow", c.faults_slow}}}};
}

nlohmann::json clockJson(const Simulator& sim) {
  const auto now = sim.now();
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[32];
  const std::size_t n = std::strftime(text, sizeof text, "%Y/%m/%d %H:%M:%S", &tm);
  return {{"now", std::string(text, n)},
          {"epoch_ms",
           std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count()}};
}

nlohmann::json rulesToJson(const std::vector<RequestRule>& rules, bool with_latency) {
  nlohmann::json out = nlohmann::json::array();
  for (const RequestRule& r : rules) {
    nlohmann::json j = {{"type", r.type},
                        {"action", r.action},
                        {"xpath_contains", r.xpath_contains},
                        {"remaining", r.remaining}};
    if (with_latency) {
      j["latency_ms"] = r.latency.count();
    }
    out.push_back(std::move(j));
  }
  return out;
}

Result<std::vector<RequestRule>> rulesFromJson(const nlohmann::json& j, const char* name,
                                               bool with_latency) {
  std::vector<RequestRule> out;
  const nlohmann::json list = j.value(name, nlohmann::json::array());
  if (!list.is_array()) {
    return fail(ErrorCode::InvalidInput, std::string(name) + " must be a list");
  }
  for (const nlohmann::json& e : list) {
    RequestRule r;
    r.type = e.value("type", "");
    r.action = e.value("action", "");
    r.xpath_contains = e.value("xpath_contains", "");
    r.remaining = e.value("remaining", -1);
    if (with_latency) {
      const long long ms = e.value("latency_ms", 0LL);
      if (ms < 0 || ms > 600000) {
        return fail(ErrorCode::InvalidInput, std::string(name) + ": latency_ms must be 0-600000");
      }
      r.latency = std::chrono::milliseconds(ms);
    }
    out.push_back(std::move(r));
  }
  return out;
}

nlohmann::json faultsToJson(const Faults& f) {
  nlohmann::json errors = nlohmann::json::array();
  for (const ApiErrorFault& e : f.api_errors) {
    errors.push_back({{"type", e.type},
                      {"action", e.action},
                      {"xpath_contains", e.xpath_contains},
                      {"code", e.code},
                      {"message", e.message},
                      {"http_status", e.http_status},
                      {"rate", e.rate},
                      {"remaining", e.remaining}});
  }
  return {{"latency_ms", f.latency.count()},
          {"http_error_rate", f.http_error_rate},
          {"http_error_status", f.http_error_status},
          {"drop_rate", f.drop_rate},
          {"api_errors", errors},
          {"fail_commits", f.fail_commits},
          {"config_lock_holder", f.config_lock_holder},
          {"commit_lock_holder", f.commit_lock_holder},
          {"policy_match_format", f.policy_match_format},
          {"drops", rulesToJson(f.drops, false)},
          {"hangs", rulesToJson(f.hangs, false)},
          {"slow", rulesToJson(f.slow, true)},
          {"failover", rulesToJson(f.failover, false)},
          {"commit_ms", f.commit_duration ? nlohmann::json(f.commit_duration->count())
                                          : nlohmann::json(nullptr)},
          {"max_registered_ips",
           f.max_registered_ips ? nlohmann::json(*f.max_registered_ips) : nlohmann::json(nullptr)}};
}

}  // namespace

Result<Faults> faultsFromJson(std::string_view text) {
  try {
    const nlohmann::json j = nlohmann::json::parse(text);
    if (!j.is_object()) {
      return fail(ErrorCode::InvalidInput, "faults must be a JSON object");
    }
    Faults f;
    f.latency = std::chrono::milliseconds(j.value("latency_ms", 0));
    f.http_error_rate = j.value("http_error_rate", 0.0);
    f.http_error_status = j.value("http_error_status", 503);
    f.drop_rate = j.value("drop_rate", 0.0);
    f.fail_commits = j.value("fail_commits", 0);
    f.config_lock_holder = j.value("config_lock_holder", "");
    f.commit_lock_holder = j.value("commit_lock_holder", "");
    f.policy_match_format = j.value("policy_match_format", "structured");
    if (f.policy_match_format != "structured" && f.policy_match_format != "text" &&
        f.policy_match_format != "msg-line") {
      return fail(ErrorCode::InvalidInput,
                  "policy_match_format must be structured, text or msg-line");
    }
    if (f.http_error_status < 400 || f.http_error_status > 599) {
      return fail(ErrorCode::InvalidInput, "http_error_status must be 400-599");
    }
    for (auto [name, field, with_latency] :
         {std::tuple{"drops", &f.drops, false}, std::tuple{"hangs", &f.hangs, false},
          std::tuple{"slow", &f.slow, true}, std::tuple{"failover", &f.failover, false}}) {
      auto rules = rulesFromJson(j, name, with_latency);
      if (!rules) {
        return std::unexpected(rules.error());
      }
      *field = std::move(*rules);
    }
    if (j.contains("commit_ms") && !j["commit_ms"].is_null()) {
      const long long ms = j["commit_ms"].get<long long>();
      if (ms < 0 || ms > 3600000) {
        return fail(ErrorCode::InvalidInput, "commit_ms must be 0-3600000");
      }
      f.commit_duration = std::chrono::milliseconds(ms);
    }
    if (j.contains("max_registered_ips") && !j["max_registered_ips"].is_null()) {
      const long long n = j["max_registered_ips"].get<long long>();
      if (n < 0) {
        return fail(ErrorCode::InvalidInput, "max_registered_ips must be 0 or more");
      }
      f.max_registered_ips = static_cast<std::size_t>(n);
    }
    for (const nlohmann::json& e : j.value("api_errors", nlohmann::json::array())) {
      ApiErrorFault a;
      a.type = e.value("type", "");
      a.action = e.value("action", "");
      a.xpath_contains = e.value("xpath_contains", "");
      a.code = e.value("code", 0);
      a.message = e.value("message", "Injected error");
      a.http_status = e.value("http_status", 200);
      a.rate = e.value("rate", 1.0);
      a.remaining = e.value("remaining", -1);
      f.api_errors.push_back(std::move(a));
    }
    return f;
  } catch (const std::exception& e) {
    return fail(ErrorCode::InvalidInput, std::string("faults: ") + e.what());
  }
}

namespace {
ApiResponse control(Simulator& sim, std::string_view method, std::string_view path,
                    std::string_view body);
// GET /sim/ha, POST /sim/ha/failover {"down":bool}, POST /sim/ha/recover,
// PUT /sim/ha/sync {"enabled":bool}.
ApiResponse haControl(Simulator& sim, std::string_view method, std::string_view path,
                      std::string_view body) {
  const nlohmann::json j = nlohmann::json::parse(body.empty() ? "{}" : body, nullptr, false);
  if (!j.is_object()) {
    return json(400, {{"error", "the body must be a JSON object"}});
  }
  Status done;
  if (path == "/sim/ha/failover" && method == "POST") {
    done = sim.haFailover(j.value("down", false));
  } else if (path == "/sim/ha/recover" && method == "POST") {
    done = sim.haRecover();
  } else if (path == "/sim/ha/sync" && method == "PUT" && j.contains("enabled") &&
             j["enabled"].is_boolean()) {
    done = sim.haSetSync(j["enabled"].get<bool>());
  } else if (path != "/sim/ha" || method != "GET") {
    return json(404, {{"error", "no such control endpoint"}});
  }
  if (!done) {
    return json(done.error().code == ErrorCode::NotFound ? 404 : 409,
                {{"error", done.error().message}});
  }
  auto s = sim.haStatus();
  if (!s) {
    return json(404, {{"error", s.error().message}});
  }
  return json(200, {{"state", s->state},
                    {"peer_state", s->peer_state},
                    {"down", s->down},
                    {"peer_down", s->peer_down},
                    {"running_sync", s->synchronized ? "synchronized" : "not synchronized"},
                    {"sync_enabled", s->sync_enabled}});
}

}  // namespace

ApiResponse Simulator::handleControl(std::string_view method, std::string_view path,
                                     std::string_view body) {
  try {
    return control(*this, method, path, body);
  } catch (const std::exception& e) {
    ApiResponse r;
    r.http_status = 500;
    r.content_type = "text/plain";
    r.body = std::string("panos-sim control endpoint failed: ") + e.what();
    return r;
  }
}

namespace {

ApiResponse control(Simulator& sim, std::string_view method, std::string_view path,
                    std::string_view body) {
  std::string_view query;
  if (const std::size_t q = path.find('?'); q != std::string_view::npos) {
    query = path.substr(q + 1);
    path = path.substr(0, q);
  }
  if (path == "/sim/health") {
    return json(200, {{"ok", true}});
  }
  if (path == "/sim/counters" && method == "GET") {
    return json(200, toJson(sim.counters()));
  }
  if (path == "/sim/counters/reset" && method == "POST") {
    sim.resetCounters();
    return json(200, {{"ok", true}});
  }
  if (path == "/sim/faults") {
    if (method == "GET") {
      return json(200, faultsToJson(sim.faults()));
    }
    if (method == "DELETE") {
      sim.setFaults(Faults{});
      return json(200, faultsToJson(Faults{}));
    }
    if (method == "PUT" || method == "POST") {
      auto parsed = faultsFromJson(body);
      if (!parsed) {
        return json(400, {{"error", parsed.error().message}});
      }
      sim.setFaults(*parsed);
      return json(200, faultsToJson(*parsed));
    }
  }
  if (path == "/sim/log" && method == "GET") {
    std::uint64_t after = 0;
    if (query.starts_with("after=")) {
      const std::string_view v = query.substr(6);
      std::from_chars(v.data(), v.data() + v.size(), after);
    }
    nlohmann::json out = nlohmann::json::array();
    for (const RequestLogEntry& e : sim.requestLog(after)) {
      out.push_back({{"seq", e.seq},
                     {"time", e.time},
                     {"method", e.method},
                     {"type", e.type},
                     {"action", e.action},
                     {"xpath", e.xpath},
                     {"admin", e.admin},
                     {"http_status", e.http_status},
                     {"status", e.status},
                     {"code", e.code},
                     {"duration_us", e.duration_us}});
    }
    return json(200, out);
  }
  if (path == "/sim/clock" && method == "GET") {
    return json(200, clockJson(sim));
  }
  if (path == "/sim/clock/advance" && method == "POST") {
    const nlohmann::json j = nlohmann::json::parse(body.empty() ? "{}" : body, nullptr, false);
    const long long ms = j.is_object() ? j.value("ms", 0LL) + j.value("seconds", 0LL) * 1000 : 0LL;
    if (ms <= 0 || ms > 400LL * 24 * 3600 * 1000) {
      return json(400,
                  {{"error", "give {\"seconds\": N} or {\"ms\": N}, 0 < N, at most 400 days"}});
    }
    if (auto advanced = sim.advanceClock(std::chrono::milliseconds(ms)); !advanced) {
      return json(400, {{"error", advanced.error().message}});
    }
    return json(200, clockJson(sim));
  }
  if (path == "/sim/userid" && method == "GET") {
    std::string vsys = "vsys1";
    if (query.starts_with("vsys=")) {
      vsys = std::string(query.substr(5));
    }
    const auto now = sim.now();
    nlohmann::json entries = nlohmann::json::array();
    for (const Registration& r : sim.registrations(vsys)) {
      nlohmann::json tags = nlohmann::json::array();
      for (const TagMapping& m : r.tags) {
        tags.push_back(
            {{"tag", m.tag},
             {"expires_in_s",
              m.expires ? nlohmann::json(
                              std::chrono::ceil<std::chrono::seconds>(*m.expires - now).count())
                        : nlohmann::json(nullptr)}});
      }
      entries.push_back({{"ip", r.ip}, {"persistent", r.persistent}, {"tags", tags}});
    }
    return json(200, {{"vsys", vsys}, {"count", entries.size()}, {"entries", entries}});
  }
  if (path.starts_with("/sim/ha")) {
    return haControl(sim, method, path, body);
  }
  if (path == "/sim/audit-comments" && method == "GET") {
    nlohmann::json pending = nlohmann::json::array();
    for (const AuditComment& c : sim.pendingAuditComments()) {
      pending.push_back({{"xpath", c.xpath}, {"comment", c.comment}, {"admin", c.admin}});
    }
    nlohmann::json committed = nlohmann::json::array();
    for (const AuditRecord& r : sim.auditLog()) {
      committed.push_back({{"xpath", r.xpath},
                           {"comment", r.comment},
                           {"admin", r.admin},
                           {"config_ver", r.config_ver}});
    }
    return json(200, {{"pending", pending}, {"committed", committed}});
  }
  if ((path == "/sim/config/running" || path == "/sim/config/candidate") && method == "GET") {
    ApiResponse r;
    r.body = path == "/sim/config/running" ? sim.runningConfigXml() : sim.candidateConfigXml();
    return r;
  }
  return json(404,
              {{"error", "no such control endpoint"},
               {"endpoints",
                {"GET /sim/health", "GET /sim/counters", "POST /sim/counters/reset",
                 "GET|PUT|DELETE /sim/faults", "GET /sim/log?after=SEQ", "GET /sim/config/running",
                 "GET /sim/config/candidate", "GET /sim/clock", "POST /sim/clock/advance",
                 "GET /sim/userid?vsys=VSYS", "GET /sim/audit-comments", "GET /sim/ha",
                 "POST /sim/ha/failover", "POST /sim/ha/recover", "PUT /sim/ha/sync"}}});
}

}  // namespace

}  // namespace trailwall::panossim
