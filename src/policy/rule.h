#pragma once
// The firewall side of the model: PAN-OS security rules, service objects and tags as plain
// data, read from and written to the device's XML by rulebase_xml.h. Children this model does
// not name are kept verbatim in `extra_xml`, so a rule read and written back loses nothing.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.h"

namespace trailwall::policy {

using Members = std::vector<std::string>;

// <profile-setting>: either a profile group or individual profiles (virus, spyware, …).
struct ProfileSetting {
  Members group;
  std::vector<std::pair<std::string, Members>> profiles;  // (profile type, members) in order

  friend bool operator==(const ProfileSetting&, const ProfileSetting&) = default;
};

// A security rule <entry>. Member lists hold the device's text ("any", names, addresses).
struct SecurityRule {
  std::string name;
  std::string uuid;  // read from the device (9.0+); never rendered, the device owns it
  Members from;
  Members to;
  Members source;
  Members destination;
  Members source_user;
  Members category;
  Members application;
  Members service;
  Members source_hip;
  Members destination_hip;
  Members tag;
  std::string action;  // allow | deny | drop | reset-client | reset-server | reset-both
  std::string description;
  bool disabled = false;
  bool negate_source = false;
  bool negate_destination = false;
  std::optional<ProfileSetting> profile_setting;
  std::string log_setting;
  std::optional<bool> log_start;
  std::optional<bool> log_end;
  std::string rule_type;  // universal | intrazone | interzone; empty = device default
  std::string schedule;
  std::string group_tag;
  std::vector<std::string> extra_xml;  // other children (option, qos, target, …) as XML text

  [[nodiscard]] bool hasTag(std::string_view tag_name) const;

  friend bool operator==(const SecurityRule&, const SecurityRule&) = default;
};

// A service object: one protocol (tcp, udp or sctp) with destination and source port lists.
struct ServiceObject {
  std::string name;
  std::string protocol;     // tcp | udp | sctp
  std::string port;         // "443", "8000-8099", "80,443"
  std::string source_port;  // empty = any
  std::string description;
  Members tag;
  std::vector<std::string> extra_xml;  // other children of <protocol><tcp|udp|sctp> (override)

  [[nodiscard]] bool hasTag(std::string_view tag_name) const;

  friend bool operator==(const ServiceObject&, const ServiceObject&) = default;
};

struct Tag {
  std::string name;
  std::string color;  // color1 … ; empty = none
  std::string comments;

  friend bool operator==(const Tag&, const Tag&) = default;
};

// An address group: dynamic (a tag filter, the tag layout's DAGs) or static (members). Only
// the fields trailwall writes are modelled; other children are kept in `extra_xml`.
struct AddressGroup {
  std::string name;
  std::string filter;      // dynamic: "'trailwall.sg-0a1b'"; empty for a static group
  Members static_members;  // static groups
  std::string description;
  Members tag;
  std::vector<std::string> extra_xml;

  [[nodiscard]] bool hasTag(std::string_view tag_name) const;

  friend bool operator==(const AddressGroup&, const AddressGroup&) = default;
};

struct ServiceGroup {
  std::string name;
  Members members;

  friend bool operator==(const ServiceGroup&, const ServiceGroup&) = default;
};

// What trailwall reads from one vsys: its security rules in rulebase order, its service objects
// and service groups (shared groups too) and tags, and the service objects and tags of
// /config/shared. Groups matter because a service object that is a group member cannot be
// deleted. Shared objects are only read: a managed service reuses a shared one of the same
// definition, a managed name never collides with a shared one, and trailwall never edits or
// deletes them.
struct Rulebase {
  std::vector<SecurityRule> rules;
  std::vector<ServiceObject> services;
  std::vector<ServiceGroup> service_groups;
  std::vector<Tag> tags;
  std::vector<AddressGroup> address_groups;  // the vsys' (tag layout: DAGs)
  std::vector<ServiceObject> shared_services;
  std::vector<Tag> shared_tags;

  [[nodiscard]] const SecurityRule* findRule(std::string_view name) const;
  [[nodiscard]] const ServiceObject* findService(std::string_view name) const;
  [[nodiscard]] const Tag* findTag(std::string_view name) const;
  [[nodiscard]] const AddressGroup* findAddressGroup(std::string_view name) const;

  friend bool operator==(const Rulebase&, const Rulebase&) = default;
};

// PAN-OS names of rules, services and tags: 1-63 characters, starting with a letter, digit or
// underscore, then letters, digits, '_', '-', '.' and spaces. InvalidInput naming `what`.
inline constexpr std::size_t kMaxNameLength = 63;
[[nodiscard]] Status validateName(std::string_view name, std::string_view what);

// Descriptions are at most 1023 characters on PAN-OS.
inline constexpr std::size_t kMaxDescriptionLength = 1023;

}  // namespace trailwall::policy
