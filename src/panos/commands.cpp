#include "panos/commands.h"

#include <pugixml.hpp>

#include "panos/xml_util.h"

namespace trailwall::panos {
namespace {

constexpr std::size_t kMaxCommitDescription = 512;

// A chain of nested elements (<a><b><c/></b></a>) under a fresh document; returns the innermost.
pugi::xml_node nest(pugi::xml_document& doc, std::initializer_list<const char*> names) {
  pugi::xml_node node = doc;
  for (const char* name : names) {
    node = node.append_child(name);
  }
  return node;
}

Status checkAdmin(std::string_view admin) {
  if (admin.empty()) {
    return fail(ErrorCode::Config,
                "no firewall administrator name is configured; partial commits and reverts are "
                "scoped to one administrator (set it, or create the key with `trailwall keygen`)");
  }
  return validateXmlText(admin, "administrator name");
}

Status checkOp(const ConfigOp& op) {
  if (op.xpath.empty()) {
    return fail(ErrorCode::InvalidInput,
                std::string("config ") + std::string(to_string(op.action)) + " without an xpath");
  }
  if (auto v = validateXmlText(op.xpath, "xpath"); !v) {
    return v;
  }
  if (op.action == ConfigAction::Move &&
      (op.where == MoveWhere::Before || op.where == MoveWhere::After)) {
    if (op.destination.empty()) {
      return fail(ErrorCode::InvalidInput, "move before/after needs a destination rule name");
    }
    if (auto v = validateXmlText(op.destination, "move destination"); !v) {
      return v;
    }
  }
  if (op.action == ConfigAction::Rename) {
    if (op.new_name.empty()) {
      return fail(ErrorCode::InvalidInput, "rename needs a new name");
    }
    if (auto v = validateXmlText(op.new_name, "new name"); !v) {
      return v;
    }
  }
  if (op.action == ConfigAction::Set || op.action == ConfigAction::Edit) {
    // Refuse an element that is not well-formed before it reaches the device.
    pugi::xml_document scratch;
    if (auto v = appendXmlFragment(scratch, op.element); !v) {
      return v;
    }
  }
  return {};
}

}  // namespace

std::string_view to_string(ConfigAction action) {
  switch (action) {
    case ConfigAction::Set: return "set";
    case ConfigAction::Edit: return "edit";
    case ConfigAction::Delete: return "delete";
    case ConfigAction::Move: return "move";
    case ConfigAction::Rename: return "rename";
  }
  return "set";
}

std::string_view to_string(MoveWhere where) {
  switch (where) {
    case MoveWhere::Top: return "top";
    case MoveWhere::Bottom: return "bottom";
    case MoveWhere::Before: return "before";
    case MoveWhere::After: return "after";
  }
  return "bottom";
}

ConfigOp ConfigOp::set(std::string xpath, std::string element) {
  return ConfigOp{ConfigAction::Set, std::move(xpath), std::move(element), {}, {}, {}};
}
ConfigOp ConfigOp::edit(std::string xpath, std::string element) {
  return ConfigOp{ConfigAction::Edit, std::move(xpath), std::move(element), {}, {}, {}};
}
ConfigOp ConfigOp::remove(std::string xpath) {
  return ConfigOp{ConfigAction::Delete, std::move(xpath), {}, {}, {}, {}};
}
ConfigOp ConfigOp::move(std::string xpath, MoveWhere where, std::string destination) {
  return ConfigOp{ConfigAction::Move, std::move(xpath), {}, where, std::move(destination), {}};
}
ConfigOp ConfigOp::rename(std::string xpath, std::string new_name) {
  return ConfigOp{ConfigAction::Rename, std::move(xpath), {}, {}, {}, std::move(new_name)};
}

Result<FormParams> configParams(const ConfigOp& op) {
  if (auto v = checkOp(op); !v) {
    return std::unexpected(v.error());
  }
  FormParams params{
      {"type", "config"}, {"action", std::string(to_string(op.action))}, {"xpath", op.xpath}};
  switch (op.action) {
    case ConfigAction::Set:
    case ConfigAction::Edit: params.emplace_back("element", op.element); break;
    case ConfigAction::Move:
      params.emplace_back("where", std::string(to_string(op.where)));
      if (op.where == MoveWhere::Before || op.where == MoveWhere::After) {
        params.emplace_back("dst", op.destination);
      }
      break;
    case ConfigAction::Rename: params.emplace_back("newname", op.new_name); break;
    case ConfigAction::Delete: break;
  }
  return params;
}

Result<std::string> multiConfigDocument(const std::vector<ConfigOp>& ops) {
  pugi::xml_document doc;
  auto root = doc.append_child("multi-config");
  std::size_t index = 0;
  for (const auto& op : ops) {
    if (auto v = checkOp(op); !v) {
      return std::unexpected(v.error().withContext("multi-config action " + std::to_string(index)));
    }
    const std::string name(to_string(op.action));
    auto node = root.append_child(name.c_str());
    node.append_attribute("id").set_value(std::to_string(index).c_str());
    node.append_attribute("xpath").set_value(op.xpath.c_str());
    switch (op.action) {
      case ConfigAction::Set:
      case ConfigAction::Edit:
        if (auto v = appendXmlFragment(node, op.element); !v) {
          return std::unexpected(v.error());
        }
        break;
      case ConfigAction::Move:
        node.append_attribute("where").set_value(std::string(to_string(op.where)).c_str());
        if (op.where == MoveWhere::Before || op.where == MoveWhere::After) {
          node.append_attribute("dst").set_value(op.destination.c_str());
        }
        break;
      case ConfigAction::Rename:
        node.append_attribute("newname").set_value(op.new_name.c_str());
        break;
      case ConfigAction::Delete: break;
    }
    ++index;
  }
  return renderXml(root);
}

Result<std::string> partialCommitCommand(std::string_view admin, std::string_view description) {
  if (auto v = checkAdmin(admin); !v) {
    return std::unexpected(v.error());
  }
  if (description.size() > kMaxCommitDescription) {
    return fail(ErrorCode::InvalidInput, "commit description is longer than 512 characters");
  }
  if (auto v = validateXmlText(description, "commit description"); !v) {
    return std::unexpected(v.error());
  }
  pugi::xml_document doc;
  auto commit = doc.append_child("commit");
  if (!description.empty()) {
    commit.append_child("description").text().set(std::string(description).c_str());
  }
  commit.append_child("partial").append_child("admin").append_child("member").text().set(
      std::string(admin).c_str());
  return renderXml(commit);
}

Result<std::string> revertAdminCommand(std::string_view admin) {
  if (auto v = checkAdmin(admin); !v) {
    return std::unexpected(v.error());
  }
  pugi::xml_document doc;
  nest(doc, {"revert", "config", "partial", "admin", "member"})
      .text()
      .set(std::string(admin).c_str());
  return renderXml(doc.document_element());
}

std::string showJobCommand(std::int64_t id) {
  pugi::xml_document doc;
  nest(doc, {"show", "jobs", "id"}).text().set(std::to_string(id).c_str());
  return renderXml(doc.document_element());
}

std::string showAllJobsCommand() {
  pugi::xml_document doc;
  nest(doc, {"show", "jobs", "all"});
  return renderXml(doc.document_element());
}

Result<std::string> configLockAddCommand(std::string_view comment) {
  constexpr std::size_t kMaxLockComment = 256;
  if (comment.size() > kMaxLockComment) {
    return fail(ErrorCode::InvalidInput, "config lock comment is longer than 256 characters");
  }
  if (auto v = validateXmlText(comment, "config lock comment"); !v) {
    return std::unexpected(v.error());
  }
  pugi::xml_document doc;
  auto add = nest(doc, {"request", "config-lock", "add"});
  if (!comment.empty()) {
    add.append_child("comment").text().set(std::string(comment).c_str());
  }
  return renderXml(doc.document_element());
}

std::string configLockRemoveCommand() {
  pugi::xml_document doc;
  nest(doc, {"request", "config-lock", "remove"});
  return renderXml(doc.document_element());
}

std::string showConfigLocksCommand(bool with_vsys) {
  pugi::xml_document doc;
  auto locks = nest(doc, {"show", "config-locks"});
  if (with_vsys) {
    locks.append_child("vsys").text().set("all");
  }
  return renderXml(doc.document_element());
}

std::string showCommitLocksCommand() {
  pugi::xml_document doc;
  nest(doc, {"show", "commit-locks"});
  return renderXml(doc.document_element());
}

std::string checkPendingChangesCommand() {
  pugi::xml_document doc;
  nest(doc, {"check", "pending-changes"});
  return renderXml(doc.document_element());
}

std::string showSystemInfoCommand() {
  pugi::xml_document doc;
  nest(doc, {"show", "system", "info"});
  return renderXml(doc.document_element());
}

Result<std::string> setAuditCommentCommand(std::string_view rule_xpath, std::string_view comment) {
  if (rule_xpath.empty() || comment.empty()) {
    return fail(ErrorCode::InvalidInput, "an audit comment needs a rule xpath and a text");
  }
  if (comment.size() > kMaxAuditCommentLength) {
    return fail(ErrorCode::InvalidInput, "audit comment is longer than " +
                                             std::to_string(kMaxAuditCommentLength) + " bytes");
  }
  if (auto v = validateXmlText(rule_xpath, "audit comment xpath"); !v) {
    return std::unexpected(v.error());
  }
  if (auto v = validateXmlText(comment, "audit comment"); !v) {
    return std::unexpected(v.error());
  }
  pugi::xml_document doc;
  auto audit = nest(doc, {"set", "audit-comment"});
  audit.append_child("xpath").text().set(std::string(rule_xpath).c_str());
  audit.append_child("comment").text().set(std::string(comment).c_str());
  return renderXml(doc.document_element());
}

}  // namespace trailwall::panos
