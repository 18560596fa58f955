#pragma once
// <test><security-policy-match>: the first (or, with show-all, every) security rule of the
// running configuration that a described flow matches, in rule order, disabled rules skipped.
// Semantics as on the firewall: zones, source/destination (any, addresses, ranges, objects,
// groups, negation), applications (any, names, groups) with application-default resolved
// through the built-in App-ID table, services (any, application-default, objects, groups,
// port lists and ranges), source-user and category.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <pugixml.hpp>

#include "common/error.h"
#include "net/address.h"
#include "objects.h"

namespace trailwall::panossim {

struct MatchQuery {
  std::string from, to;  // empty: any zone
  net::IpAddress source, destination;
  int protocol = 6;
  std::optional<int> destination_port;  // absent: not constrained
  std::string application;              // empty: not constrained
  std::string source_user, category;    // empty: not constrained
  bool show_all = false;
  // Tags registered for source and destination (User-ID), filled in by the caller from the
  // device's table so that dynamic address groups match (not part of the request).
  std::vector<std::string> source_tags, destination_tags;
};

// Reads the children of <security-policy-match>. InvalidInput names the bad or missing field
// (source, destination and protocol are required, as pan-os-python documents).
[[nodiscard]] Result<MatchQuery> parseMatchQuery(const pugi::xml_node& node);

// Indexes into `rules` of the matches, in order (one unless show_all).
[[nodiscard]] std::vector<std::size_t> matchRules(const std::vector<CompiledRule>& rules,
                                                  const MatchQuery& query);

// The reply's <result> element in one of the device's shapes:
//  "structured" <rules><entry name=…><index>… (reference op-security-policy-match-rules-entry-
//               fixture.xml, the default), "text" <rules><entry>NAME; index: N</entry>
//               (op-security-policy-match-old-entry-text.xml), "msg-line" CLI text in CDATA
//               (op-security-policy-match-81-msg-line.xml).
[[nodiscard]] std::string renderMatchResult(const std::vector<CompiledRule>& rules,
                                            const std::vector<std::size_t>& matches,
                                            std::string_view format);

}  // namespace trailwall::panossim
