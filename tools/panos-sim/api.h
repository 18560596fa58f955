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
#include "policy_match.h"

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

// ---- audit.cpp: audit comments, the config log (type=log) and the change journal ----
// <set><audit-comment><xpath>…</xpath><comment>…</comment></audit-comment></set>.
[[nodiscard]] ApiResponse setAuditComment(Device& device, const pugi::xml_node& node,
                                          const std::string& admin);
// <show><config><list><audit-comments><xpath>…</xpath></audit-comments></list></config></show>.
[[nodiscard]] ApiResponse showAuditComments(const Device& device, const pugi::xml_node& node);
// <show><config><list><changes/></list></config></show>: uncommitted changes with owners.
[[nodiscard]] ApiResponse showChangeJournal(const Device& device);
// A successful commit records the audit comments its snapshot covers.
void recordAuditComments(Device& device, const Job& job);
[[nodiscard]] ApiResponse handleLog(Device& device, const ApiRequest& req, RequestLogEntry& entry);

// ---- ha.cpp: HA pairs (the shared HaLink is ha.h) ----
// Installs the running configuration the active peer synced, if any (before each request).
void haApplySync(Device& device);
// After a successful commit: the active peer's running configuration goes to its peer.
void haAfterCommit(Device& device);
// Code 15 for a change or commit sent to a peer that is not active; nullopt otherwise.
[[nodiscard]] std::optional<ApiResponse> haRefusal(const Device& device,
                                                   const RequestLogEntry& entry);
// <show><high-availability><state/>|<all/></high-availability></show>.
[[nodiscard]] ApiResponse showHaState(const Device& device);
// <request><high-availability><state><suspend/>|<functional/></state> | <sync-to-remote>….
[[nodiscard]] ApiResponse requestHa(Device& device, const pugi::xml_node& ha);

// ---- panorama.cpp: device groups, commit-all pushes, show devicegroups (panorama.h) ----
// <commit-all><shared-policy>…</shared-policy></commit-all> (type=commit&action=all).
[[nodiscard]] ApiResponse handleCommitAll(Device& device, const pugi::xml_node& root,
                                          const RequestLogEntry& entry,
                                          const std::string& description);
// Runs a CommitAll job's push when it finishes.
void finalizePush(Device& device, Job& job);
// The CommitAll part of a job's XML (push_type, dgname, devices).
[[nodiscard]] std::string pushJobXml(const Job& job);
// After a Panorama commit: the committed changes, by device group, wait to be pushed.
void recordUnpushed(Device& device, const std::vector<JournalEntry>& committed);
// Pushes every device group (at start, no job).
void pushEverything(Device& device);
// <show><devicegroups/></show>.
[[nodiscard]] ApiResponse showDeviceGroups(const Device& device);
// A firewall receiving a push.
[[nodiscard]] Result<std::vector<std::string>> installPush(Device& firewall,
                                                           const pugi::xml_node& panorama);

// ---- userid_api.cpp: type=user-id and the op commands that read registrations back ----
[[nodiscard]] ApiResponse handleUserId(Device& device, const ApiRequest& req,
                                       RequestLogEntry& entry);
// <show><object><registered-ip>…: registrations of the request's vsys, paged.
[[nodiscard]] ApiResponse showRegisteredIp(Device& device, const pugi::xml_node& what,
                                           const ApiRequest& req);
// <show><object><dynamic-address-group>…: dynamic groups with their current members.
[[nodiscard]] ApiResponse showDynamicAddressGroups(Device& device, const pugi::xml_node& what,
                                                   const ApiRequest& req);
// The vsys a request addresses (its vsys parameter, default vsys1); nullopt when the running
// configuration has no such vsys.
[[nodiscard]] std::optional<std::string> requestVsys(const Device& device, const ApiRequest& req);
// Fills the query's source and destination tags from the User-ID table of `vsys`.
void addRegisteredTags(Device& device, const std::string& vsys, MatchQuery& query);

}  // namespace trailwall::panossim
