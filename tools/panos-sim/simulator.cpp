#include "simulator.h"

#include <crypt.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <exception>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "objects.h"
#include "policy_match.h"
#include "validation.h"
#include "xml_text.h"
#include "xpath.h"

namespace trailwall::panossim {

const std::string* ApiRequest::param(std::string_view name) const {
  for (const auto& [k, v] : params) {
    if (k == name) {
      return &v;
    }
  }
  return nullptr;
}

namespace {

using SysTime = std::chrono::system_clock::time_point;

std::string formatTime(SysTime t, const char* format) {
  const std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[64];
  const std::size_t n = std::strftime(buf, sizeof buf, format, &tm);
  return std::string(buf, n);
}

std::string dateTime(SysTime t) {
  return formatTime(t, "%Y/%m/%d %H:%M:%S");
}

// --- reply bodies --------------------------------------------------------------------------

ApiResponse xmlReply(std::string body) {
  ApiResponse r;
  r.body = std::move(body);
  return r;
}

// HTTP 403 "Invalid Credential" with the 97-byte body (reference error-403-invalid-credential.xml
// and the terraform-templates #29 HTTP trace).
ApiResponse invalidCredential() {
  ApiResponse r;
  r.http_status = 403;
  r.reason = "Invalid Credential";
  r.body =
      "<response status = 'error' code = '403'><result><msg>Invalid "
      "Credential</msg></result></response>";
  return r;
}

// Code 400 in the shape of reference error-400-export-missing-param.xml; HTTP 400 (ANS:
// "valid XML-API responses can be contained in … 400 Bad Request").
ApiResponse badRequest(const std::string& message) {
  ApiResponse r;
  r.http_status = 400;
  r.body = "<response status = 'error' code = '400'><result><msg>" + escapeXml(message) +
           "</msg></result></response>";
  return r;
}

ApiResponse errorLines(std::optional<int> code, const std::vector<std::string>& lines,
                       bool as_cdata) {
  std::string body = "<response status=\"error\"";
  if (code) {
    body += " code=\"" + std::to_string(*code) + "\"";
  }
  return xmlReply(body + ">" + msgLines(lines, as_cdata) + "</response>");
}

ApiResponse opResult(const std::string& inner) {
  return xmlReply("<response status=\"success\"><result>" + inner + "</result></response>");
}

std::string subResponse(const OpResult& r, const std::string& id) {
  std::string out = std::string("<response status=\"") + (r.ok ? "success" : "error") +
                    "\" code=\"" + std::to_string(r.code) + "\"";
  if (!id.empty()) {
    out += " id=\"" + escapeXml(id) + "\"";
  }
  out += ">";
  out += r.ok ? "<msg>" + escapeXml(r.msg) + "</msg>" : msgLines(r.lines, true);
  return out + "</response>";
}

// --- keys ----------------------------------------------------------------------------------

std::string base64(const unsigned char* data, std::size_t size) {
  std::string out(4 * ((size + 2) / 3), '\0');
  const int n =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(size));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::optional<std::string> unbase64(std::string_view text) {
  if (text.empty() || text.size() % 4 != 0 || text.size() > 4096) {
    return std::nullopt;
  }
  std::string out(text.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  if (n < 0) {
    return std::nullopt;
  }
  std::size_t len = static_cast<std::size_t>(n);
  for (std::size_t i = text.size(); i > 0 && text[i - 1] == '='; --i) {
    --len;
  }
  out.resize(len);
  return out;
}

// Like the device, the key is a function of the administrator, their password hash and the
// device's master key: the same user and password give the same key, and a changed password
// invalidates it (BLOG in API-NOTES.md section 2). Real keys are base64 of "-AQ==…", hence the
// "LUFRPT" prefix.
std::string deriveKey(const std::string& master, const std::string& user,
                      const std::string& phash) {
  const std::string material = user + '\n' + phash;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  HMAC(EVP_sha256(), master.data(), static_cast<int>(master.size()),
       reinterpret_cast<const unsigned char*>(material.data()), material.size(), mac, &mac_len);
  const std::string inner = "-AQ==" + base64(mac, mac_len);
  return base64(reinterpret_cast<const unsigned char*>(inner.data()), inner.size());
}

bool passwordMatches(const std::string& password, const std::string& phash) {
  if (phash.empty() || password.size() > 1024) {
    return false;
  }
  crypt_data data{};
  const char* out = crypt_r(password.c_str(), phash.c_str(), &data);
  return out != nullptr && out[0] != '*' && phash == out;
}

// --- jobs and locks ------------------------------------------------------------------------

struct Job {
  std::uint64_t id = 0;
  std::string type = "Commit";  // Commit | Validate
  std::string user;
  std::string description;
  SysTime tenq, tstart, tfin;
  bool finalized = false;
  bool ok = false;
  std::vector<std::string> details;
  std::set<std::string> admins;  // partial commit scope; empty = everything
  std::uint64_t up_to = 0;       // dirtyId covered
  bool inject_fail = false;
};

struct Lock {
  std::string admin;
  std::string scope = "shared";
  std::string created;
  std::string comment;
  bool injected = false;
};

bool rollFault(std::mt19937_64& rng, double rate) {
  if (rate <= 0.0) {
    return false;
  }
  if (rate >= 1.0) {
    return true;
  }
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng) < rate;
}

// The words of an op command: element names down the first-child chain, at most three
// ("show system info", "test security-policy-match", "request config-lock add").
std::string commandWords(const pugi::xml_node& root) {
  std::string out;
  int depth = 0;
  for (pugi::xml_node n = root; n && n.type() == pugi::node_element && depth < 3;
       n = n.first_child(), ++depth) {
    out += out.empty() ? "" : " ";
    out += n.name();
    if (std::strcmp(n.name(), "security-policy-match") == 0 || std::strcmp(n.name(), "jobs") == 0) {
      break;
    }
  }
  return out;
}

}  // namespace

extern const char* const kDefaultConfigXml;
std::string_view defaultConfigXml() {
  return kDefaultConfigXml;
}

struct Simulator::Impl {
  SimulatorOptions options;
  Clock& clock;
  mutable std::mutex mutex;
  std::unique_ptr<ConfigStore> store;
  std::vector<Job> jobs;
  std::uint64_t next_job_id = 1;
  std::vector<Lock> config_locks;
  std::vector<Lock> commit_locks;
  Faults faults;
  std::mt19937_64 rng;
  Counters counters;
  std::deque<RequestLogEntry> log;
  std::uint64_t log_seq = 0;
  SysTime started;
  // Compiled running rulebase for policy match, rebuilt after each commit.
  std::vector<CompiledRule> compiled;
  std::string compiled_vsys;
  bool compiled_valid = false;

  Impl(SimulatorOptions opts, Clock& c) : options(std::move(opts)), clock(c) {}

  // ---- helpers ----
  std::string now() const { return dateTime(clock.now()); }

  std::optional<std::string> adminForKey(const std::string& key) const {
    const pugi::xml_node users =
        store->running().child("config").child("mgt-config").child("users");
    for (pugi::xml_node u = users.child("entry"); u; u = u.next_sibling("entry")) {
      const std::string phash = u.child("phash").text().get();
      if (!phash.empty() &&
          deriveKey(options.master_key, u.attribute("name").value(), phash) == key) {
        return std::string(u.attribute("name").value());
      }
    }
    return std::nullopt;
  }

  // Administrator and password check against the running configuration's users.
  std::optional<std::string> keyForPassword(const std::string& user,
                                            const std::string& password) const {
    const pugi::xml_node users =
        store->running().child("config").child("mgt-config").child("users");
    const pugi::xml_node u = users.find_child_by_attribute("entry", "name", user.c_str());
    const std::string phash = u.child("phash").text().get();
    if (!u || !passwordMatches(password, phash)) {
      return std::nullopt;
    }
    return deriveKey(options.master_key, user, phash);
  }

  std::optional<std::string> authenticate(const ApiRequest& req) const {
    const std::string* key = req.param("key");
    if (!req.api_key_header.empty()) {
      return adminForKey(req.api_key_header);
    }
    if (key != nullptr) {
      return adminForKey(*key);
    }
    // HTTP Basic (DOCS-10.0 "API Authentication and Security").
    if (req.authorization.rfind("Basic ", 0) == 0) {
      if (auto decoded = unbase64(req.authorization.substr(6))) {
        const std::size_t colon = decoded->find(':');
        if (colon != std::string::npos) {
          const std::string user = decoded->substr(0, colon);
          if (keyForPassword(user, decoded->substr(colon + 1))) {
            return user;
          }
        }
      }
    }
    return std::nullopt;
  }

  void installLockFaults() {
    std::erase_if(config_locks, [](const Lock& l) { return l.injected; });
    std::erase_if(commit_locks, [](const Lock& l) { return l.injected; });
    if (!faults.config_lock_holder.empty()) {
      config_locks.push_back({faults.config_lock_holder, "shared", now(), "(null)", true});
    }
    if (!faults.commit_lock_holder.empty()) {
      commit_locks.push_back({faults.commit_lock_holder, "shared", now(), "(null)", true});
    }
  }

  const Lock* lockByOther(const std::vector<Lock>& locks, const std::string& admin) const {
    for (const Lock& l : locks) {
      if (l.admin != admin) {
        return &l;
      }
    }
    return nullptr;
  }

  void writeState() {
    if (options.state_file.empty()) {
      return;
    }
    // Atomic: write a temporary file beside the target, flush it to disk, rename over.
    const std::string tmp = options.state_file + ".tmp." + std::to_string(::getpid());
    std::FILE* f = std::fopen(tmp.c_str(), "wb");
    if (f == nullptr) {
      return;
    }
    std::ostringstream out;
    store->running().save(out, "  ");
    const std::string text = out.str();
    const bool written = std::fwrite(text.data(), 1, text.size(), f) == text.size() &&
                         std::fflush(f) == 0 && ::fsync(::fileno(f)) == 0;
    std::fclose(f);
    if (!written || std::rename(tmp.c_str(), options.state_file.c_str()) != 0) {
      std::remove(tmp.c_str());
    }
  }

  // ---- jobs ----
  void finalize(Job& job) {
    job.finalized = true;
    if (job.type == "Commit") {
      // "This lock automatically gets removed after performing a commit" (Palo Alto KB
      // kA14u000000bpo7CAA, config lock vs commit lock); a config lock stays, and only blocks
      // changes to the candidate, not commits.
      std::erase_if(commit_locks,
                    [&](const Lock& l) { return l.admin == job.user && !l.injected; });
    }
    if (job.inject_fail) {
      job.ok = false;
      job.details = {"Validation Error:", " Commit failed: injected fault (panos-sim)",
                     "Commit failed"};
      ++counters.commits_failed;
      return;
    }
    auto doc = store->prepareCommit(job.admins, job.up_to);
    std::vector<std::string> problems;
    if (!doc) {
      problems.push_back(doc.error().message);
    } else {
      problems = validateConfig(**doc);
    }
    if (!problems.empty()) {
      job.ok = false;
      job.details = {"Validation Error:"};
      job.details.insert(job.details.end(), problems.begin(), problems.end());
      job.details.emplace_back(job.type == "Commit" ? "Commit failed" : "Validation failed");
      ++counters.commits_failed;
      return;
    }
    job.ok = true;
    if (job.type == "Validate") {
      job.details = {"Configuration is valid"};
      return;
    }
    store->finishCommit(std::move(*doc), job.admins, job.up_to);
    // Compile the new rulebase now, as the device does at commit, so that policy-match
    // queries never pay for it.
    compiled = compileRulebase(store->running(), "vsys1");
    compiled_vsys = "vsys1";
    compiled_valid = true;
    job.details = {"Configuration committed successfully"};
    ++counters.commits_ok;
    writeState();
  }

  void advance() {
    const SysTime t = clock.now();
    for (Job& job : jobs) {
      if (!job.finalized && job.tfin <= t) {
        finalize(job);
      }
    }
  }

  bool anyJobActive() const {
    return std::any_of(jobs.begin(), jobs.end(), [](const Job& j) { return !j.finalized; });
  }

  std::uint64_t coveredUpTo() const {
    std::uint64_t covered = 0;
    for (const Job& j : jobs) {
      if (!j.finalized && j.type == "Commit" && j.admins.empty()) {
        covered = std::max(covered, j.up_to);
      }
    }
    return covered;
  }

  Job& enqueue(const std::string& type, const std::string& user, std::set<std::string> admins,
               std::string description) {
    Job job;
    job.id = next_job_id++;
    job.type = type;
    job.user = user;
    job.admins = std::move(admins);
    job.description = std::move(description);
    job.tenq = clock.now();
    job.tstart = job.tenq;
    for (const Job& j : jobs) {
      if (!j.finalized) {
        job.tstart = std::max(job.tstart, j.tfin);
      }
    }
    job.tfin = job.tstart + options.commit_duration;
    job.up_to = store->lastDirtyId();
    if (type == "Commit" && faults.fail_commits != 0) {
      job.inject_fail = true;
      if (faults.fail_commits > 0) {
        --faults.fail_commits;
      }
    }
    jobs.push_back(std::move(job));
    return jobs.back();
  }

  std::string jobXml(const Job& job) const {
    const SysTime t = clock.now();
    std::string status, result = "PEND", tfin = "Still Active", stoppable = "yes", queued = "NO";
    int progress = 0;
    int position = 0;
    if (job.finalized) {
      status = "FIN";
      result = job.ok ? "OK" : "FAIL";
      tfin = dateTime(job.tfin);
      stoppable = "no";
      progress = 100;
    } else if (t < job.tstart) {
      status = "PEND";
      queued = "YES";
      for (const Job& j : jobs) {
        position += (!j.finalized && j.id < job.id) ? 1 : 0;
      }
    } else {
      status = "ACT";
      const auto total = std::max<std::int64_t>(1, (job.tfin - job.tstart).count());
      progress =
          static_cast<int>(std::min<std::int64_t>(99, (t - job.tstart).count() * 100 / total));
      stoppable = progress < 99 ? "yes" : "no";  // job-commit-act-pend-progress99.xml
    }
    std::string out =
        "<job><tenq>" + dateTime(job.tenq) + "</tenq><tdeq>" + formatTime(job.tstart, "%H:%M:%S") +
        "</tdeq><id>" + std::to_string(job.id) + "</id><user>" + escapeXml(job.user) +
        "</user><type>" + job.type + "</type><status>" + status + "</status><queued>" + queued +
        "</queued><stoppable>" + stoppable + "</stoppable><result>" + result + "</result><tfin>" +
        tfin + "</tfin><description>" + escapeXml(job.description) + "</description><positionInQ>" +
        std::to_string(position) + "</positionInQ><progress>" + std::to_string(progress) +
        "</progress>";
    std::string details = "<details>";
    for (const std::string& line : job.details) {
      details += "<line>" + (line.starts_with(" ") ? cdata(line) : escapeXml(line)) + "</line>";
    }
    details += "</details>";
    // Running jobs list warnings first, finished ones details first, as in the references.
    out += job.finalized ? details + "<warnings></warnings>" : "<warnings></warnings>" + details;
    return out + "</job>";
  }

  // ---- dispatch ----
  ApiResponse dispatch(const ApiRequest& req, RequestLogEntry& entry);
  ApiResponse keygen(const ApiRequest& req, RequestLogEntry& entry);
  ApiResponse config(const ApiRequest& req, RequestLogEntry& entry);
  ApiResponse configRead(const std::string& action, const std::string& xpath);
  ApiResponse multiConfig(const ApiRequest& req, const std::string& admin);
  ApiResponse op(const ApiRequest& req, RequestLogEntry& entry);
  ApiResponse opShow(const pugi::xml_node& show, const std::string& admin);
  ApiResponse opRequestLock(const pugi::xml_node& node, bool commit_lock, const std::string& admin,
                            const ApiRequest& req);
  ApiResponse policyMatch(const pugi::xml_node& node, const ApiRequest& req);
  ApiResponse commit(const ApiRequest& req, RequestLogEntry& entry);
  ApiResponse revert(const std::set<std::string>& admins);
  std::optional<ApiResponse> injectedApiError(const ApiRequest& req, const std::string& type,
                                              const std::string& action,
                                              const std::string& subject);
};

std::optional<ApiResponse> Simulator::Impl::injectedApiError(const ApiRequest& req,
                                                             const std::string& type,
                                                             const std::string& action,
                                                             const std::string& subject) {
  (void)req;
  for (ApiErrorFault& f : faults.api_errors) {
    if (f.remaining == 0) {
      continue;
    }
    if ((!f.type.empty() && f.type != type) || (!f.action.empty() && f.action != action) ||
        (!f.xpath_contains.empty() && subject.find(f.xpath_contains) == std::string::npos)) {
      continue;
    }
    if (!rollFault(rng, f.rate)) {
      continue;
    }
    if (f.remaining > 0) {
      --f.remaining;
    }
    ++counters.faults_api_error;
    ApiResponse r =
        errorLines(f.code == 0 ? std::nullopt : std::optional<int>(f.code), {f.message}, false);
    r.http_status = f.http_status;
    return r;
  }
  return std::nullopt;
}

ApiResponse Simulator::Impl::keygen(const ApiRequest& req, RequestLogEntry& entry) {
  const std::string* user = req.param("user");
  const std::string* password = req.param("password");
  if (user == nullptr || password == nullptr) {
    ++counters.auth_failures;
    return invalidCredential();
  }
  auto key = keyForPassword(*user, *password);
  if (!key) {
    ++counters.auth_failures;
    return invalidCredential();
  }
  entry.admin = *user;
  // Device format (reference keygen-success-device-format.xml).
  return xmlReply("<response status = 'success'><result><key>" + *key +
                  "</key></result></response>");
}

ApiResponse Simulator::Impl::configRead(const std::string& action, const std::string& xpath) {
  const bool get = action == "get";
  const pugi::xml_document& doc = get ? store->candidate() : store->running();
  auto nodes = selectNodes(doc, xpath.empty() ? "/config" : xpath);
  if (!nodes) {
    return errorLines(6, {" Bad Xpath"}, true);
  }
  if (nodes->empty()) {
    if (get) {
      return xmlReply("<response status=\"success\" code=\"7\"><result/></response>");  // code7 ref
    }
    return errorLines(std::nullopt, {"No such node"}, false);  // config-show-no-such-node.xml
  }
  pugi::xml_document out;
  pugi::xml_node response = out.append_child("response");
  response.append_attribute("status").set_value("success");
  if (get) {
    response.append_attribute("code").set_value("19");
  }
  pugi::xml_node result = response.append_child("result");
  if (get) {
    // total-count/count as in config-get-dirty-attrs.xml (their difference is undocumented).
    result.append_attribute("total-count").set_value(std::to_string(nodes->size()).c_str());
    result.append_attribute("count").set_value(std::to_string(nodes->size()).c_str());
  }
  for (const pugi::xpath_node& xn : *nodes) {
    if (xn.attribute()) {
      result.append_child(pugi::node_pcdata).set_value(xn.attribute().value());
    } else if (xn.node().type() == pugi::node_document) {
      for (pugi::xml_node c = xn.node().first_child(); c; c = c.next_sibling()) {
        get ? store->appendAnnotatedCopy(result, c) : static_cast<void>(result.append_copy(c));
      }
    } else if (get) {
      store->appendAnnotatedCopy(result, xn.node());
    } else {
      result.append_copy(xn.node());
    }
  }
  return xmlReply(nodeXml(response));
}

ApiResponse Simulator::Impl::multiConfig(const ApiRequest& req, const std::string& admin) {
  const std::string* element = req.param("element");
  if (element == nullptr) {
    return badRequest("Parameter \"element\" is required");
  }
  pugi::xml_document doc;
  if (!doc.load_buffer(element->data(), element->size()) || !doc.document_element()) {
    return errorLines(18, {" Malformed Request"}, true);
  }
  const std::string* strict = req.param("strict-transactional");
  if (strict != nullptr && *strict == "yes" && anyJobActive()) {
    // DOCS-10.0 multi-config: strict mode fails while a commit is pending or running.
    return errorLines(14, {"A commit is in progress. Try again after it finishes."}, false);
  }
  std::vector<ConfigOp> ops;
  std::vector<std::string> ids;
  for (pugi::xml_node a = doc.document_element().first_child(); a; a = a.next_sibling()) {
    if (a.type() != pugi::node_element) {
      continue;
    }
    ConfigOp op;
    op.action = a.name();
    op.xpath = a.attribute("xpath").value();
    op.where = a.attribute("where").value();
    op.dst = a.attribute("dst").value();
    op.newname = a.attribute("newname").value();
    op.from = a.attribute("from").value();
    for (pugi::xml_node c = a.first_child(); c; c = c.next_sibling()) {
      if (c.type() == pugi::node_element) {
        op.element += nodeXml(c);
      }
    }
    ids.emplace_back(a.attribute("id").value());
    ops.push_back(std::move(op));
  }
  if (ops.empty()) {
    return errorLines(18, {" multi-config holds no actions"}, true);
  }
  const std::vector<OpResult> results = store->applyAll(ops, admin, now());
  const bool ok = results.size() == ops.size() && results.back().ok;
  // Outer code 20 on success, 13 when an action failed (references multi-config-success-docs.xml,
  // multi-config-error-13-pango.xml); one sub-response per action executed.
  std::string body =
      ok ? "<response status=\"success\" code=\"20\">" : "<response status=\"error\" code=\"13\">";
  for (std::size_t i = 0; i < results.size(); ++i) {
    body += subResponse(results[i], ids[i]);
  }
  return xmlReply(body + "</response>");
}

ApiResponse Simulator::Impl::config(const ApiRequest& req, RequestLogEntry& entry) {
  const std::string* action_param = req.param("action");
  const std::string action = action_param != nullptr ? *action_param : "";
  const std::string* xpath = req.param("xpath");
  entry.xpath = xpath != nullptr ? xpath->substr(0, 512) : "";
  if (action.empty()) {
    return badRequest("Parameter \"action\" is required");
  }
  if (auto injected = injectedApiError(req, "config", action, entry.xpath)) {
    return *injected;
  }
  if (action == "get" || action == "show") {
    return configRead(action, xpath != nullptr ? *xpath : "");
  }
  static const std::set<std::string> kWrites = {"set",    "edit",  "delete",      "move",
                                                "rename", "clone", "multi-config"};
  if (!kWrites.contains(action)) {
    return errorLines(1, {"Unknown command"}, false);
  }
  if (const Lock* l = lockByOther(config_locks, entry.admin)) {
    // Older wording matched by pan-os-python's classify_exception (API-NOTES.md 6.5).
    return errorLines(std::nullopt, {"Configuration is locked by " + l->admin}, false);
  }
  if (action == "multi-config") {
    return multiConfig(req, entry.admin);
  }
  ConfigOp op;
  op.action = action;
  op.xpath = xpath != nullptr ? *xpath : "";
  const auto take = [&](const char* name, std::string& field) {
    if (const std::string* v = req.param(name)) {
      field = *v;
    }
  };
  take("element", op.element);
  take("where", op.where);
  take("dst", op.dst);
  take("newname", op.newname);
  take("from", op.from);
  if (op.xpath.empty()) {
    return badRequest("Parameter \"xpath\" is required");
  }
  if ((action == "set" || action == "edit") && req.param("element") == nullptr) {
    return badRequest("Parameter \"element\" is required");
  }
  const OpResult r = store->apply(op, entry.admin, now());
  if (!r.ok) {
    return errorLines(r.code, r.lines, true);
  }
  return xmlReply("<response status=\"success\" code=\"" + std::to_string(r.code) + "\"><msg>" +
                  escapeXml(r.msg) + "</msg></response>");
}

ApiResponse Simulator::Impl::opShow(const pugi::xml_node& show, const std::string& admin) {
  const pugi::xml_node what = show.first_child();
  const std::string_view name = what.name();
  if (name == "system" && what.child("info")) {
    const pugi::xml_node sys =
        store->running()
            .child("config")
            .child("devices")
            .find_child_by_attribute("entry", "name", "localhost.localdomain")
            .child("deviceconfig")
            .child("system");
    const auto field = [&](const char* f, const char* fallback) {
      const char* v = sys.child(f).text().get();
      return escapeXml(*v != 0 ? v : fallback);
    };
    const auto up = std::chrono::duration_cast<std::chrono::seconds>(clock.now() - started).count();
    char uptime[64];
    std::snprintf(uptime, sizeof uptime, "%lld days, %lld:%02lld:%02lld",
                  static_cast<long long>(up / 86400), static_cast<long long>(up % 86400 / 3600),
                  static_cast<long long>(up % 3600 / 60), static_cast<long long>(up % 60));
    const std::string hostname = field("hostname", "panos-sim");
    // Fields of op-show-system-info-1021-blog.xml (10.2.11-h12).
    return opResult(
        "<system><hostname>" + hostname + "</hostname><ip-address>" +
        field("ip-address", "127.0.0.1") +
        "</ip-address><public-ip-address>unknown</public-ip-address><netmask>" +
        field("netmask", "255.0.0.0") + "</netmask><default-gateway>" +
        field("default-gateway", "127.0.0.1") +
        "</default-gateway><is-dhcp>no</is-dhcp><ipv6-address>unknown</ipv6-address>"
        "<ipv6-link-local-address>fe80::1/64</ipv6-link-local-address>"
        "<mac-address>00:1b:17:00:01:10</mac-address><time>" +
        formatTime(clock.now(), "%a %b %e %H:%M:%S %Y") + "</time><uptime>" + uptime +
        "</uptime><devicename>" + hostname + "</devicename><family>vm</family><model>" +
        escapeXml(options.model) + "</model><serial>" + escapeXml(options.serial) +
        "</serial><cloud-mode>non-cloud</cloud-mode><sw-version>" + escapeXml(options.sw_version) +
        "</sw-version><global-protect-client-package-version>0.0.0</"
        "global-protect-client-package-version>"
        "<app-version>8971-9419</app-version><app-release-date>2025/04/28 16:06:06 "
        "UTC</app-release-date>"
        "<av-version>0</av-version><threat-version>8971-9419</threat-version>"
        "<wf-private-version>0</wf-private-version><url-db>paloaltonetworks</url-db>"
        "<wildfire-version>0</wildfire-version><url-filtering-version>20250430.20332</"
        "url-filtering-version>"
        "<logdb-version>10.2.1</logdb-version><platform-family>vm</platform-family>"
        "<vpn-disable-mode>off</vpn-disable-mode><multi-vsys>off</multi-vsys>"
        "<operational-mode>normal</operational-mode><advanced-routing>off</advanced-routing>"
        "<device-certificate-status>None</device-certificate-status></system>");
  }
  if (name == "jobs") {
    if (pugi::xml_node id = what.child("id")) {
      const std::string text = id.text().get();
      for (const Job& j : jobs) {
        if (std::to_string(j.id) == text) {
          return opResult(jobXml(j));
        }
      }
      return errorLines(7, {"job " + text + " not found"}, false);  // error-7-job-not-found.xml
    }
    const bool all = static_cast<bool>(what.child("all"));
    const bool processed = static_cast<bool>(what.child("processed"));
    const bool pending = static_cast<bool>(what.child("pending"));
    if (!all && !processed && !pending) {
      return errorLines(17, {" show -> jobs  is unexpected"}, true);
    }
    std::string inner;
    for (const Job& j : jobs) {
      if (all || (processed && j.finalized) || (pending && !j.finalized)) {
        inner += jobXml(j);
      }
    }
    return opResult(inner);
  }
  if (name == "config-locks" || name == "commit-locks") {
    const std::vector<Lock>& locks = name == "config-locks" ? config_locks : commit_locks;
    std::string inner = "<" + std::string(name) + ">";
    for (const Lock& l : locks) {
      inner += "<entry name=\"" + escapeXml(l.admin) + "\"><type>shared</type><name>" +
               escapeXml(l.scope) + "</name><created>" + l.created + "</created><last-activity>" +
               l.created + "</last-activity><loggedin>yes</loggedin><comment>" + cdata(l.comment) +
               "</comment></entry>";
    }
    return opResult(inner + "</" + std::string(name) + ">");
  }
  if (name == "clock") {
    return opResult(formatTime(clock.now(), "%a %b %e %H:%M:%S UTC %Y") + "\n");
  }
  if (name == "config") {
    const pugi::xml_node which = what.first_child();
    if (std::strcmp(which.name(), "running") == 0 || std::strcmp(which.name(), "candidate") == 0) {
      const pugi::xml_document& doc =
          std::strcmp(which.name(), "running") == 0 ? store->running() : store->candidate();
      return opResult(nodeXml(doc.document_element()));
    }
  }
  (void)admin;
  return errorLines(17, {" show -> " + std::string(name) + "  is unexpected"}, true);
}

ApiResponse Simulator::Impl::opRequestLock(const pugi::xml_node& node, bool commit_lock,
                                           const std::string& admin, const ApiRequest& req) {
  std::vector<Lock>& locks = commit_lock ? commit_locks : config_locks;
  const std::string kind = commit_lock ? "Commit" : "Config";
  const std::string* vsys = req.param("vsys");
  const std::string scope = vsys != nullptr && !vsys->empty() ? *vsys : "shared";
  // Messages of PAN-OS 11.x (op-config-lock-*.xml, op-commit-lock-*.xml).
  if (pugi::xml_node add = node.child("add")) {
    if (!locks.empty()) {
      return errorLines(std::nullopt, {kind + " lock is already held by " + locks.front().admin},
                        false);
    }
    const char* comment = add.child("comment").text().get();
    locks.push_back({admin, scope, now(), *comment != 0 ? comment : "(null)", false});
    return opResult("Successfully acquired lock. Other administrators will not be able to " +
                    std::string(commit_lock ? "commit" : "modify") +
                    " configuration until lock is released by " + escapeXml(admin) + ".");
  }
  if (pugi::xml_node remove = node.child("remove")) {
    const char* named = remove.child("admin").text().get();
    const std::string target = *named != 0 ? named : admin;
    for (auto it = locks.begin(); it != locks.end(); ++it) {
      if (it->admin == target) {
        locks.erase(it);
        std::string& injected = commit_lock ? faults.commit_lock_holder : faults.config_lock_holder;
        if (injected == target) {
          injected.clear();
        }
        return opResult(kind + " lock released for " + escapeXml(target));
      }
    }
    return errorLines(std::nullopt, {kind + " is not currently locked for scope " + scope}, false);
  }
  return errorLines(17, {" request -> " + std::string(node.name()) + "  is unexpected"}, true);
}

ApiResponse Simulator::Impl::policyMatch(const pugi::xml_node& node, const ApiRequest& req) {
  auto query = parseMatchQuery(node);
  if (!query) {
    return errorLines(17, {" test -> security-policy-match -> " + query.error().message}, true);
  }
  const std::string* vsys_param = req.param("vsys");
  const std::string vsys =
      vsys_param != nullptr && vsys_param->starts_with("vsys") ? *vsys_param : "vsys1";
  if (!compiled_valid || compiled_vsys != vsys) {
    compiled = compileRulebase(store->running(), vsys);
    compiled_vsys = vsys;
    compiled_valid = true;
  }
  const std::vector<std::size_t> matches = matchRules(compiled, *query);
  return xmlReply("<response cmd=\"status\" status=\"success\">" +
                  renderMatchResult(compiled, matches, faults.policy_match_format) + "</response>");
}

ApiResponse Simulator::Impl::revert(const std::set<std::string>& admins) {
  store->revert(admins);
  return xmlReply(
      "<response status=\"success\"><result><msg><line>All changes were reverted from "
      "configuration</line></msg></result></response>");  // op-revert-config-ok.xml
}

namespace {

// The cmd parameter as XML, or the device's error for a missing or malformed one.
std::optional<ApiResponse> parseCmd(const std::string* cmd, pugi::xml_document& doc) {
  if (cmd == nullptr) {
    return badRequest("Parameter \"cmd\" is required");
  }
  if (!doc.load_buffer(cmd->data(), cmd->size()) || !doc.document_element()) {
    return errorLines(18, {" Malformed Request"}, true);
  }
  return std::nullopt;
}

// "Commit job enqueued with jobid N" (commit-enqueued-*.xml, validate-enqueued.xml).
ApiResponse enqueuedReply(const std::string& kind, std::uint64_t id) {
  const std::string n = std::to_string(id);
  return xmlReply("<response status=\"success\" code=\"19\"><result><msg><line>" + kind +
                  " job enqueued with jobid " + n + "</line></msg><job>" + n +
                  "</job></result></response>");
}

std::set<std::string> adminMembers(const pugi::xml_node& partial) {
  std::set<std::string> out;
  for (const std::string& m : members(partial, "admin")) {
    out.insert(m);
  }
  return out;
}

}  // namespace

ApiResponse Simulator::Impl::op(const ApiRequest& req, RequestLogEntry& entry) {
  const std::string* cmd = req.param("cmd");
  pugi::xml_document doc;
  if (auto bad = parseCmd(cmd, doc)) {
    return *bad;
  }
  const pugi::xml_node root = doc.document_element();
  entry.action = commandWords(root);
  entry.xpath = entry.action;
  if (auto injected = injectedApiError(req, "op", entry.action, *cmd)) {
    return *injected;
  }
  const std::string_view verb = root.name();
  const pugi::xml_node first = root.first_child();
  const std::string_view object = first.type() == pugi::node_element ? first.name() : "";
  if (verb == "show" && !object.empty()) {
    return opShow(root, entry.admin);
  }
  if (verb == "test" && object == "security-policy-match") {
    return policyMatch(first, req);
  }
  if (verb == "request" && (object == "config-lock" || object == "commit-lock")) {
    return opRequestLock(first, object == "commit-lock", entry.admin, req);
  }
  if (verb == "check" && object == "pending-changes") {
    return opResult(store->hasChanges() ? "yes" : "no");
  }
  if (verb == "revert" && object == "config") {
    // "revert config" and "revert config partial admin [ … ]" (PAN-OS 9.1+).
    const pugi::xml_node partial = first.child("partial");
    if (partial && adminMembers(partial).empty()) {
      return errorLines(17, {" revert -> config -> partial  is incomplete"}, true);
    }
    return revert(partial ? adminMembers(partial) : std::set<std::string>{});
  }
  if (verb == "load" && object == "config" &&
      std::string_view(first.child("from").text().get()) == "running-config.xml") {
    store->revert({});
    return opResult("<msg><line>Config loaded from running-config.xml</line></msg>");  // assumption
  }
  if (verb == "validate" && (object == "full" || object == "partial")) {
    return enqueuedReply("Validate", enqueue("Validate", entry.admin, {}, "").id);
  }
  const std::string where =
      object.empty() ? std::string(verb) : std::string(verb) + " -> " + std::string(object);
  return errorLines(17, {" " + where + "  is unexpected"}, true);
}

ApiResponse Simulator::Impl::commit(const ApiRequest& req, RequestLogEntry& entry) {
  const std::string* cmd = req.param("cmd");
  pugi::xml_document doc;
  if (auto bad = parseCmd(cmd, doc)) {
    return *bad;
  }
  const pugi::xml_node root = doc.document_element();
  if (std::strcmp(root.name(), "commit") != 0) {
    return errorLines(17, {" " + std::string(root.name()) + "  is unexpected"}, true);
  }
  // <partial> directly under <commit>, or inside <force> (PANGO commit/firewall.go).
  const pugi::xml_node force = root.child("force");
  const pugi::xml_node partial = force ? force.child("partial") : root.child("partial");
  const std::set<std::string> admins = partial ? adminMembers(partial) : std::set<std::string>{};
  entry.action = partial ? "partial" : "full";
  entry.xpath = admins.empty() ? "" : "admin " + *admins.begin();
  if (auto injected = injectedApiError(req, "commit", entry.action, *cmd)) {
    return *injected;
  }
  if (lockByOther(commit_locks, entry.admin) != nullptr) {
    return errorLines(14, {"Other administrators are holding device wide commit locks."}, false);
  }
  bool pending = false;
  if (admins.empty()) {
    pending = store->lastDirtyId() > coveredUpTo() && store->hasChanges();
  } else {
    pending = store->hasChangesBy(admins);
  }
  if (!pending && !force) {
    ++counters.commits_no_changes;
    return xmlReply(
        "<response status=\"success\" code=\"19\"><msg>There are no changes to "
        "commit.</msg></response>");
  }
  const Job& job = enqueue("Commit", entry.admin, admins, root.child("description").text().get());
  ++counters.commits_enqueued;
  return enqueuedReply("Commit", job.id);
}

ApiResponse Simulator::Impl::dispatch(const ApiRequest& req, RequestLogEntry& entry) {
  const std::string* type = req.param("type");
  entry.type = type != nullptr ? type->substr(0, 32) : "";
  if (const std::string* action = req.param("action")) {
    entry.action = action->substr(0, 32);
  }
  if (entry.type == "keygen") {
    if (auto injected = injectedApiError(req, "keygen", "", "")) {
      return *injected;
    }
    return keygen(req, entry);
  }
  auto admin = authenticate(req);
  if (!admin) {
    ++counters.auth_failures;
    return invalidCredential();
  }
  entry.admin = *admin;
  if (entry.type.empty()) {
    return badRequest("Parameter \"type\" is required");
  }
  if (entry.type == "config") return config(req, entry);
  if (entry.type == "op") return op(req, entry);
  if (entry.type == "commit") return commit(req, entry);
  if (entry.type == "version") {
    if (auto injected = injectedApiError(req, "version", "", "")) {
      return *injected;
    }
    return opResult("<sw-version>" + escapeXml(options.sw_version) +
                    "</sw-version><multi-vsys>off</multi-vsys><model>" + escapeXml(options.model) +
                    "</model><serial>" + escapeXml(options.serial) + "</serial>");
  }
  static const std::set<std::string> kKnown = {"export", "import", "log", "report", "user-id"};
  if (kKnown.contains(entry.type)) {
    return xmlReply("<response status='error' code='1'/>");  // not simulated: Unknown command
  }
  return badRequest("Illegal value for parameter \"type\" [" + entry.type + "].");
}

// ---- Simulator --------------------------------------------------------------------------------

Simulator::Simulator(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
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
  auto impl = std::make_unique<Impl>(std::move(options), clock);
  impl->store = std::move(*store);
  impl->faults = impl->options.faults;
  impl->rng.seed(impl->options.seed != 0 ? impl->options.seed : std::random_device{}());
  impl->started = clock.now();
  impl->installLockFaults();
  return std::unique_ptr<Simulator>(new Simulator(std::move(impl)));
}

ApiResponse Simulator::handle(const ApiRequest& request) {
  const auto t0 = std::chrono::steady_clock::now();
  Impl& s = *impl_;
  std::lock_guard<std::mutex> guard(s.mutex);
  RequestLogEntry entry;
  entry.time = s.now();
  entry.method = request.method.substr(0, 8);
  ApiResponse response;
  bool http_fault = false;
  if (rollFault(s.rng, s.faults.http_error_rate)) {
    // The request never reaches the API: no effect, an HTTP error page.
    ++s.counters.faults_http_error;
    http_fault = true;
    response.http_status = s.faults.http_error_status;
    response.content_type = "text/html";
    response.body = "<html><body><h1>" + std::to_string(s.faults.http_error_status) +
                    " Service Unavailable</h1></body></html>";
    response.fault = TransportFault::HttpError;
    if (const std::string* type = request.param("type")) {
      entry.type = type->substr(0, 32);
    }
  } else {
    try {
      s.advance();
      response = s.dispatch(request, entry);
    } catch (const std::exception& e) {
      // Last resort: library exceptions (allocation) become the device's internal error.
      response = errorLines(11, {std::string("Internal error: ") + e.what()}, false);
    }
    if (rollFault(s.rng, s.faults.drop_rate)) {
      // After the device acted: the change is made but the answer is lost.
      ++s.counters.faults_dropped;
      response.fault = TransportFault::Drop;
    }
  }
  if (s.faults.latency.count() > 0) {
    ++s.counters.faults_latency;
    response.delay = s.faults.latency;
  }
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
  (void)http_fault;
  entry.http_status = response.http_status;
  entry.status = response.body.find("status=\"success\"") != std::string::npos ||
                         response.body.find("status = 'success'") != std::string::npos
                     ? "success"
                     : "error";
  if (const std::size_t pos = response.body.find("code"); pos != std::string::npos && pos < 64) {
    std::size_t i = pos + 4;
    while (i < response.body.size() && (response.body[i] == ' ' || response.body[i] == '=' ||
                                        response.body[i] == '"' || response.body[i] == '\'')) {
      ++i;
    }
    std::size_t j = i;
    while (j < response.body.size() && std::isdigit(static_cast<unsigned char>(response.body[j]))) {
      ++j;
    }
    entry.code = response.body.substr(i, j - i);
  }
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
  return response;
}

Counters Simulator::counters() const {
  std::lock_guard<std::mutex> guard(impl_->mutex);
  return impl_->counters;
}

void Simulator::resetCounters() {
  std::lock_guard<std::mutex> guard(impl_->mutex);
  impl_->counters = Counters{};
}

Faults Simulator::faults() const {
  std::lock_guard<std::mutex> guard(impl_->mutex);
  return impl_->faults;
}

void Simulator::setFaults(Faults faults) {
  std::lock_guard<std::mutex> guard(impl_->mutex);
  impl_->faults = std::move(faults);
  impl_->installLockFaults();
}

std::vector<RequestLogEntry> Simulator::requestLog(std::uint64_t after_seq) const {
  std::lock_guard<std::mutex> guard(impl_->mutex);
  std::vector<RequestLogEntry> out;
  for (const RequestLogEntry& e : impl_->log) {
    if (e.seq > after_seq) {
      out.push_back(e);
    }
  }
  return out;
}

std::string Simulator::runningConfigXml() const {
  std::lock_guard<std::mutex> guard(impl_->mutex);
  impl_->advance();
  return nodeXml(impl_->store->running().document_element());
}

std::string Simulator::candidateConfigXml() const {
  std::lock_guard<std::mutex> guard(impl_->mutex);
  impl_->advance();
  return nodeXml(impl_->store->candidate().document_element());
}

Result<std::string> Simulator::apiKeyFor(std::string_view admin) const {
  std::lock_guard<std::mutex> guard(impl_->mutex);
  const std::string name(admin);
  const pugi::xml_node u = impl_->store->running()
                               .child("config")
                               .child("mgt-config")
                               .child("users")
                               .find_child_by_attribute("entry", "name", name.c_str());
  const std::string phash = u.child("phash").text().get();
  if (!u || phash.empty()) {
    return fail(ErrorCode::NotFound, "no administrator " + name + " with a password");
  }
  return deriveKey(impl_->options.master_key, name, phash);
}

void Simulator::advanceJobs() {
  std::lock_guard<std::mutex> guard(impl_->mutex);
  impl_->advance();
}

bool Simulator::waitForJobs(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    {
      std::lock_guard<std::mutex> guard(impl_->mutex);
      impl_->advance();
      if (!impl_->anyJobActive()) {
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
