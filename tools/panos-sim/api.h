#pragma once
// The simulator's API areas, one source file each, all working on the Device under its mutex.
// Each handler answers one /api/ request of its type and fills the request-log entry's
// action/xpath/admin. Simulator::handle (simulator.cpp) authenticates and dispatches by type.

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include <pugixml.hpp>

#include "device.h"

namespace trailwall::panossim {

// ---- auth.cpp: type=keygen and authentication (key, X-PAN-KEY, HTTP Basic) ----
[[nodiscard]] ApiResponse handleKeygen(Device& device, const ApiRequest& req,
                                       RequestLogEntry& entry);
// The administrator a request authenticates as; nullopt = the device's 403.
[[nodiscard]] std::optional<std::string> authenticate(const Device& device, const ApiRequest& req);
// Whether the running configuration makes `admin` a superuser
// (mgt-config/users/entry/permissions/role-based/superuser = yes).
[[nodiscard]] bool isSuperuser(const Device& device, const std::string& admin);
// The key keygen gives `admin`; NotFound for an unknown administrator or one without password.
[[nodiscard]] Result<std::string> keyForAdmin(const Device& device, std::string_view admin);

// ---- config_api.cpp: type=config (get, show, set, edit, delete, move, rename, clone,
// multi-config) ----
[[nodiscard]] ApiResponse handleConfig(Device& device, const ApiRequest& req,
                                       RequestLogEntry& entry);

// ---- op_api.cpp: type=op (show system info/clock/config/jobs/locks, test
// security-policy-match, check pending-changes, revert, load, validate, request locks) ----
[[nodiscard]] ApiResponse handleOp(Device& device, const ApiRequest& req, RequestLogEntry& entry);
// The words of an op command ("show system info", "test security-policy-match"), as counters
// and faults name it.
[[nodiscard]] std::string opCommandWords(const pugi::xml_node& root);

// ---- commit_jobs.cpp: type=commit and the job queue ----
[[nodiscard]] ApiResponse handleCommit(Device& device, const ApiRequest& req,
                                       RequestLogEntry& entry);
// Finishes every job whose time has come (called before each request).
void advanceJobs(Device& device);
// A Commit or Validate job is queued or running.
[[nodiscard]] bool anyJobActive(const Device& device);
// A Commit job is queued or running.
[[nodiscard]] bool anyCommitActive(const Device& device);
// Queues a Commit or Validate job behind the jobs not yet finished.
Job& enqueueJob(Device& device, const std::string& type, const std::string& user,
                std::set<std::string> admins, std::string description);
// The <partial> of a <commit> (directly under it or inside <force>); empty when full.
[[nodiscard]] pugi::xml_node commitPartial(const pugi::xml_node& commit);
// The administrators of <partial><admin><member>… (commit, revert); empty when none.
[[nodiscard]] std::set<std::string> partialAdmins(const pugi::xml_node& partial);
// "<Kind> job enqueued with jobid N" (commit-enqueued-*.xml, validate-enqueued.xml).
[[nodiscard]] ApiResponse enqueuedReply(const std::string& kind, std::uint64_t id);
// <show><jobs><id>N</id> | <all/> | <processed/> | <pending/></jobs></show>.
[[nodiscard]] ApiResponse showJobs(const Device& device, const pugi::xml_node& jobs);

// ---- locks.cpp: config and commit locks (rules and sources at the top of locks.cpp) ----
// <request><config-lock|commit-lock><add>|<remove>…</…></request>.
[[nodiscard]] ApiResponse requestLock(Device& device, const pugi::xml_node& node, bool commit_lock,
                                      const std::string& admin, const ApiRequest& req);
// <show><config-locks>[<vsys>…</vsys>]</config-locks></show>, or commit-locks.
[[nodiscard]] ApiResponse showLocks(const Device& device, const pugi::xml_node& what,
                                    bool commit_locks);
// Another administrator's config lock that forbids `admin` a change at `xpath`, if any.
[[nodiscard]] const Lock* configLockAgainst(const Device& device, const std::string& admin,
                                            std::string_view xpath);
// Another administrator's commit lock, if any (it forbids `admin` to commit).
[[nodiscard]] const Lock* commitLockAgainst(const Device& device, const std::string& admin);
// Records a request by `admin` as the last activity of that administrator's locks.
void touchLocks(Device& device, const std::string& admin);
// Installs the locks the faults name (config_lock_holder, commit_lock_holder) and removes the
// ones a previous fault installed for someone else.
void installLockFaults(Device& device);
// A finished commit by `admin` releases that administrator's commit locks.
void releaseCommitLocksAfterCommit(Device& device, const std::string& admin);

}  // namespace trailwall::panossim
