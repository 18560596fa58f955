#include "policy_match.h"

#include <algorithm>
#include <charconv>

#include "app_ids.h"
#include "xml_text.h"

namespace trailwall::panossim {
namespace {

bool listed(const std::vector<std::string>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

bool portMatches(const std::vector<ServicePorts>& specs, int protocol, std::optional<int> port) {
  for (const ServicePorts& sp : specs) {
    if (sp.protocol != protocol) {
      continue;
    }
    if (!port || net::portListContains(sp.ports, *port)) {
      return true;
    }
  }
  return false;
}

// Whether `app` on its default ports carries this protocol/port.
bool appDefaultMatches(std::string_view app, int protocol, std::optional<int> port) {
  const AppIdInfo* info = findAppId(app);
  if (info == nullptr) {
    return false;
  }
  for (const AppDefaultPort& d : info->defaults) {
    if (d.protocol != protocol) {
      continue;
    }
    if (d.low == 0 && d.high == 0) {
      return true;  // ICMP App-IDs: the protocol is the default
    }
    if (!port || (*port >= d.low && *port <= d.high)) {
      return true;
    }
  }
  return false;
}

bool serviceMatches(const CompiledRule& r, const MatchQuery& q) {
  if (r.service_any) {
    return true;
  }
  if (portMatches(r.service_ports, q.protocol, q.destination_port)) {
    return true;
  }
  if (!r.service_app_default) {
    return false;
  }
  // application-default: the port must be a default port of the application in question
  // (the queried one, or any application of the rule when the query names none).
  if (!q.application.empty()) {
    if (r.app_any) {
      return true;  // "any" application with application-default allows any port
    }
    return appDefaultMatches(q.application, q.protocol, q.destination_port);
  }
  if (r.app_any) {
    return true;
  }
  return std::any_of(r.apps.begin(), r.apps.end(), [&](const std::string& a) {
    return appDefaultMatches(a, q.protocol, q.destination_port);
  });
}

bool ruleMatches(const CompiledRule& r, const MatchQuery& q) {
  if (r.disabled) {
    return false;
  }
  if (!q.from.empty() && !r.from_any && !listed(r.from, q.from)) {
    return false;
  }
  if (!q.to.empty() && !r.to_any && !listed(r.to, q.to)) {
    return false;
  }
  if (!r.src.matches(q.source, q.source_tags) ||
      !r.dst.matches(q.destination, q.destination_tags)) {
    return false;
  }
  if (!q.application.empty() && !r.app_any && !listed(r.apps, q.application)) {
    return false;
  }
  if (!r.user_any && !q.source_user.empty() && !listed(r.source_user, q.source_user)) {
    return false;
  }
  if (!r.category_any && !q.category.empty() && !listed(r.category, q.category)) {
    return false;
  }
  return serviceMatches(r, q);
}

std::optional<int> parseInt(std::string_view text, int low, int high) {
  int value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < low || value > high) {
    return std::nullopt;
  }
  return value;
}

std::string joinedOrAny(const std::vector<std::string>& v) {
  if (v.empty()) {
    return "any";
  }
  std::string out;
  for (const std::string& s : v) {
    out += out.empty() ? "" : " ";
    out += s;
  }
  return out;
}

// "0:any/any/any/any 1:ssl/tcp/any/443": application/protocol/source-port/destination-port.
std::string applicationService(const CompiledRule& r) {
  std::vector<std::string> parts;
  const std::vector<std::string> apps = r.app_any ? std::vector<std::string>{"any"} : r.apps;
  for (const std::string& app : apps) {
    if (r.service_any) {
      parts.push_back(app + "/any/any/any");
      continue;
    }
    if (r.service_app_default) {
      if (const AppIdInfo* info = findAppId(app)) {
        for (const AppDefaultPort& d : info->defaults) {
          const std::string proto = d.protocol == kProtoTcp   ? "tcp"
                                    : d.protocol == kProtoUdp ? "udp"
                                                              : std::to_string(d.protocol);
          const std::string ports = d.low == 0 && d.high == 0 ? "any"
                                    : d.low == d.high
                                        ? std::to_string(d.low)
                                        : std::to_string(d.low) + "-" + std::to_string(d.high);
          parts.push_back(app + "/" + proto + "/any/" + ports);
        }
      } else {
        parts.push_back(app + "/any/any/any");
      }
    }
    for (const ServicePorts& sp : r.service_ports) {
      const std::string proto = sp.protocol == 6 ? "tcp" : sp.protocol == 17 ? "udp" : "sctp";
      parts.push_back(app + "/" + proto + "/any/" + net::formatPortList(sp.ports));
    }
  }
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    out += (i == 0 ? "" : " ") + std::to_string(i) + ":" + parts[i];
  }
  return out;
}

std::string textOrMembers(const std::vector<std::string>& v) {
  if (v.size() <= 1) {
    return escapeXml(v.empty() ? "any" : v.front());
  }
  std::string out;
  for (const std::string& s : v) {
    out += "<member>" + escapeXml(s) + "</member>";
  }
  return out;
}

std::string cliList(const std::vector<std::string>& v) {
  if (v.size() <= 1) {
    return v.empty() ? "any" : v.front();
  }
  return "[ " + joinedOrAny(v) + " ]";
}

}  // namespace

Result<MatchQuery> parseMatchQuery(const pugi::xml_node& node) {
  MatchQuery q;
  const auto field = [&](const char* name) -> std::string { return node.child(name).text().get(); };
  for (const char* required : {"source", "destination", "protocol"}) {
    if (!node.child(required)) {
      return fail(ErrorCode::InvalidInput, std::string(required) + " is missing");
    }
  }
  auto src = net::IpAddress::parse(field("source"));
  if (!src) {
    return fail(ErrorCode::InvalidInput, "source " + field("source") + " is not an IP address");
  }
  auto dst = net::IpAddress::parse(field("destination"));
  if (!dst) {
    return fail(ErrorCode::InvalidInput,
                "destination " + field("destination") + " is not an IP address");
  }
  const auto protocol = parseInt(field("protocol"), 1, 255);
  if (!protocol) {
    return fail(ErrorCode::InvalidInput, "protocol " + field("protocol") + " is not 1-255");
  }
  q.source = *src;
  q.destination = *dst;
  q.protocol = *protocol;
  if (node.child("destination-port")) {
    const auto port = parseInt(field("destination-port"), 0, 65535);
    if (!port) {
      return fail(ErrorCode::InvalidInput,
                  "destination-port " + field("destination-port") + " is not 0-65535");
    }
    q.destination_port = *port;
  }
  q.from = field("from");
  q.to = field("to");
  q.application = field("application");
  q.source_user = field("source-user");
  q.category = field("category");
  q.show_all = field("show-all") == "yes";
  return q;
}

std::vector<std::size_t> matchRules(const std::vector<CompiledRule>& rules,
                                    const MatchQuery& query) {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < rules.size(); ++i) {
    if (ruleMatches(rules[i], query)) {
      out.push_back(i);
      if (!query.show_all) {
        break;
      }
    }
  }
  return out;
}

std::string renderMatchResult(const std::vector<CompiledRule>& rules,
                              const std::vector<std::size_t>& matches, std::string_view format) {
  if (matches.empty()) {
    // No source shows the device's no-match reply; an empty rules list is what clients
    // (pan-os-ansible, XSOAR) read as "no match" (API-NOTES.md section 6.1, assumption).
    return "<result><rules/></result>";
  }
  if (format == "text") {
    std::string out = "<result><rules>\n";
    for (std::size_t i : matches) {
      out += "\t<entry>" + escapeXml(rules[i].name) + "; index: " + std::to_string(rules[i].index) +
             "</entry>\n";
    }
    return out + "</rules>\n</result>";
  }
  if (format == "msg-line") {
    std::string text;
    for (std::size_t i : matches) {
      const CompiledRule& r = rules[i];
      text += "\"" + r.name + "; index: " + std::to_string(r.index) + "\" {\n";
      text += "        from " + cliList(r.from) + ";\n";
      text += "        source " + cliList(r.source) + ";\n";
      text += "        source-region none;\n";
      text += "        to " + cliList(r.to) + ";\n";
      text += "        destination " + cliList(r.destination) + ";\n";
      text += "        destination-region none;\n";
      text += "        user " + cliList(r.source_user) + ";\n";
      text += "        category " + cliList(r.category) + ";\n";
      text += "        application/service [" + applicationService(r) + " ];\n";
      text += "        action " + r.action + ";\n";
      text += "        icmp-unreachable: no\n";
      text += "        terminal yes;\n}\n\n";
    }
    return "<result><msg><line>" + cdata(text) + "</line></msg></result>";
  }
  std::string out = "<result><rules>";
  for (std::size_t i : matches) {
    const CompiledRule& r = rules[i];
    out += "<entry name=\"" + escapeXml(r.name) + "\">";
    out += "<index>" + std::to_string(r.index) + "</index>";
    out += "<from>" + textOrMembers(r.from) + "</from>";
    out += "<source>" + textOrMembers(r.source) + "</source>";
    out += "<source-region>none</source-region>";
    out += "<to>";
    for (const std::string& z : r.to.empty() ? std::vector<std::string>{"any"} : r.to) {
      out += "<member>" + escapeXml(z) + "</member>";
    }
    out += "</to>";
    out += "<destination>" + textOrMembers(r.destination) + "</destination>";
    out += "<destination-region>none</destination-region>";
    out += "<user>" + textOrMembers(r.source_user) + "</user>";
    out += "<source-device>any</source-device>";
    // The device's own spelling (reference fixture and ntc-templates CLI capture).
    out += "<destinataion-device>any</destinataion-device>";
    out += "<category>" + textOrMembers(r.category) + "</category>";
    out += "<application_service>" + escapeXml(applicationService(r)) + "</application_service>";
    out += "<action>" + escapeXml(r.action) + "</action>";
    out += "<icmp-unreachable>no</icmp-unreachable>";
    out += "<terminal>yes</terminal>";
    out += "</entry>";
  }
  return out + "</rules></result>";
}

}  // namespace trailwall::panossim
