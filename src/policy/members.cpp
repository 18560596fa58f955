#include "policy/members.h"

#include <algorithm>

#include "net/address.h"

namespace trailwall::policy {
namespace {

Members canonicalSet(const Members& members) {
  Members out;
  out.reserve(members.size());
  for (const auto& m : members) out.push_back(canonicalMember(m));
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace

std::string canonicalMember(std::string_view member) {
  if (member.find_first_of(".:") == std::string_view::npos) return std::string(member);
  const auto cidr =
      net::Cidr::parse(member, {.allow_bare_address = true, .allow_host_bits = false});
  if (!cidr) return std::string(member);
  return cidr->isHost() ? cidr->network().toString() : cidr->toString();
}

bool sameMembers(const Members& a, const Members& b) {
  if (a == b) return true;
  return canonicalSet(a) == canonicalSet(b);
}

}  // namespace trailwall::policy
