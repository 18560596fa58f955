// type=config: reads (get = candidate, show = running) and changes (set, edit, delete, move,
// rename, clone, multi-config) of the candidate, recorded per administrator by ConfigStore.
#include <set>

#include "api.h"
#include "xml_text.h"
#include "xpath.h"

namespace trailwall::panossim {
namespace {

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

ApiResponse configRead(Device& device, const std::string& action, const std::string& xpath) {
  const bool get = action == "get";
  const ConfigStore& store = *device.store;
  const pugi::xml_document& doc = get ? store.candidate() : store.running();
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
        get ? store.appendAnnotatedCopy(result, c) : static_cast<void>(result.append_copy(c));
      }
    } else if (get) {
      store.appendAnnotatedCopy(result, xn.node());
    } else {
      result.append_copy(xn.node());
    }
  }
  return xmlReply(nodeXml(response));
}

// "Configuration is locked by X": the wording pan-os-python's classify_exception matches
// (API-NOTES.md 6.5); no code attribute, as no source shows one.
ApiResponse lockedBy(const Lock& lock) {
  return errorLines(std::nullopt, {"Configuration is locked by " + lock.admin}, false);
}

ApiResponse multiConfig(Device& device, const ApiRequest& req, const std::string& admin) {
  const std::string* element = req.param("element");
  if (element == nullptr) {
    return badRequest("Parameter \"element\" is required");
  }
  pugi::xml_document doc;
  if (!doc.load_buffer(element->data(), element->size()) || !doc.document_element()) {
    return errorLines(18, {" Malformed Request"}, true);
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
  for (const ConfigOp& op : ops) {
    if (const Lock* l = configLockAgainst(device, admin, op.xpath)) {
      return lockedBy(*l);
    }
  }
  // strict-transactional=yes "fails if a commit is active or pending; the user's uncommitted
  // changes are rolled back first" (DOCS-10.0 multi-config, API-NOTES.md 3.3). The rollback
  // belongs to the transaction: when an action fails, nothing changes (assumption). The
  // refusal's wording and code are assumptions too.
  const std::string* strict_param = req.param("strict-transactional");
  const bool strict = strict_param != nullptr && *strict_param == "yes";
  if (strict && anyCommitActive(device)) {
    return errorLines(14, {"A commit is in progress. Try again after it finishes."}, false);
  }
  const std::vector<OpResult> results = device.store->applyAll(ops, admin, device.now(), strict);
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

}  // namespace

ApiResponse handleConfig(Device& device, const ApiRequest& req, RequestLogEntry& entry) {
  const std::string* action_param = req.param("action");
  const std::string action = action_param != nullptr ? *action_param : "";
  const std::string* xpath = req.param("xpath");
  entry.xpath = xpath != nullptr ? xpath->substr(0, 512) : "";
  if (action.empty()) {
    return badRequest("Parameter \"action\" is required");
  }
  if (auto injected = device.injectedApiError("config", action, entry.xpath)) {
    return *injected;
  }
  if (action == "get" || action == "show") {
    return configRead(device, action, xpath != nullptr ? *xpath : "");
  }
  static const std::set<std::string> kWrites = {"set",    "edit",  "delete",      "move",
                                                "rename", "clone", "multi-config"};
  if (!kWrites.contains(action)) {
    return errorLines(1, {"Unknown command"}, false);
  }
  if (action == "multi-config") {
    return multiConfig(device, req, entry.admin);
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
  if (const Lock* l = configLockAgainst(device, entry.admin, op.xpath)) {
    return lockedBy(*l);
  }
  const OpResult r = device.store->apply(op, entry.admin, device.now());
  if (!r.ok) {
    return errorLines(r.code, r.lines, true);
  }
  return xmlReply("<response status=\"success\" code=\"" + std::to_string(r.code) + "\"><msg>" +
                  escapeXml(r.msg) + "</msg></response>");
}

}  // namespace trailwall::panossim
