#include "panos/jobs.h"

#include <iterator>

#include "panos/xml_util.h"

namespace trailwall::panos {
namespace {

std::optional<int> parseSmall(std::string_view text) {
  const auto value = parseInteger(text);
  if (!value || *value < 0 || *value > 1000) {
    return std::nullopt;
  }
  return static_cast<int>(*value);
}

std::vector<std::string> lines(const pugi::xml_node& parent) {
  std::vector<std::string> out;
  for (const auto& line : parent.children("line")) {
    auto text = directText(line);
    if (!text.empty()) {
      out.push_back(std::move(text));
    }
  }
  return out;
}

JobStatus parseStatus(std::string_view text) {
  text = trim(text);
  if (text == "FIN") return JobStatus::Finished;
  if (text == "ACT") return JobStatus::Active;
  if (text == "PEND") return JobStatus::Pending;
  return JobStatus::Unknown;
}

JobResult parseResult(std::string_view text) {
  text = trim(text);
  if (text == "OK") return JobResult::Ok;
  if (text == "FAIL") return JobResult::Fail;
  if (text == "PEND") return JobResult::Pending;
  return JobResult::Unknown;
}

Job readJob(const pugi::xml_node& node) {
  Job job;
  job.id = parseInteger(node.child("id").text().get()).value_or(0);
  job.type = trimmedText(node.child("type"));
  job.user = trimmedText(node.child("user"));
  job.status = parseStatus(node.child("status").text().get());
  job.result = parseResult(node.child("result").text().get());
  job.progress = parseSmall(node.child("progress").text().get()).value_or(0);
  job.enqueued = trimmedText(node.child("tenq"));
  job.finished = trimmedText(node.child("tfin"));
  job.description = trimmedText(node.child("description"));
  job.details = lines(node.child("details"));
  job.warnings = lines(node.child("warnings"));
  job.dgname = trimmedText(node.child("dgname"));
  for (const auto& device : node.child("devices").children("entry")) {
    JobDevice out;
    out.serial = trimmedText(device.child("serial-no"));
    out.name = trimmedText(device.child("devicename"));
    out.status = trimmedText(device.child("status"));
    out.result = parseResult(device.child("result").text().get());
    const auto details = device.child("details");
    for (const auto& msg : details.children("msg")) {
      for (const char* part : {"errors", "warnings"}) {
        auto more = lines(msg.child(part));
        std::move(more.begin(), more.end(), std::back_inserter(out.details));
      }
    }
    auto plain = lines(details);
    std::move(plain.begin(), plain.end(), std::back_inserter(out.details));
    if (out.result == JobResult::Pending) {
      job.devices_pending = true;
    }
    job.devices.push_back(std::move(out));
  }
  return job;
}

}  // namespace

Result<CommitStarted> parseCommitReply(const ApiResponse& response) {
  CommitStarted started;
  started.message = response.joinedMessages();
  const auto job = response.result().child("job");
  if (!job.empty()) {
    const auto id = parseInteger(job.text().get());
    if (!id) {
      return fail(ErrorCode::Remote,
                  "the firewall's commit reply has a job id that is not a "
                  "number: '" +
                      trimmedText(job) + "'");
    }
    started.job_id = id;
    return started;
  }
  constexpr std::string_view kJobIdMarker = "with jobid ";
  for (const auto& line : response.messages()) {
    const auto at = line.find(kJobIdMarker);
    if (at != std::string::npos) {
      if (const auto id = parseInteger(std::string_view(line).substr(at + kJobIdMarker.size()))) {
        started.job_id = id;
        return started;
      }
    }
    if (line.find("no changes to commit") != std::string::npos) {
      return started;
    }
  }
  return fail(ErrorCode::Remote,
              "the firewall's commit reply names no job and does not say "
              "there was nothing to commit: '" +
                  started.message + "'");
}

bool Job::done() const {
  if (devices_pending) {
    return false;
  }
  if (status == JobStatus::Finished) {
    return true;
  }
  return progress >= 100 && (result == JobResult::Ok || result == JobResult::Fail);
}

Result<Job> parseJob(const ApiResponse& response, std::int64_t id) {
  const auto result = response.result();
  std::vector<pugi::xml_node> jobs;
  for (const auto& node : result.children("job")) {
    jobs.push_back(node);
  }
  for (const auto& node : jobs) {
    const auto node_id = parseInteger(node.child("id").text().get());
    if (node_id && *node_id == id) {
      return readJob(node);
    }
  }
  if (jobs.size() == 1 && jobs.front().child("id").empty()) {
    Job job = readJob(jobs.front());
    job.id = id;
    return job;
  }
  return fail(ErrorCode::NotFound, "the firewall's job list has no job " + std::to_string(id));
}

std::vector<Job> parseJobs(const ApiResponse& response) {
  std::vector<Job> jobs;
  for (const auto& node : response.result().children("job")) {
    jobs.push_back(readJob(node));
  }
  return jobs;
}

std::string_view to_string(JobStatus status) {
  switch (status) {
    case JobStatus::Pending: return "PEND";
    case JobStatus::Active: return "ACT";
    case JobStatus::Finished: return "FIN";
    case JobStatus::Unknown: return "unknown";
  }
  return "unknown";
}

std::string_view to_string(JobResult result) {
  switch (result) {
    case JobResult::Pending: return "PEND";
    case JobResult::Ok: return "OK";
    case JobResult::Fail: return "FAIL";
    case JobResult::Unknown: return "unknown";
  }
  return "unknown";
}

}  // namespace trailwall::panos
