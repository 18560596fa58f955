#include "simulator.h"

#include <algorithm>
#include <cctype>
#include <exception>
#include <fstream>
#include <sstream>
#include <thread>

#include "api.h"
#include "device.h"
#include "sim_clock.h"
#include "xml_text.h"

#include <pugixml.hpp>

namespace trailwall::panossim {

const std::string* ApiRequest::param(std::string_view name) const {
  for (const auto& [k, v] : params) {
    if (k == name) {
      return &v;
    }
  }
  return nullptr;
}

extern const char* const kDefaultConfigXml;
std::string_view defaultConfigXml() {
  return kDefaultConfigXml;
}

namespace {

// Fills the log entry's type, action and xpath (as counters and faults name requests) and
// returns the text xpath_contains rules search: the xpath of config requests, the cmd of op
// and commit requests.
std::string describe(const ApiRequest& req, RequestLogEntry& entry) {
  const std::string* type = req.param("type");
  entry.type = type != nullptr ? type->substr(0, 32) : "";
  if (const std::string* action = req.param("action")) {
    entry.action = action->substr(0, 32);
  }
  if (entry.type == "config") {
    const std::string* xpath = req.param("xpath");
    entry.xpath = xpath != nullptr ? xpath->substr(0, 512) : "";
    return xpath != nullptr ? *xpath : "";
  }
  const std::string* cmd = req.param("cmd");
  if (cmd != nullptr && entry.type == "user-id") {
    return *cmd;  // xpath_contains rules search the uid-message
  }
  if (cmd == nullptr || (entry.type != "op" && entry.type != "commit")) {
    return "";
  }
  pugi::xml_document doc;
  if (!doc.load_buffer(cmd->data(), cmd->size()) || !doc.document_element()) {
    return *cmd;
  }
  const pugi::xml_node root = doc.document_element();
  if (entry.type == "op") {
    entry.action = opCommandWords(root).substr(0, 128);
    entry.xpath = entry.action;
  } else if (entry.action == "all") {
    entry.xpath = "";  // commit-all (a Panorama push)
    for (pugi::xml_node e = root.child("shared-policy").child("device-group").child("entry"); e;
         e = e.next_sibling("entry")) {
      entry.xpath +=
          (entry.xpath.empty() ? "device-group " : " ") + std::string(e.attribute("name").value());
    }
    entry.xpath = entry.xpath.substr(0, 128);
  } else {
    const pugi::xml_node partial = commitPartial(root);
    const std::set<std::string> admins = partial ? partialAdmins(partial) : std::set<std::string>{};
    entry.action = partial ? "partial" : "full";
    entry.xpath = admins.empty() ? "" : ("admin " + *admins.begin()).substr(0, 128);
  }
  return *cmd;
}

// The first rule that matches the request, counting it down; nullptr when none does.
const RequestRule* matchRule(std::vector<RequestRule>& rules, const RequestLogEntry& entry,
                             const std::string& subject) {
  for (RequestRule& r : rules) {
    if (r.remaining == 0 || (!r.type.empty() && r.type != entry.type) ||
        (!r.action.empty() && r.action != entry.action) ||
        (!r.xpath_contains.empty() && subject.find(r.xpath_contains) == std::string::npos)) {
      continue;
    }
    if (r.remaining > 0) {
      --r.remaining;
    }
    return &r;
  }
  return nullptr;
}

// Authenticates and hands the request to its API area (api.h).
ApiResponse dispatch(Device& device, const ApiRequest& req, RequestLogEntry& entry) {
  if (entry.type == "keygen") {
    return handleKeygen(device, req, entry);
  }
  auto admin = authenticate(device, req);
  if (!admin) {
    ++device.counters.auth_failures;
    return invalidCredential();
  }
  entry.admin = *admin;
  touchLocks(device, *admin);
  if (auto refused = haRefusal(device, entry)) {
    return *refused;
  }
  if (entry.type.empty()) {
    return badRequest("Parameter \"type\" is required");
  }
  if (entry.type == "config") return handleConfig(device, req, entry);
  if (entry.type == "op") return handleOp(device, req, entry);
  if (entry.type == "commit") return handleCommit(device, req, entry);
  if (entry.type == "user-id") return handleUserId(device, req, entry);
  if (entry.type == "log") return handleLog(device, req, entry);
  if (entry.type == "version") {
    if (auto injected = device.injectedApiError("version", "", "")) {
      return *injected;
    }
    const SimulatorOptions& o = device.options;
    return opResult("<sw-version>" + escapeXml(o.sw_version) +
                    "</sw-version><multi-vsys>off</multi-vsys><model>" + escapeXml(o.model) +
                    "</model><serial>" + escapeXml(o.serial) + "</serial>");
  }
  static const std::set<std::string> kKnown = {"export", "import", "report"};
  if (kKnown.contains(entry.type)) {
    return xmlReply("<response status='error' code='1'/>");  // not simulated: Unknown command
  }
  return badRequest("Illegal value for parameter \"type\" [" + entry.type + "].");
}

// The response's code attribute, if it has one near the start.
std::string responseCode(const std::string& body) {
  const std::size_t pos = body.find("code");
  if (pos == std::string::npos || pos >= 64) {
    return "";
  }
  std::size_t i = pos + 4;
  while (i < body.size() &&
         (body[i] == ' ' || body[i] == '=' || body[i] == '"' || body[i] == '\'')) {
    ++i;
  }
  std::size_t j = i;
  while (j < body.size() && std::isdigit(static_cast<unsigned char>(body[j]))) {
    ++j;
  }
  return body.substr(i, j - i);
}

// Counts the request and appends it to the request log (and the log sink).
void record(Device& s, const ApiRequest& request, const ApiResponse& response,
            RequestLogEntry entry, std::chrono::steady_clock::time_point t0) {
  Counters& c = s.counters;
  ++c.requests;
  // Keys come from clients: bounded, so that junk requests cannot grow the maps forever.
  const auto bump = [](std::map<std::string, std::uint64_t>& m, const std::string& key) {
    if (m.size() < 1000 || m.contains(key)) {
      ++m[key];
    } else {
      ++m["(other)"];
    }
  };
  bump(c.by_type, entry.type);
  bump(c.by_action, entry.action.empty() ? entry.type : entry.type + "/" + entry.action);
  ++c.by_http_status[response.http_status];
  c.bytes_in += request.bytes_in;
  c.bytes_out += response.body.size();
  entry.http_status = response.http_status;
  entry.status = response.body.find("status=\"success\"") != std::string::npos ||
                         response.body.find("status = 'success'") != std::string::npos
                     ? "success"
                     : "error";
  entry.code = responseCode(response.body);
  entry.duration_us = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0)
          .count());
  entry.seq = ++s.log_seq;
  if (s.options.log_sink) {
    s.options.log_sink("panos-sim: seq=" + std::to_string(entry.seq) + " " + entry.method +
                       " type=" + entry.type + " action=" + entry.action + " admin=" + entry.admin +
                       (entry.xpath.empty() ? "" : " xpath=" + entry.xpath) +
                       " http=" + std::to_string(entry.http_status) + " status=" + entry.status +
                       (entry.code.empty() ? "" : " code=" + entry.code) +
                       " us=" + std::to_string(entry.duration_us));
  }
  s.log.push_back(std::move(entry));
  while (s.log.size() > s.options.request_log_size) {
    s.log.pop_front();
  }
}

}  // namespace

Simulator::Simulator(std::unique_ptr<Device> device) : device_(std::move(device)) {}
Simulator::~Simulator() = default;

Result<std::unique_ptr<Simulator>> Simulator::create(SimulatorOptions options, Clock& clock) {
  std::string xml = options.initial_config_xml.empty() ? std::string(defaultConfigXml())
                                                       : options.initial_config_xml;
  if (!options.state_file.empty()) {
    std::ifstream in(options.state_file, std::ios::binary);
    if (in) {
      std::ostringstream text;
      text << in.rdbuf();
      xml = text.str();
    }
  }
  auto store = ConfigStore::fromXml(xml);
  if (!store) {
    return std::unexpected(store.error().withContext(
        options.state_file.empty() ? "initial configuration" : "state file " + options.state_file));
  }
  auto device = std::make_unique<Device>(std::move(options), clock);
  device->store = std::move(*store);
  device->faults = device->options.faults;
  device->rng.seed(device->options.seed != 0 ? device->options.seed : std::random_device{}());
  device->started = clock.now();
  installLockFaults(*device);
  return std::unique_ptr<Simulator>(new Simulator(std::move(device)));
}

ApiResponse Simulator::handle(const ApiRequest& request) {
  const auto t0 = std::chrono::steady_clock::now();
  Device& s = *device_;
  std::lock_guard<std::mutex> guard(s.mutex);
  RequestLogEntry entry;
  entry.time = s.now();
  entry.method = request.method.substr(0, 8);
  ApiResponse response;
  std::string subject;
  try {
    subject = describe(request, entry);
    if (s.ha && s.ha->isDown(s.ha_peer)) {
      // A failed HA peer: nothing answers.
      ++s.counters.faults_dropped;
      response.fault = TransportFault::Drop;
    } else if (s.ha && s.ha->isActive(s.ha_peer) &&
               matchRule(s.faults.failover, entry, subject) != nullptr) {
      // The active peer fails before acting on this request; what was due has happened.
      panossim::advanceJobs(s);
      (void)s.ha->failover(s.clock.now(), true);
      ++s.counters.faults_dropped;
      response.fault = TransportFault::Drop;
    } else if (s.roll(s.faults.http_error_rate)) {
      // The request never reaches the API: no effect, an HTTP error page.
      ++s.counters.faults_http_error;
      response.http_status = s.faults.http_error_status;
      response.content_type = "text/html";
      response.body = "<html><body><h1>" + std::to_string(s.faults.http_error_status) +
                      " Service Unavailable</h1></body></html>";
      response.fault = TransportFault::HttpError;
    } else if (matchRule(s.faults.hangs, entry, subject) != nullptr) {
      // Read, never answered, never acted on.
      ++s.counters.faults_hung;
      response.fault = TransportFault::Hang;
      response.faults_generation = s.faults_generation;
    } else {
      panossim::advanceJobs(s);
      response = dispatch(s, request, entry);
      if (s.roll(s.faults.drop_rate) || matchRule(s.faults.drops, entry, subject) != nullptr) {
        // After the device acted: the change is made but the answer is lost.
        ++s.counters.faults_dropped;
        response.fault = TransportFault::Drop;
      }
    }
  } catch (const std::exception& e) {
    // Last resort: library exceptions (allocation) become the device's internal error.
    response = errorLines(11, {std::string("Internal error: ") + e.what()}, false);
  }
  if (s.faults.latency.count() > 0) {
    ++s.counters.faults_latency;
    response.delay = s.faults.latency;
  }
  if (const RequestRule* slow = matchRule(s.faults.slow, entry, subject)) {
    ++s.counters.faults_slow;
    response.delay += slow->latency;
  }
  record(s, request, response, std::move(entry), t0);
  return response;
}

Counters Simulator::counters() const {
  std::lock_guard<std::mutex> guard(device_->mutex);
  return device_->counters;
}

void Simulator::resetCounters() {
  std::lock_guard<std::mutex> guard(device_->mutex);
  device_->counters = Counters{};
}

Faults Simulator::faults() const {
  std::lock_guard<std::mutex> guard(device_->mutex);
  return device_->faults;
}

void Simulator::setFaults(Faults faults) {
  std::lock_guard<std::mutex> guard(device_->mutex);
  device_->faults = std::move(faults);
  ++device_->faults_generation;
  installLockFaults(*device_);
}

Result<std::chrono::milliseconds> Simulator::advanceClock(std::chrono::milliseconds by) {
  auto* clock = dynamic_cast<SimClock*>(&device_->clock);
  if (clock == nullptr) {
    return fail(ErrorCode::InvalidInput, "this simulator's clock cannot be advanced");
  }
  clock->advance(by);
  return clock->offset();
}

std::chrono::system_clock::time_point Simulator::now() const {
  return device_->clock.now();
}

Result<std::vector<std::string>> Simulator::receivePush(const pugi::xml_node& panorama) {
  std::lock_guard<std::mutex> guard(device_->mutex);
  return installPush(*device_, panorama);
}

bool Simulator::reachable() const {
  // Device::ha and ha_peer never change after creation; HaLink locks itself.
  return !device_->ha || !device_->ha->isDown(device_->ha_peer);
}

void Simulator::panoramaPushAll() {
  std::lock_guard<std::mutex> guard(device_->mutex);
  pushEverything(*device_);
}

Result<HaPeerStatus> Simulator::haStatus() const {
  std::lock_guard<std::mutex> guard(device_->mutex);
  if (!device_->ha) {
    return fail(ErrorCode::NotFound, "not an HA peer");
  }
  return device_->ha->status(device_->ha_peer, device_->clock.now());
}

Status Simulator::haFailover(bool down) {
  std::lock_guard<std::mutex> guard(device_->mutex);
  if (!device_->ha) {
    return fail(ErrorCode::NotFound, "not an HA peer");
  }
  panossim::advanceJobs(*device_);
  return device_->ha->failover(device_->clock.now(), down);
}

Status Simulator::haRecover() {
  std::lock_guard<std::mutex> guard(device_->mutex);
  if (!device_->ha) {
    return fail(ErrorCode::NotFound, "not an HA peer");
  }
  if (auto done = device_->ha->recover(device_->ha_peer, device_->clock.now()); !done) {
    return done;
  }
  panossim::advanceJobs(*device_);
  return {};
}

Status Simulator::haSetSync(bool enabled) {
  std::lock_guard<std::mutex> guard(device_->mutex);
  if (!device_->ha) {
    return fail(ErrorCode::NotFound, "not an HA peer");
  }
  device_->ha->setSyncEnabled(enabled);
  return {};
}

std::vector<AuditComment> Simulator::pendingAuditComments() const {
  std::lock_guard<std::mutex> guard(device_->mutex);
  panossim::advanceJobs(*device_);
  std::vector<AuditComment> out;
  for (const auto& [xpath, c] : device_->audit_pending) {
    out.push_back(c);
  }
  return out;
}

std::vector<AuditRecord> Simulator::auditLog() const {
  std::lock_guard<std::mutex> guard(device_->mutex);
  panossim::advanceJobs(*device_);
  return device_->audit_log;
}

std::vector<Registration> Simulator::registrations(const std::string& vsys) const {
  std::lock_guard<std::mutex> guard(device_->userid->mutex());
  std::vector<Registration> out;
  if (const UserIdTable::Entries* entries = device_->userid->entries(vsys, device_->clock.now())) {
    for (const auto& [range, r] : *entries) {
      out.push_back(r);
    }
  }
  return out;
}

std::uint64_t Simulator::faultsGeneration() const {
  std::lock_guard<std::mutex> guard(device_->mutex);
  return device_->faults_generation;
}

std::vector<RequestLogEntry> Simulator::requestLog(std::uint64_t after_seq) const {
  std::lock_guard<std::mutex> guard(device_->mutex);
  std::vector<RequestLogEntry> out;
  for (const RequestLogEntry& e : device_->log) {
    if (e.seq > after_seq) {
      out.push_back(e);
    }
  }
  return out;
}

std::string Simulator::runningConfigXml() const {
  std::lock_guard<std::mutex> guard(device_->mutex);
  panossim::advanceJobs(*device_);
  return nodeXml(device_->store->running().document_element());
}

std::string Simulator::candidateConfigXml() const {
  std::lock_guard<std::mutex> guard(device_->mutex);
  panossim::advanceJobs(*device_);
  return nodeXml(device_->store->candidate().document_element());
}

Result<std::string> Simulator::apiKeyFor(std::string_view admin) const {
  std::lock_guard<std::mutex> guard(device_->mutex);
  return keyForAdmin(*device_, admin);
}

void Simulator::advanceJobs() {
  std::lock_guard<std::mutex> guard(device_->mutex);
  panossim::advanceJobs(*device_);
}

bool Simulator::waitForJobs(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    {
      std::lock_guard<std::mutex> guard(device_->mutex);
      panossim::advanceJobs(*device_);
      if (!anyJobActive(*device_)) {
        return true;
      }
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

}  // namespace trailwall::panossim
