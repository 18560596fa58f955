// type=commit and the job queue: commits and validations run one after another, each for the
// configured duration, and take effect at the first request at or after their finish time.
//
// What a job commits (its snapshot, Job::up_to = the journal's highest dirtyId it covers):
// - A full commit or validation works on the candidate as it is when the job starts: changes
//   made while it waits in the queue are in it, changes made once it runs are not; those stay
//   in the candidate, still marked dirty for their administrator, for the next commit.
// - A partial commit by administrator covers that administrator's changes made before the
//   request (snapshot at enqueue). A client that asks for a commit of its own changes and then
//   writes more must not find the later writes committed by a job whose answer it already
//   holds; that is what lets it tell "my commit" from "nothing to commit". The device
//   documents nothing finer (API-NOTES.md section 7), so this is the conservative choice.
// Jobs start and finish lazily, before each request is handled (advanceJobs), so a change
// made at or after a job's start time is always after its snapshot.
#include <algorithm>
#include <cstring>
#include <optional>

#include "api.h"
#include "objects.h"
#include "validation.h"
#include "xml_text.h"

namespace trailwall::panossim {
namespace {

constexpr std::size_t kCommitDescriptionMax = 512;

// A commit's or push's description holds "up to 512 characters" (DOCS-7.1 Commit Queues); the
// refusal's wording is the schema's length message (assumption).
std::optional<ApiResponse> descriptionTooLong(const std::string& description) {
  const std::size_t n = utf8Length(description);
  if (n <= kCommitDescriptionMax) {
    return std::nullopt;
  }
  return errorLines(
      12,
      {" " + description + " can be at most " + std::to_string(kCommitDescriptionMax) +
       " characters, but current length: " + std::to_string(n)},
      true);
}

void finalize(Device& device, Job& job) {
  job.finalized = true;
  if (job.type == "CommitAll") {
    finalizePush(device, job);
    return;
  }
  if (job.type == "Commit") {
    releaseCommitLocksAfterCommit(device, job.user);
  }
  if (job.inject_fail) {
    job.ok = false;
    job.details = {"Validation Error:", " Commit failed: injected fault (panos-sim)",
                   "Commit failed"};
    ++device.counters.commits_failed;
    return;
  }
  ConfigStore& store = *device.store;
  auto doc = store.prepareCommit(job.admins, job.up_to);
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
    ++device.counters.commits_failed;
    return;
  }
  job.ok = true;
  if (job.type == "Validate") {
    job.details = {"Configuration is valid"};
    return;
  }
  std::vector<JournalEntry> committed;
  for (const JournalEntry& e : store.journal()) {
    if ((job.admins.empty() || job.admins.contains(e.admin)) && e.dirty_id <= job.up_to) {
      committed.push_back(e);
    }
  }
  store.finishCommit(std::move(*doc), job.admins, job.up_to);
  recordUnpushed(device, committed);
  // Compile the new rulebase now, as the device does at commit, so that policy-match
  // queries never pay for it.
  device.compiled = compileRulebase(store.running(), "vsys1");
  device.compiled_vsys = "vsys1";
  device.compiled_valid = true;
  job.details = {"Configuration committed successfully"};
  ++device.config_version;
  recordAuditComments(device, job);
  ++device.counters.commits_ok;
  device.writeState();
  haAfterCommit(device);
}

void start(Device& device, Job& job) {
  job.started = true;
  if (job.admins.empty()) {
    job.up_to = device.store->lastDirtyId();
    job.audit_up_to = device.audit_seq;
  }
}

// Whether a commit job not yet finished will commit this journal entry.
bool covered(const Device& device, const JournalEntry& e) {
  for (std::size_t i = device.first_open; i < device.jobs.size(); ++i) {
    const Job& j = device.jobs[i];
    if (j.finalized || j.type != "Commit") {
      continue;
    }
    if (j.admins.empty() ? (!j.started || e.dirty_id <= j.up_to)
                         : (j.admins.contains(e.admin) && e.dirty_id <= j.up_to)) {
      return true;
    }
  }
  return false;
}

// Changes in the scope (all administrators, or the given ones) that no queued or running
// commit will commit.
bool uncommittedChanges(const Device& device, const std::set<std::string>& admins) {
  for (const JournalEntry& e : device.store->journal()) {
    if ((admins.empty() || admins.contains(e.admin)) && !covered(device, e)) {
      return true;
    }
  }
  return false;
}

std::string jobXml(const Device& device, const Job& job) {
  const SysTime t = device.clock.now();
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
    for (const Job& j : device.jobs) {
      position += (!j.finalized && j.id < job.id) ? 1 : 0;
    }
  } else {
    status = "ACT";
    const auto total = std::max<std::int64_t>(1, (job.tfin - job.tstart).count());
    progress = static_cast<int>(std::min<std::int64_t>(99, (t - job.tstart).count() * 100 / total));
    stoppable = progress < 99 ? "yes" : "no";  // job-commit-act-pend-progress99.xml
  }
  std::string out = "<job><tenq>" + dateTime(job.tenq) + "</tenq><tdeq>" +
                    formatTime(job.tstart, "%H:%M:%S") + "</tdeq><id>" + std::to_string(job.id) +
                    "</id><user>" + escapeXml(job.user) + "</user><type>" + job.type +
                    "</type><status>" + status + "</status><queued>" + queued +
                    "</queued><stoppable>" + stoppable + "</stoppable><result>" + result +
                    "</result><tfin>" + tfin + "</tfin><description>" + escapeXml(job.description) +
                    "</description><positionInQ>" + std::to_string(position) +
                    "</positionInQ><progress>" + std::to_string(progress) + "</progress>";
  if (job.type == "CommitAll") {
    out += pushJobXml(job);  // job-commitall-fin-ok-devices-xsoar.xml
  }
  std::string details = "<details>";
  for (const std::string& line : job.details) {
    details += "<line>" + (line.starts_with(" ") ? cdata(line) : escapeXml(line)) + "</line>";
  }
  details += "</details>";
  // Running jobs list warnings first, finished ones details first, as in the references.
  out += job.finalized ? details + "<warnings></warnings>" : "<warnings></warnings>" + details;
  return out + "</job>";
}

}  // namespace

pugi::xml_node commitPartial(const pugi::xml_node& commit) {
  // <partial> directly under <commit>, or inside <force> (PANGO commit/firewall.go).
  const pugi::xml_node force = commit.child("force");
  return force ? force.child("partial") : commit.child("partial");
}

std::set<std::string> partialAdmins(const pugi::xml_node& partial) {
  std::set<std::string> out;
  for (const std::string& m : members(partial, "admin")) {
    out.insert(m);
  }
  return out;
}

void advanceJobs(Device& device) {
  haApplySync(device);  // what the active HA peer committed, before anything else
  const SysTime t = device.clock.now();
  // Jobs run one after another in id order, so the open ones are a suffix of the list.
  for (std::size_t i = device.first_open; i < device.jobs.size(); ++i) {
    Job& job = device.jobs[i];
    if (!job.started && job.tstart <= t) {
      start(device, job);
    }
    if (job.started && job.tfin <= t) {
      finalize(device, job);
    }
    if (!job.finalized) {
      break;
    }
    device.first_open = i + 1;
  }
}

bool anyJobActive(const Device& device) {
  return device.first_open < device.jobs.size();
}

bool anyCommitActive(const Device& device) {
  return std::any_of(device.jobs.begin() + static_cast<std::ptrdiff_t>(device.first_open),
                     device.jobs.end(),
                     [](const Job& j) { return !j.finalized && j.type == "Commit"; });
}

Job& enqueueJob(Device& device, const std::string& type, const std::string& user,
                std::set<std::string> admins, std::string description) {
  Job job;
  job.id = device.next_job_id++;
  job.type = type;
  job.user = user;
  job.admins = std::move(admins);
  job.description = std::move(description);
  job.tenq = device.clock.now();
  job.tstart = job.tenq;
  if (anyJobActive(device)) {
    job.tstart = std::max(job.tstart, device.jobs.back().tfin);
  }
  job.tfin = job.tstart + device.faults.commit_duration.value_or(device.options.commit_duration);
  job.up_to = device.store->lastDirtyId();  // partial commits: the snapshot at enqueue
  job.audit_up_to = device.audit_seq;
  if (job.tstart <= job.tenq) {
    start(device, job);
  }
  Faults& faults = device.faults;
  if (type == "Commit" && faults.fail_commits != 0) {
    job.inject_fail = true;
    if (faults.fail_commits > 0) {
      --faults.fail_commits;
    }
  }
  device.jobs.push_back(std::move(job));
  return device.jobs.back();
}

ApiResponse enqueuedReply(const std::string& kind, std::uint64_t id) {
  const std::string n = std::to_string(id);
  return xmlReply("<response status=\"success\" code=\"19\"><result><msg><line>" + kind +
                  " job enqueued with jobid " + n + "</line></msg><job>" + n +
                  "</job></result></response>");
}

ApiResponse showJobs(const Device& device, const pugi::xml_node& what) {
  if (pugi::xml_node id = what.child("id")) {
    const std::string text = id.text().get();
    for (const Job& j : device.jobs) {
      if (std::to_string(j.id) == text) {
        return opResult(jobXml(device, j));
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
  for (const Job& j : device.jobs) {
    if (all || (processed && j.finalized) || (pending && !j.finalized)) {
      inner += jobXml(device, j);
    }
  }
  return opResult(inner);
}

ApiResponse handleCommit(Device& device, const ApiRequest& req, RequestLogEntry& entry) {
  const std::string* cmd = req.param("cmd");
  pugi::xml_document doc;
  if (auto bad = parseCmd(cmd, doc)) {
    return *bad;
  }
  const pugi::xml_node root = doc.document_element();
  const std::string* action = req.param("action");
  if (action != nullptr && *action == "all") {
    if (auto injected = device.injectedApiError("commit", entry.action, *cmd)) {
      return *injected;
    }
    if (std::strcmp(root.name(), "commit-all") != 0) {
      return errorLines(17, {std::string(" ") + root.name() + "  is unexpected"}, true);
    }
    const std::string push_description =
        root.child("shared-policy").child("description").text().get();
    if (auto too_long = descriptionTooLong(push_description)) {
      return *too_long;
    }
    return handleCommitAll(device, root, entry, push_description);
  }
  if (std::strcmp(root.name(), "commit") != 0) {
    return errorLines(17, {std::string(" ") + root.name() + "  is unexpected"}, true);
  }
  const pugi::xml_node force = root.child("force");
  const pugi::xml_node partial = commitPartial(root);
  const std::set<std::string> admins = partial ? partialAdmins(partial) : std::set<std::string>{};
  if (auto injected = device.injectedApiError("commit", entry.action, *cmd)) {
    return *injected;
  }
  const std::string description = root.child("description").text().get();
  if (auto too_long = descriptionTooLong(description)) {
    return *too_long;
  }
  if (commitLockAgainst(device, entry.admin) != nullptr) {
    return errorLines(14, {"Other administrators are holding device wide commit locks."}, false);
  }
  if (!uncommittedChanges(device, admins) && !force) {
    ++device.counters.commits_no_changes;
    return xmlReply(
        "<response status=\"success\" code=\"19\"><msg>There are no changes to "
        "commit.</msg></response>");
  }
  const Job& job = enqueueJob(device, "Commit", entry.admin, admins, description);
  ++device.counters.commits_enqueued;
  return enqueuedReply("Commit", job.id);
}

}  // namespace trailwall::panossim
