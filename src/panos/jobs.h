#pragma once
// Commit replies and jobs (API-NOTES §6.3, §7). A commit either enqueues a job (code 19 with
// result/job) or finds nothing to commit; a job is polled with <show><jobs><id> until FIN.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "panos/response.h"

namespace trailwall::panos {

enum class JobStatus { Pending, Active, Finished, Unknown };
enum class JobResult { Pending, Ok, Fail, Unknown };

// What a commit request started: a job, or nothing because there were no changes.
struct CommitStarted {
  std::optional<std::int64_t> job_id;  // empty: "There are no changes to commit."
  std::string message;
};

// Reads a successful commit reply (the job id from result/job, else from "… with jobid N").
[[nodiscard]] Result<CommitStarted> parseCommitReply(const ApiResponse& response);

// A Panorama push job's result for one firewall (devices/entry, API-NOTES §14).
struct JobDevice {
  std::string serial;  // serial-no
  std::string name;    // devicename
  std::string status;  // "commit succeeded", "commit succeeded with warnings", "commit failed", …
  JobResult result = JobResult::Unknown;
  std::vector<std::string> details;  // details/msg lines (errors, then warnings), or details/line
};

struct Job {
  std::int64_t id = 0;
  std::string type;  // Commit, Validate, CommitAll, …
  std::string user;
  JobStatus status = JobStatus::Unknown;
  JobResult result = JobResult::Unknown;
  int progress = 0;      // percent
  std::string enqueued;  // tenq as sent
  std::string finished;  // tfin as sent ("Still Active" while running)
  std::string description;
  std::vector<std::string> details;   // details/line, trimmed
  std::vector<std::string> warnings;  // warnings/line, trimmed
  bool devices_pending = false;       // Panorama: a devices/entry still PEND
  std::string dgname;                 // Panorama push: the device group
  std::vector<JobDevice> devices;     // Panorama push: one per firewall

  // FIN, or progress 100 with a final result (pango's criterion), and no device still pending.
  [[nodiscard]] bool done() const;
};

// The job with `id` from a <show><jobs> reply (the first job when the reply has one job only).
// NotFound when the reply lists no such job.
[[nodiscard]] Result<Job> parseJob(const ApiResponse& response, std::int64_t id);

// Every job of a <show><jobs><all/> reply, in the reply's order.
[[nodiscard]] std::vector<Job> parseJobs(const ApiResponse& response);

[[nodiscard]] std::string_view to_string(JobStatus status);
[[nodiscard]] std::string_view to_string(JobResult result);

}  // namespace trailwall::panos
