// type=user-id (IP-to-tag registration) and the op commands that read it back: `show object
// registered-ip` and `show object dynamic-address-group`. Shapes from API-NOTES.md section 12
// and the references named below; the table itself is userid_table.h.
//
// Assumptions (no source found; README "User-ID"): the per-entry messages for too many tags,
// a full table, a bad timeout and an unregistered tag; that an unregister entry without <tag>
// removes every tag of the address; the replies to a malformed message, an unknown vsys and an
// oversized request (HTTP 413, as a web server with a body limit answers); that a page of
// registered-ip holds at most 500 entries whatever <limit> asks, that entries are listed in
// address order and that <count> is the number of entries in the page (MineMeld stops paging
// when count < limit, which only works when it is).
#include <charconv>
#include <cstring>

#include "api.h"
#include "xml_text.h"

namespace trailwall::panossim {
namespace {

// One entry message of an error reply (<entry ip="…" message="…"/>).
struct EntryMessage {
  std::string ip;
  std::string message;
};

struct PayloadResult {
  std::string op;  // register, unregister, login, …
  std::vector<EntryMessage> messages;
};

std::optional<std::int64_t> parseNumber(std::string_view text) {
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return v;
}

// The tags of one <entry>: <tag><member [timeout]>T</member>…</tag>, or the legacy
// identifier="T" attribute (userid-unregister-request-v2-identifier-panpython.xml).
struct TagRequest {
  std::string tag;
  std::string timeout;  // attribute text; empty = none
};

std::vector<TagRequest> entryTags(const pugi::xml_node& entry) {
  std::vector<TagRequest> out;
  if (const pugi::xml_attribute id = entry.attribute("identifier")) {
    out.push_back({id.value(), ""});
  }
  for (pugi::xml_node m = entry.child("tag").child("member"); m; m = m.next_sibling("member")) {
    out.push_back({m.text().get(), m.attribute("timeout").value()});
  }
  return out;
}

using Address = std::pair<std::string, net::IpRange>;

// Calls `apply` for each <entry> of an operation whose ip parses; the others get the device's
// "Invalid IP address" (pan-python a4b92c8 transcript: "message: Invalid IP address ip: xxx").
template <class Apply>
void forEachEntry(const pugi::xml_node& op, PayloadResult& result, Apply apply) {
  for (pugi::xml_node e = op.child("entry"); e; e = e.next_sibling("entry")) {
    const std::string ip = e.attribute("ip").value();
    auto address = UserIdTable::parseAddress(ip);
    if (!address) {
      result.messages.push_back({ip, "Invalid IP address"});
      continue;
    }
    apply(e, ip, *address);
  }
}

void registerEntries(Device& device, const std::string& vsys, const pugi::xml_node& op,
                     PayloadResult& result) {
  UserIdTable& table = *device.userid;
  const SysTime now = device.clock.now();
  forEachEntry(
      op, result, [&](const pugi::xml_node& e, const std::string& ip, const Address& address) {
        // persistent: optional, default 1 (PANDEV-DAG).
        const bool persistent = std::strcmp(e.attribute("persistent").as_string("1"), "0") != 0;
        for (const TagRequest& t : entryTags(e)) {
          if (t.tag.empty()) {
            result.messages.push_back({ip, "Failed to register: empty tag name"});  // assumption
            continue;
          }
          std::int64_t seconds = 0;
          if (!t.timeout.empty()) {
            const auto parsed = parseNumber(t.timeout);
            if (!parsed || *parsed < 0 || *parsed > kMaxTagTimeoutSeconds) {
              result.messages.push_back(
                  {ip, "Failed to register tag " + t.tag + ": timeout " + t.timeout + " is not 0-" +
                           std::to_string(kMaxTagTimeoutSeconds)});  // assumption
              continue;
            }
            seconds = *parsed;
          }
          switch (table.add(vsys, address, t.tag, persistent, std::chrono::seconds(seconds), now,
                            device.maxRegisteredIps())) {
            case RegisterOutcome::Added: break;
            case RegisterOutcome::AlreadyExists:
              // userid-register-error-already-exists-*.xml; the timeout restarts all the same.
              result.messages.push_back({ip, "tag " + t.tag + " already exists, ignore"});
              break;
            case RegisterOutcome::TooManyTags:
              result.messages.push_back(
                  {ip, "Failed to register tag " + t.tag + ": an address holds at most " +
                           std::to_string(kMaxTagsPerAddress) + " tags"});  // assumption
              break;
            case RegisterOutcome::TableFull:
              // The system log's wording (KB kA14u000000sdArCAI), as the entry message: assumption.
              result.messages.push_back({ip,
                                         "Failed to register: max registered-ip for the platform "
                                         "reached (" +
                                             std::to_string(device.maxRegisteredIps()) + ")"});
              break;
          }
        }
      });
}

void unregisterEntries(Device& device, const std::string& vsys, const pugi::xml_node& op,
                       PayloadResult& result) {
  UserIdTable& table = *device.userid;
  const SysTime now = device.clock.now();
  forEachEntry(
      op, result, [&](const pugi::xml_node& e, const std::string& ip, const Address& address) {
        // "ip X does not exist, ignore unreg": the suffix pan-os-python ignores and a third-party
        // client's full text (API-NOTES.md section 12.3).
        const std::string absent = "ip " + address.first + " does not exist, ignore unreg";
        const std::vector<TagRequest> tags = entryTags(e);
        if (tags.empty()) {
          if (!table.removeAll(vsys, address.second, now)) {  // assumption: all tags
            result.messages.push_back({ip, absent});
          }
          return;
        }
        for (const TagRequest& t : tags) {
          switch (table.remove(vsys, address.second, t.tag, now)) {
            case UnregisterOutcome::Removed: break;
            case UnregisterOutcome::NoSuchAddress: result.messages.push_back({ip, absent}); break;
            case UnregisterOutcome::NoSuchTag:
              result.messages.push_back({ip, "tag " + t.tag + " does not exist, ignore unreg"});
              break;
          }
        }
      });
}

// The echo of each operation (userid-register-success-pandev.xml) and, for an error reply, the
// entries with messages under msg/line (userid-register-error-already-exists-panoslib.xml).
ApiResponse uidReply(const std::vector<PayloadResult>& results) {
  bool errors = false;
  std::string payload;
  for (const PayloadResult& r : results) {
    payload += "<" + r.op + ">";
    for (const EntryMessage& m : r.messages) {
      payload += "<entry ip=\"" + escapeXml(m.ip) + "\" message=\"" + escapeXml(m.message) + "\"/>";
      errors = true;
    }
    payload += "</" + r.op + ">";
  }
  const std::string uid =
      "<uid-response><version>2.0</version><payload>" + payload + "</payload></uid-response>";
  if (errors) {
    return xmlReply("<response status=\"error\"><msg><line>" + uid + "</line></msg></response>");
  }
  return xmlReply("<response status=\"success\"><result>" + uid + "</result></response>");
}

// The vsys a request named (vsys1 when it named none, e.g. on a Panorama, which has no vsys).
std::string vsysError(const ApiRequest& req) {
  const std::string* param = req.param("vsys");
  return "Invalid vsys name " +
         (param != nullptr && !param->empty() ? *param : std::string("vsys1"));  // assumption
}

}  // namespace

std::optional<std::string> requestVsys(const Device& device, const ApiRequest& req) {
  const std::string* param = req.param("vsys");
  const std::string vsys = param != nullptr && !param->empty() ? *param : "vsys1";
  if (!findVsys(device.store->running(), vsys)) {
    return std::nullopt;
  }
  return vsys;
}

ApiResponse handleUserId(Device& device, const ApiRequest& req, RequestLogEntry& entry) {
  if (req.bytes_in > device.options.userid_max_request_bytes) {
    // "Limit the query size to 5MB" (NGFW-UID); the reply is an assumption.
    ApiResponse r;
    r.http_status = 413;
    r.content_type = "text/html";
    r.body = "<html><body><h1>413 Request Entity Too Large</h1></body></html>";
    return r;
  }
  const std::string* cmd = req.param("cmd");
  pugi::xml_document doc;
  if (auto bad = parseCmd(cmd, doc)) {
    return *bad;
  }
  if (auto injected = device.injectedApiError("user-id", "", *cmd)) {
    return *injected;
  }
  const pugi::xml_node payload = doc.document_element().child("payload");
  if (std::strcmp(doc.document_element().name(), "uid-message") != 0 || !payload) {
    return errorLines(18, {" Malformed Request: uid-message -> payload is missing"}, true);
  }
  const auto vsys = requestVsys(device, req);
  if (!vsys) {
    return errorLines(std::nullopt, {vsysError(req)}, false);
  }
  static const std::set<std::string> kEchoed = {"login", "logout", "groups", "register-user",
                                                "unregister-user"};
  std::vector<PayloadResult> results;
  std::lock_guard<std::mutex> lock(device.userid->mutex());
  for (pugi::xml_node op = payload.first_child(); op; op = op.next_sibling()) {
    if (op.type() != pugi::node_element) {
      continue;
    }
    PayloadResult r;
    r.op = op.name();
    if (r.op == "register") {
      registerEntries(device, *vsys, op, r);
    } else if (r.op == "unregister") {
      unregisterEntries(device, *vsys, op, r);
    } else if (!kEchoed.contains(r.op)) {
      return errorLines(17, {" uid-message -> payload -> " + r.op + "  is unexpected"}, true);
    }  // login, logout, groups, user tags: accepted and answered, not simulated
    entry.action += (entry.action.empty() ? "" : ",") + r.op;
    results.push_back(std::move(r));
  }
  entry.action = entry.action.substr(0, 64);
  return uidReply(results);
}

// <show><object><registered-ip>[<all/>|<ip>A</ip>|<tag><entry name="T"/></tag>]
// [<limit>N</limit>][<start-point>S</start-point>]</registered-ip></object></show>
// (op-show-registered-ip-all-pandev.xml, op-show-registered-ip-ip-filter-azure-unres.xml).
ApiResponse showRegisteredIp(Device& device, const pugi::xml_node& what, const ApiRequest& req) {
  const auto vsys = requestVsys(device, req);
  if (!vsys) {
    return errorLines(std::nullopt, {vsysError(req)}, false);
  }
  std::size_t limit = device.options.registered_ip_page_max;
  std::size_t start = 1;
  for (const char* field : {"limit", "start-point"}) {
    if (const pugi::xml_node n = what.child(field)) {
      const auto v = parseNumber(n.text().get());
      if (!v || *v < 1) {
        return errorLines(17,
                          {std::string(" show -> object -> registered-ip -> ") + field + " '" +
                           n.text().get() + "' is invalid"},
                          true);  // assumption
      }
      (std::strcmp(field, "limit") == 0 ? limit : start) = static_cast<std::size_t>(*v);
    }
  }
  limit = std::min(limit, device.options.registered_ip_page_max);
  std::optional<net::IpRange> ip_filter;
  if (const pugi::xml_node ip = what.child("ip")) {
    auto parsed = UserIdTable::parseAddress(ip.text().get());
    if (!parsed) {
      return errorLines(17,
                        {std::string(" show -> object -> registered-ip -> ip '") + ip.text().get() +
                         "' is invalid"},
                        true);  // assumption
    }
    ip_filter = parsed->second;
  }
  const std::string tag_filter = what.child("tag").child("entry").attribute("name").value();
  std::string out;
  std::size_t index = 0;
  std::size_t count = 0;
  {
    std::lock_guard<std::mutex> lock(device.userid->mutex());
    const UserIdTable::Entries* entries = device.userid->entries(*vsys, device.clock.now());
    if (entries != nullptr) {
      for (const auto& [range, r] : *entries) {
        if (count == limit) {
          break;
        }
        if (ip_filter && range != *ip_filter) {
          continue;
        }
        if (!tag_filter.empty() &&
            std::none_of(r.tags.begin(), r.tags.end(),
                         [&](const TagMapping& m) { return m.tag == tag_filter; })) {
          continue;
        }
        if (++index < start) {
          continue;
        }
        ++count;
        out += "<entry ip=\"" + escapeXml(r.ip) + "\" from_agent=\"0\" persistent=\"" +
               (r.persistent ? "1" : "0") + "\"><tag>";
        for (const TagMapping& m : r.tags) {
          out += "<member>" + escapeXml(m.tag) + "</member>";
        }
        out += "</tag></entry>";
      }
    }
  }
  return opResult(out + "<count>" + std::to_string(count) + "</count>");
}

// <show><object><dynamic-address-group><all/>|<name>G</name></dynamic-address-group></object>
// </show>: each dynamic group of the vsys (with <vsys>) and of shared (without), its filter and
// its current members, address objects first (op-show-dynamic-address-group-all-pandev.xml,
// op-show-dynamic-address-group-name-fw-powerpan.xml).
ApiResponse showDynamicAddressGroups(Device& device, const pugi::xml_node& what,
                                     const ApiRequest& req) {
  const auto vsys = requestVsys(device, req);
  if (!vsys) {
    return errorLines(std::nullopt, {vsysError(req)}, false);
  }
  const pugi::xml_document& running = device.store->running();
  const ObjectIndex index(running, *vsys);
  const std::string only = what.child("name").text().get();
  std::string out = "<dyn-addr-grp>";
  std::lock_guard<std::mutex> lock(device.userid->mutex());
  const UserIdTable::Entries* registered = device.userid->entries(*vsys, device.clock.now());
  const auto list = [&](const pugi::xml_node& scope, bool in_vsys) {
    for (pugi::xml_node g = scope.child("address-group").child("entry"); g;
         g = g.next_sibling("entry")) {
      const std::string name = g.attribute("name").value();
      if (!g.child("dynamic") || (!only.empty() && name != only)) {
        continue;
      }
      out += "<entry>";
      if (in_vsys) {
        out += "<vsys>" + escapeXml(*vsys) + "</vsys>";
      }
      out += "<group-name>" + escapeXml(name) + "</group-name><filter>" +
             escapeXml(g.child("dynamic").child("filter").text().get()) + "</filter><member-list>";
      if (auto filter = dagFilterOf(g); filter && *filter) {
        index.forEach("address", [&](pugi::xml_node obj) {
          const std::vector<std::string> tags = members(obj, "tag");
          if (!tags.empty() && (*filter)->matchesTags(tags)) {
            out += "<entry name=\"" + escapeXml(obj.attribute("name").value()) +
                   "\" type=\"address-object\"/>";
          }
        });
        static const UserIdTable::Entries kNone;
        for (const auto& [range, r] : registered != nullptr ? *registered : kNone) {
          if ((*filter)->matches([&](std::string_view tag) {
                return std::any_of(r.tags.begin(), r.tags.end(),
                                   [&](const TagMapping& m) { return m.tag == tag; });
              })) {
            out += "<entry name=\"" + escapeXml(r.ip) + "\" type=\"registered-ip\"/>";
          }
        }
      }
      out += "</member-list></entry>";
    }
  };
  list(index.vsys(), true);
  list(running.child("config").child("shared"), false);
  return xmlReply("<response cmd=\"status\" status=\"success\"><result>" + out +
                  "</dyn-addr-grp></result></response>");
}

void addRegisteredTags(Device& device, const std::string& vsys, MatchQuery& query) {
  std::lock_guard<std::mutex> lock(device.userid->mutex());
  const SysTime now = device.clock.now();
  device.userid->tagsFor(vsys, query.source, now, query.source_tags);
  device.userid->tagsFor(vsys, query.destination, now, query.destination_tags);
}

}  // namespace trailwall::panossim
