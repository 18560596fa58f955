#include "userid_table.h"

#include <algorithm>

namespace trailwall::panossim {

Result<std::pair<std::string, net::IpRange>> UserIdTable::parseAddress(std::string_view text) {
  if (text.find('-') != std::string_view::npos) {
    auto range = net::IpRange::parse(text);
    if (!range) {
      return std::unexpected(range.error());
    }
    return std::pair{range->toString(), *range};
  }
  if (text.find('/') != std::string_view::npos) {
    auto cidr = net::Cidr::parse(text);
    if (!cidr) {
      return std::unexpected(cidr.error());
    }
    return std::pair{cidr->toString(), net::IpRange::of(*cidr)};
  }
  auto ip = net::IpAddress::parse(text);
  if (!ip) {
    return std::unexpected(ip.error());
  }
  return std::pair{ip->toString(), net::IpRange::of(net::Cidr::host(*ip))};
}

RegisterOutcome UserIdTable::add(const std::string& vsys,
                                 const std::pair<std::string, net::IpRange>& address,
                                 const std::string& tag, bool persistent,
                                 std::chrono::seconds timeout, Time now,
                                 std::size_t max_addresses) {
  expire(now);
  Vsys& v = vsys_[vsys];
  auto it = v.entries.find(address.second);
  if (it == v.entries.end()) {
    if (addresses_ >= max_addresses) {
      return RegisterOutcome::TableFull;
    }
    Registration r;
    r.ip = address.first;
    r.range = address.second;
    it = v.entries.emplace(address.second, std::move(r)).first;
    ++addresses_;
    if (address.second.first() != address.second.last()) {
      ++v.non_hosts;
    }
  }
  Registration& r = it->second;
  r.persistent = persistent;
  const std::optional<Time> expires =
      timeout.count() > 0 ? std::optional<Time>(now + timeout) : std::nullopt;
  auto mapping =
      std::find_if(r.tags.begin(), r.tags.end(), [&](const TagMapping& m) { return m.tag == tag; });
  RegisterOutcome outcome = RegisterOutcome::AlreadyExists;
  if (mapping == r.tags.end()) {
    if (r.tags.size() >= kMaxTagsPerAddress) {
      return RegisterOutcome::TooManyTags;
    }
    r.tags.push_back({tag, expires});
    outcome = RegisterOutcome::Added;
  } else {
    // A repeated registration restarts the timeout.
    if (mapping->expires) {
      expiries_.erase(ExpiryKey{*mapping->expires, vsys, address.second, tag});
    }
    mapping->expires = expires;
  }
  if (expires) {
    expiries_.emplace(*expires, vsys, address.second, tag);
  }
  return outcome;
}

void UserIdTable::erase(const std::string& vsys, Vsys& v, Entries::iterator it) {
  for (const TagMapping& m : it->second.tags) {
    if (m.expires) {
      expiries_.erase(ExpiryKey{*m.expires, vsys, it->first, m.tag});
    }
  }
  if (it->first.first() != it->first.last()) {
    --v.non_hosts;
  }
  v.entries.erase(it);
  --addresses_;
}

UnregisterOutcome UserIdTable::remove(const std::string& vsys, const net::IpRange& range,
                                      const std::string& tag, Time now) {
  expire(now);
  auto v = vsys_.find(vsys);
  if (v == vsys_.end()) {
    return UnregisterOutcome::NoSuchAddress;
  }
  auto it = v->second.entries.find(range);
  if (it == v->second.entries.end()) {
    return UnregisterOutcome::NoSuchAddress;
  }
  std::vector<TagMapping>& tags = it->second.tags;
  auto mapping =
      std::find_if(tags.begin(), tags.end(), [&](const TagMapping& m) { return m.tag == tag; });
  if (mapping == tags.end()) {
    return UnregisterOutcome::NoSuchTag;
  }
  if (mapping->expires) {
    expiries_.erase(ExpiryKey{*mapping->expires, vsys, range, tag});
  }
  tags.erase(mapping);
  if (tags.empty()) {
    erase(vsys, v->second, it);
  }
  return UnregisterOutcome::Removed;
}

bool UserIdTable::removeAll(const std::string& vsys, const net::IpRange& range, Time now) {
  expire(now);
  auto v = vsys_.find(vsys);
  if (v == vsys_.end()) {
    return false;
  }
  auto it = v->second.entries.find(range);
  if (it == v->second.entries.end()) {
    return false;
  }
  erase(vsys, v->second, it);
  return true;
}

void UserIdTable::expire(Time now) {
  while (!expiries_.empty() && std::get<0>(*expiries_.begin()) <= now) {
    const auto [when, vsys, range, tag] = *expiries_.begin();
    expiries_.erase(expiries_.begin());
    auto v = vsys_.find(vsys);
    if (v == vsys_.end()) {
      continue;
    }
    auto it = v->second.entries.find(range);
    if (it == v->second.entries.end()) {
      continue;
    }
    std::vector<TagMapping>& tags = it->second.tags;
    // Only when the mapping still ends then: a later registration may have restarted it.
    auto mapping = std::find_if(tags.begin(), tags.end(), [&](const TagMapping& m) {
      return m.tag == tag && m.expires && *m.expires == when;
    });
    if (mapping == tags.end()) {
      continue;
    }
    tags.erase(mapping);
    if (tags.empty()) {
      erase(vsys, v->second, it);
    }
  }
}

const UserIdTable::Entries* UserIdTable::entries(const std::string& vsys, Time now) {
  expire(now);
  auto v = vsys_.find(vsys);
  return v == vsys_.end() ? nullptr : &v->second.entries;
}

void UserIdTable::tagsFor(const std::string& vsys, const net::IpAddress& address, Time now,
                          std::vector<std::string>& out) {
  expire(now);
  auto v = vsys_.find(vsys);
  if (v == vsys_.end()) {
    return;
  }
  const auto append = [&](const Registration& r) {
    for (const TagMapping& m : r.tags) {
      out.push_back(m.tag);
    }
  };
  const Entries& entries = v->second.entries;
  if (auto it = entries.find(net::IpRange::of(net::Cidr::host(address))); it != entries.end()) {
    append(it->second);
  }
  if (v->second.non_hosts == 0) {
    return;
  }
  for (const auto& [range, r] : entries) {
    if (range.first() != range.last() && range.contains(address)) {
      append(r);
    }
  }
}

std::size_t UserIdTable::addressCount(Time now) {
  expire(now);
  return addresses_;
}

void UserIdTable::clear() {
  vsys_.clear();
  expiries_.clear();
  addresses_ = 0;
}

}  // namespace trailwall::panossim
