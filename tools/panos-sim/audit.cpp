// Who changed what: audit comments on rules (op set audit-comment, show config list
// audit-comments, kept per rule xpath and recorded with the next commit), the config log they
// land in (type=log, log-type=config, the audit-comment history clients query) and the
// uncommitted-change journal with owners (show config list changes). API-NOTES.md sections 14
// and 15.
//
// Assumptions (README "Audit comments"): the refusal of a release before 9.0; the reply text of set
// audit-comment (known only through xmltodict renderings); its error for an xpath that is no rule
// in the candidate; that a comment alone is no configuration change (a commit with nothing else
// answers "There are no changes to commit." and the comment waits); that after the commit `show
// config list audit-comments` is empty; the log's `client` field; the log query grammar beyond
// `(field eq|contains value)` joined by `and`; the journal's action words other than " CREATE" and
// its component types.
#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "api.h"
#include "xml_text.h"
#include "xpath.h"

namespace trailwall::panossim {
namespace {

// " vsys  vsys1 rulebase security rules  my policy" for
// /config/devices/entry[@name='localhost.localdomain']/vsys/entry[@name='vsys1']/rulebase/
// security/rules/entry[@name='my policy'] (log-config-audit-comment-history-pospy.xml): each
// element after the device entry as " name", each entry as "  NAME".
std::string logPath(const std::string& xpath) {
  auto steps = parseSimplePath(xpath);
  if (!steps) {
    return xpath;
  }
  std::string out;
  bool past_device = false;
  for (const PathStep& s : *steps) {
    if (!past_device) {
      past_device = s.name == "entry" && s.value == "localhost.localdomain";
      if (s.name == "shared") {
        past_device = true;
        out += " shared";
      }
      continue;
    }
    out += s.name == "entry" ? "  " + s.value : " " + s.name;
  }
  return out;
}

// One term of a log query: (field eq value) or (field contains value). Values may be quoted
// with ' and hold \' escapes, which are dropped ("path contains '\'my policy\''" finds
// "my policy", as PANGO-0.10 AuditCommentHistory builds it).
struct QueryTerm {
  std::string field;
  bool contains = false;
  std::string value;
};

Result<std::vector<QueryTerm>> parseQuery(std::string_view query) {
  std::vector<QueryTerm> terms;
  std::size_t i = 0;
  const auto skip = [&] {
    while (i < query.size() && query[i] == ' ') {
      ++i;
    }
  };
  while (true) {
    skip();
    if (i >= query.size()) {
      break;
    }
    if (!terms.empty()) {
      if (query.substr(i, 4) != "and ") {
        return fail(ErrorCode::InvalidInput, "only terms joined by 'and' are simulated");
      }
      i += 4;
      skip();
    }
    if (i >= query.size() || query[i] != '(') {
      return fail(ErrorCode::InvalidInput, "'(' expected at " + std::to_string(i + 1));
    }
    std::size_t close = i + 1;
    bool quoted = false;
    for (; close < query.size(); ++close) {
      if (query[close] == '\\') {
        ++close;
      } else if (query[close] == '\'') {
        quoted = !quoted;
      } else if (query[close] == ')' && !quoted) {
        break;
      }
    }
    if (close >= query.size()) {
      return fail(ErrorCode::InvalidInput, "')' expected");
    }
    const std::string_view body = query.substr(i + 1, close - i - 1);
    i = close + 1;
    const std::size_t sp1 = body.find(' ');
    const std::size_t sp2 = sp1 == std::string_view::npos ? sp1 : body.find(' ', sp1 + 1);
    if (sp2 == std::string_view::npos) {
      return fail(ErrorCode::InvalidInput, "a term is (field eq|contains value)");
    }
    QueryTerm t;
    t.field = std::string(body.substr(0, sp1));
    const std::string_view op = body.substr(sp1 + 1, sp2 - sp1 - 1);
    if (op != "eq" && op != "contains") {
      return fail(ErrorCode::InvalidInput, "operator " + std::string(op) + " is not simulated");
    }
    t.contains = op == "contains";
    for (const char c : body.substr(sp2 + 1)) {
      if (c != '\'' && c != '\\') {
        t.value += c;
      }
    }
    static const std::set<std::string> kFields = {"subtype", "path", "full-path",
                                                  "admin",   "cmd",  "comment"};
    if (!kFields.contains(t.field)) {
      return fail(ErrorCode::InvalidInput, "field " + t.field + " is not simulated");
    }
    terms.push_back(std::move(t));
  }
  return terms;
}

bool termMatches(const QueryTerm& t, const AuditRecord& r) {
  std::string value;
  if (t.field == "subtype") {
    value = "audit-comment";
  } else if (t.field == "path") {
    value = logPath(r.xpath);
  } else if (t.field == "full-path") {
    value = r.xpath;
  } else if (t.field == "admin") {
    value = r.admin;
  } else if (t.field == "cmd") {
    value = "audit-commit";
  } else {
    value = r.comment;
  }
  return t.contains ? value.find(t.value) != std::string::npos : value == t.value;
}

std::string logEntryXml(const Device& device, const AuditRecord& r) {
  const std::string when = dateTime(r.time);
  return "<entry logid=\"" + std::to_string(7000000000000000000ULL + r.seqno) +
         "\"><domain>1</domain><receive_time>" + when + "</receive_time><serial>" +
         escapeXml(device.options.serial) + "</serial><seqno>" + std::to_string(r.seqno) +
         "</seqno><actionflags>0x0</actionflags><is-logging-service>no</is-logging-service>"
         "<type>CONFIG</type><subtype>1</subtype><config_ver>" +
         std::to_string(r.config_ver) + "</config_ver><time_generated>" + when +
         "</time_generated><device_name>" + escapeXml(device.options.model) +
         "</device_name><vsys_id>0</vsys_id><host>127.0.0.1</host><cmd>audit-commit</cmd><admin>" +
         escapeXml(r.admin) + "</admin><client>Web</client><result>Succeeded</result><path>" +
         escapeXml(logPath(r.xpath)) + "</path><dg_id>0</dg_id><comment>" + escapeXml(r.comment) +
         "</comment><full-path>" + escapeXml(r.xpath) + "</full-path></entry>";
}

}  // namespace

ApiResponse setAuditComment(Device& device, const pugi::xml_node& node, const std::string& admin) {
  // Audit comments came with PAN-OS 9.0 (API-NOTES section 15); an older release does not know
  // the command and answers as for any unknown op element (assumption: code 17, "unexpected").
  if (std::atoi(device.options.sw_version.c_str()) < 9) {
    return errorLines(17, {" set -> audit-comment  is unexpected"}, true);
  }
  const std::string xpath = node.child("xpath").text().get();
  const std::string comment = node.child("comment").text().get();
  if (xpath.empty()) {
    return errorLines(17, {" set -> audit-comment -> xpath  is missing"}, true);  // assumption
  }
  auto nodes = selectNodes(device.store->candidate(), xpath);
  const bool is_rule = nodes && nodes->size() == 1 &&
                       std::strcmp(nodes->first().node().name(), "entry") == 0 &&
                       std::strcmp(nodes->first().node().parent().name(), "rules") == 0;
  if (!is_rule) {
    return errorLines(7, {"Audit comment xpath " + xpath + " is not a rule"}, false);  // assumption
  }
  AuditComment& c = device.audit_pending[xpath];
  c.prev_dirty_id = c.dirty_id;
  c.dirty_id = ++device.audit_seq;
  c.xpath = xpath;
  c.comment = comment;
  c.admin = admin;
  // XSOAR Panorama_test.py EDIT_AUDIT_COMMENT_SUCCESS_RESPONSE (an xmltodict rendering).
  return opResult("Successfully added comment for xpath");
}

// <show><config><list><audit-comments><xpath>X</xpath></audit-comments></list></config></show>
// → the uncommitted comment (pan-os-python RuleAuditComment.current and its fixture).
ApiResponse showAuditComments(const Device& device, const pugi::xml_node& node) {
  const std::string xpath = node.child("xpath").text().get();
  const auto it = device.audit_pending.find(xpath);
  if (it == device.audit_pending.end()) {
    return opResult("");
  }
  const AuditComment& c = it->second;
  return opResult("<entry><xpath>" + escapeXml(c.xpath) + "</xpath><dirtyId>" +
                  std::to_string(c.dirty_id) + "</dirtyId><comment>" + escapeXml(c.comment) +
                  "</comment><prevdirtyId>" + std::to_string(c.prev_dirty_id) +
                  "</prevdirtyId></entry>");
}

void recordAuditComments(Device& device, const Job& job) {
  for (auto it = device.audit_pending.begin(); it != device.audit_pending.end();) {
    const AuditComment& c = it->second;
    if (c.dirty_id > job.audit_up_to || (!job.admins.empty() && !job.admins.contains(c.admin))) {
      ++it;
      continue;
    }
    device.audit_log.push_back(
        {c.xpath, c.comment, c.admin, job.tfin, device.config_version, ++device.log_seqno});
    it = device.audit_pending.erase(it);
  }
}

// <show><config><list><changes/></list></config></show> (PAN-OS 8.0+):
// op-pending-changes-journal-panorama.xml, and an empty result when nothing is pending
// (op-show-config-list-changes-none-panorama-111.xml).
ApiResponse showChangeJournal(const Device& device) {
  const auto component = [](const std::string& xpath) {
    for (const char* kind : {"device-group", "template-stack", "template"}) {
      if (xpath.find(std::string("/") + kind + "/") != std::string::npos) {
        return std::string(kind);
      }
    }
    return std::string(xpath.starts_with("/config/shared") ? "shared-object" : "device");
  };
  std::string out;
  for (const JournalEntry& e : device.store->journal()) {
    std::string action = e.op.action;
    std::transform(action.begin(), action.end(), action.begin(),
                   [](char ch) { return static_cast<char>(std::toupper(ch)); });
    if (action == "SET") {
      action = "CREATE";
    }
    out += "<entry><xpath>" + escapeXml(e.op.xpath) + "</xpath><owner>" + escapeXml(e.admin) +
           "</owner><action> " + action + "</action><admin-history>" + escapeXml(e.admin) +
           "</admin-history><component-type>" + component(e.op.xpath) + "</component-type></entry>";
  }
  return opResult(out.empty() ? "" : "<journal>" + out + "</journal>");
}

// type=log. A config-log query (log-type=config) is a job whose result lists the audit-comment
// records that match (log-config-audit-comment-history-pospy.xml); other log types answer an
// empty log. action=get&job-id=N reads a query job's result.
ApiResponse handleLog(Device& device, const ApiRequest& req, RequestLogEntry& entry) {
  const std::string* action = req.param("action");
  if (action != nullptr && *action == "get") {
    const std::string* id = req.param("job-id");
    const auto it = id != nullptr ? device.log_jobs.find(std::strtoull(id->c_str(), nullptr, 10))
                                  : device.log_jobs.end();
    if (it == device.log_jobs.end()) {
      return errorLines(7, {"job " + (id != nullptr ? *id : std::string()) + " not found"}, false);
    }
    return xmlReply(it->second);
  }
  const std::string* log_type = req.param("log-type");
  if (log_type == nullptr) {
    return badRequest("Parameter \"log-type\" is required");
  }
  entry.action = log_type->substr(0, 32);
  if (auto injected = device.injectedApiError("log", entry.action, "")) {
    return *injected;
  }
  const std::string* query_param = req.param("query");
  auto terms = parseQuery(query_param != nullptr ? *query_param : "");
  if (!terms) {
    return errorLines(17, {" query: " + terms.error().message}, true);  // assumption
  }
  std::size_t nlogs = 20;
  if (const std::string* n = req.param("nlogs")) {
    nlogs = std::clamp<std::size_t>(std::strtoul(n->c_str(), nullptr, 10), 1, 5000);
  }
  const std::string* dir = req.param("dir");
  const bool forward = dir != nullptr && *dir == "forward";
  std::vector<const AuditRecord*> hits;
  if (*log_type == "config") {
    for (const AuditRecord& r : device.audit_log) {
      if (std::all_of(terms->begin(), terms->end(),
                      [&](const QueryTerm& t) { return termMatches(t, r); })) {
        hits.push_back(&r);
      }
    }
  }
  if (!forward) {
    std::reverse(hits.begin(), hits.end());
  }
  hits.resize(std::min(hits.size(), nlogs));
  const std::uint64_t id = device.next_job_id++;
  const std::string t = formatTime(device.clock.now(), "%H:%M:%S");
  std::string logs;
  for (const AuditRecord* r : hits) {
    logs += logEntryXml(device, *r);
  }
  while (device.log_jobs.size() >= 100) {
    device.log_jobs.erase(device.log_jobs.begin());  // the device keeps finished jobs a while
  }
  device.log_jobs[id] = "<response status=\"success\"><result><job><tenq>" + t + "</tenq><tdeq>" +
                        t + "</tdeq><tlast>" + t + "</tlast><status>FIN</status><id>" +
                        std::to_string(id) + "</id></job><log><logs count=\"" +
                        std::to_string(hits.size()) + "\" progress=\"100\">" + logs +
                        "</logs></log></result></response>";
  return xmlReply("<response status=\"success\"><result><msg><line>query job enqueued with jobid " +
                  std::to_string(id) + "</line></msg><job>" + std::to_string(id) +
                  "</job></result></response>");
}

}  // namespace trailwall::panossim
