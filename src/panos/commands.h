#pragma once
// Pure builders of PAN-OS XML API requests: the op and commit command documents
// (the CLI as nested XML, API-NOTES §6–7) and configuration operations, single or batched into one
// multi-config document (API-NOTES §3.3). Every value is escaped by pugixml or validated first.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.h"

namespace trailwall::panos {

using FormParams = std::vector<std::pair<std::string, std::string>>;

enum class ConfigAction { Set, Edit, Delete, Move, Rename };
enum class MoveWhere { Top, Bottom, Before, After };

[[nodiscard]] std::string_view to_string(ConfigAction action);
[[nodiscard]] std::string_view to_string(MoveWhere where);

// One configuration change. `element` is XML: for Set the children to merge under `xpath`, for
// Edit the node at `xpath` itself (API-NOTES §3.1).
struct ConfigOp {
  ConfigAction action = ConfigAction::Set;
  std::string xpath;
  std::string element;
  MoveWhere where = MoveWhere::Bottom;  // Move
  std::string destination;              // Move before/after: the sibling entry's name
  std::string new_name;                 // Rename

  [[nodiscard]] static ConfigOp set(std::string xpath, std::string element);
  [[nodiscard]] static ConfigOp edit(std::string xpath, std::string element);
  [[nodiscard]] static ConfigOp remove(std::string xpath);
  [[nodiscard]] static ConfigOp move(std::string xpath, MoveWhere where,
                                     std::string destination = {});
  [[nodiscard]] static ConfigOp rename(std::string xpath, std::string new_name);

  friend bool operator==(const ConfigOp&, const ConfigOp&) = default;
};

// The form parameters of `op` sent on its own (type=config&action=…).
[[nodiscard]] Result<FormParams> configParams(const ConfigOp& op);

// The multi-config element: one child per op named after its action, with `id` = its index.
[[nodiscard]] Result<std::string> multiConfigDocument(const std::vector<ConfigOp>& ops);

// <commit>[<description>…</description>]<partial><admin><member>ADMIN</member></admin></partial></commit>
// (API-NOTES §7; description at most 512 characters).
[[nodiscard]] Result<std::string> partialCommitCommand(std::string_view admin,
                                                       std::string_view description);

// <revert><config><partial><admin><member>ADMIN</member></admin></partial></config></revert>, the
// XML form of the CLI `revert config partial admin [ ADMIN ]` (PAN-OS 10.0 CLI changes).
[[nodiscard]] Result<std::string> revertAdminCommand(std::string_view admin);

[[nodiscard]] std::string showJobCommand(std::int64_t id);
// <show><jobs><all/></jobs></show> (API-NOTES §6.3).
[[nodiscard]] std::string showAllJobsCommand();
// <request><config-lock><add><comment>C</comment></add></config-lock></request> and
// <request><config-lock><remove/></config-lock></request> (API-NOTES §6.5; sent with vsys=shared).
// The comment is at most 256 characters of XML-safe text (assumption: the device's limit is not
// documented; trailwall's comments are under 80).
[[nodiscard]] Result<std::string> configLockAddCommand(std::string_view comment);
[[nodiscard]] std::string configLockRemoveCommand();
// <show><config-locks/></show>, or from PAN-OS 9.1 with <vsys>all</vsys> (API-NOTES §6.5).
[[nodiscard]] std::string showConfigLocksCommand(bool with_vsys);
[[nodiscard]] std::string showCommitLocksCommand();
[[nodiscard]] std::string checkPendingChangesCommand();
[[nodiscard]] std::string showSystemInfoCommand();

// The longest audit comment trailwall sends, in bytes. The device's limit is not documented
// (API-NOTES §15); 256 is the only figure a source gives (pan-os-codegen's audit_comment_wo), so
// it is the conservative choice.
inline constexpr std::size_t kMaxAuditCommentLength = 256;
// <set><audit-comment><xpath>RULE-XPATH</xpath><comment>TEXT</comment></audit-comment></set>
// (API-NOTES §15, PAN-OS 9.0+). InvalidInput for an empty xpath or comment, a comment longer
// than kMaxAuditCommentLength bytes, or text XML cannot carry.
[[nodiscard]] Result<std::string> setAuditCommentCommand(std::string_view rule_xpath,
                                                         std::string_view comment);

}  // namespace trailwall::panos
