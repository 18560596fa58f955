#pragma once
// PAN-OS XML for the firewall model (rule.h). Reading accepts what the device gives:
//  - a full configuration export (<config>…), from which the vsys' rulebase/security/rules,
//    its service objects and tags, and /config/shared service objects and tags are taken;
//  - a <response><result>…</result></response> of a config get or show, whose result holds any
//    of <rules>, <security>, <rulebase>, <service>, <service-group>, <tag>, a vsys <entry> or
//    <config>;
//  - one of those containers on its own (a <rules> fragment, …).
// Writing renders the <entry name="…"> element the XML API's set/edit takes, escaped by
// pugixml; names are validated. Errors are InvalidInput naming the element.

#include <pugixml.hpp>

#include <string>
#include <string_view>

#include "common/error.h"
#include "policy/rule.h"

namespace trailwall::policy {

// Parses rules, services, service groups and tags of vsys `vsys` (full exports only;
// other shapes carry one vsys already). A missing vsys in a full export is NotFound.
[[nodiscard]] Result<Rulebase> parseRulebaseXml(std::string_view xml,
                                                std::string_view vsys = "vsys1");

// One element each, for clients that already hold a parsed document.
[[nodiscard]] Result<SecurityRule> readRule(const pugi::xml_node& entry);
[[nodiscard]] Result<ServiceObject> readService(const pugi::xml_node& entry);
[[nodiscard]] Tag readTag(const pugi::xml_node& entry);
[[nodiscard]] AddressGroup readAddressGroup(const pugi::xml_node& entry);

// Parses a single "<entry name=…>" rule element from text.
[[nodiscard]] Result<SecurityRule> parseRuleXml(std::string_view xml);

// How much of the element to render. Whole: "<entry name='x'>…</entry>" (for set on the parent
// container). ChildrenOnly: the children without the entry (for set/edit on the entry's own
// xpath, as PAN-OS 11.0.3-h3 and later require for set).
enum class Render { Whole, ChildrenOnly };

// Fails when a name is invalid or a field holds text XML cannot carry.
[[nodiscard]] Result<std::string> renderRule(const SecurityRule& rule, Render how = Render::Whole);
[[nodiscard]] Result<std::string> renderService(const ServiceObject& service,
                                                Render how = Render::Whole);
[[nodiscard]] Result<std::string> renderTag(const Tag& tag, Render how = Render::Whole);
// A dynamic group as <dynamic><filter>; a filter holds at most 2047 characters (API-NOTES §12.5).
inline constexpr std::size_t kMaxFilterLength = 2047;
[[nodiscard]] Result<std::string> renderAddressGroup(const AddressGroup& group,
                                                     Render how = Render::Whole);

// Appends the rule's <entry> under `parent` (for builders of multi-config documents).
[[nodiscard]] Status appendRule(pugi::xml_node parent, const SecurityRule& rule);
[[nodiscard]] Status appendService(pugi::xml_node parent, const ServiceObject& service);
[[nodiscard]] Status appendTag(pugi::xml_node parent, const Tag& tag);
[[nodiscard]] Status appendAddressGroup(pugi::xml_node parent, const AddressGroup& group);

// A whole rulebase as a <config> export holding vsys `vsys` (tests, the sample rulebase and
// panos-sim seeds use it; the device itself never needs it).
[[nodiscard]] Result<std::string> renderRulebaseConfig(const Rulebase& rulebase,
                                                       std::string_view vsys = "vsys1");

}  // namespace trailwall::policy
