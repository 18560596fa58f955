#include "panos/policy_match.h"

#include <pugixml.hpp>

#include "net/address.h"
#include "panos/xml_util.h"

namespace trailwall::panos {
namespace {

constexpr std::string_view kIndexMarker = "; index:";

std::optional<int> parseIndex(std::string_view text) {
  const auto value = parseInteger(text);
  if (!value || *value < 0 || *value > 1'000'000'000) {
    return std::nullopt;
  }
  return static_cast<int>(*value);
}

// "NAME; index: N" → name and index; without the marker the whole text is the name.
MatchedRule splitNameIndex(std::string_view text) {
  text = trim(text);
  MatchedRule rule;
  const auto at = text.rfind(kIndexMarker);
  if (at == std::string_view::npos) {
    rule.name = std::string(text);
    return rule;
  }
  rule.name = std::string(trim(text.substr(0, at)));
  rule.index = parseIndex(text.substr(at + kIndexMarker.size()));
  return rule;
}

bool isAddress(std::string_view text) {
  return net::IpAddress::parse(text).has_value();
}

Status addText(pugi::xml_node parent, const char* name, std::string_view value,
               std::string_view what) {
  if (value.empty()) {
    return {};
  }
  if (auto v = validateXmlText(value, what); !v) {
    return v;
  }
  parent.append_child(name).text().set(std::string(value).c_str());
  return {};
}

}  // namespace

Result<std::string> policyMatchCommand(const PolicyMatchQuery& query) {
  if (!isAddress(query.source)) {
    return fail(ErrorCode::InvalidInput,
                "security-policy-match source must be one IP address, got '" + query.source + "'");
  }
  if (!isAddress(query.destination)) {
    return fail(ErrorCode::InvalidInput,
                "security-policy-match destination must be one IP "
                "address, got '" +
                    query.destination + "'");
  }
  if (query.protocol < 1 || query.protocol > 255) {
    return fail(ErrorCode::InvalidInput, "security-policy-match protocol must be 1–255, got " +
                                             std::to_string(query.protocol));
  }
  if (query.destination_port && (*query.destination_port < 0 || *query.destination_port > 65535)) {
    return fail(ErrorCode::InvalidInput, "security-policy-match port must be 0–65535, got " +
                                             std::to_string(*query.destination_port));
  }
  pugi::xml_document doc;
  auto match = doc.append_child("test").append_child("security-policy-match");
  for (const auto& status :
       {addText(match, "from", query.from, "source zone"),
        addText(match, "to", query.to, "destination zone"),
        addText(match, "source", query.source, "source"),
        addText(match, "destination", query.destination, "destination"),
        addText(match, "protocol", std::to_string(query.protocol), "protocol"),
        addText(match, "destination-port",
                query.destination_port ? std::to_string(*query.destination_port) : "", "port"),
        addText(match, "application", query.application, "application")}) {
    if (!status) {
      return std::unexpected(status.error());
    }
  }
  if (query.show_all) {
    match.append_child("show-all").text().set("yes");
  }
  return renderXml(doc.document_element());
}

std::vector<MatchedRule> parsePolicyMatchText(std::string_view text) {
  std::vector<MatchedRule> rules;
  bool in_block = false;
  while (!text.empty()) {
    const auto eol = text.find('\n');
    const auto line = trim(text.substr(0, eol));
    text = eol == std::string_view::npos ? std::string_view{} : text.substr(eol + 1);
    if (!line.empty() && line.front() == '"') {
      const auto close = line.rfind('"');
      if (close == 0) {
        continue;
      }
      rules.push_back(splitNameIndex(line.substr(1, close - 1)));
      in_block = line.find('{', close) != std::string_view::npos;
      continue;
    }
    if (line == "{" && !rules.empty()) {
      in_block = true;
      continue;
    }
    if (line.starts_with("}")) {
      in_block = false;
      continue;
    }
    constexpr std::string_view kAction = "action ";
    if (in_block && line.starts_with(kAction)) {
      auto value = trim(line.substr(kAction.size()));
      if (!value.empty() && value.back() == ';') {
        value.remove_suffix(1);
      }
      rules.back().action = std::string(trim(value));
    }
  }
  return rules;
}

std::vector<MatchedRule> parsePolicyMatch(const ApiResponse& response) {
  std::vector<MatchedRule> rules;
  const auto result = response.result();
  for (const auto& entry : result.child("rules").children("entry")) {
    const auto name = entry.attribute("name");
    if (!name.empty()) {
      MatchedRule rule;
      rule.name = std::string(trim(name.value()));
      rule.index = parseIndex(entry.child("index").text().get());
      rule.action = trimmedText(entry.child("action"));
      rules.push_back(std::move(rule));
    } else {
      const auto text = directText(entry);
      if (!text.empty()) {
        rules.push_back(splitNameIndex(text));
      }
    }
  }
  if (!rules.empty()) {
    return rules;
  }
  for (const auto& line : result.child("msg").children("line")) {
    auto parsed = parsePolicyMatchText(directText(line));
    rules.insert(rules.end(), parsed.begin(), parsed.end());
  }
  return rules;
}

}  // namespace trailwall::panos
