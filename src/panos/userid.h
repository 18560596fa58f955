#pragma once
// The User-ID XML API as the tag layout uses it (API-NOTES §12): IP-to-tag registrations sent as
// `type=user-id` uid-messages (register with a timeout, unregister), batched into as few requests
// as the 5 MB body limit allows, and the registrations read back with `show object registered-ip`,
// paged as the device pages them. Registrations are runtime state: no commit.
//
// Pure helpers (message building, reply parsing) are free functions so they can be tested
// without a device; PanOsFirewall (firewall.h) sends them through PanOsClient.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common/error.h"
#include "panos/response.h"
#include "policy/tag_layout.h"

namespace trailwall::panos {

// "Limit the query size to 5MB" (NGFW-UID, API-NOTES §12.1): the whole form-encoded body.
inline constexpr std::size_t kMaxUserIdBodyBytes = 5 * 1024 * 1024;
// Entries per page of `show object registered-ip` (the most PAN-OS is known to return).
inline constexpr std::size_t kRegisteredIpPageSize = 500;

// The uid-messages carrying `changes`: every registered tag with timeout="timeout_seconds",
// unregistrations without attributes; split so that each request body (type=user-id&cmd=…,
// form-encoded) stays within `max_body_bytes`. No message when `changes` is empty.
// InvalidInput when a tag fails policy::validateRegistrationTag, an address would carry more than
// 32 tags, the timeout is not 1-2592000, or one address' entry alone exceeds the bound.
[[nodiscard]] Result<std::vector<std::string>> uidMessages(
    const policy::RegistrationChanges& changes, std::int64_t timeout_seconds,
    std::size_t max_body_bytes = kMaxUserIdBodyBytes);

// The size of the form-encoded body that carries `message` (what the 5 MB bound applies to).
[[nodiscard]] std::size_t userIdBodySize(std::string_view message);

// <show><object><registered-ip><all/><limit>L</limit><start-point>S</start-point>…
// (1-based start point).
[[nodiscard]] std::string registeredIpCommand(std::size_t start_point,
                                              std::size_t limit = kRegisteredIpPageSize);

struct RegisteredPage {
  policy::Mappings mappings;  // every tag of every entry, anybody's
  std::size_t entries = 0;    // <entry> elements in this page
};

// One page of the reply (op-show-registered-ip-all-pandev.xml). An entry whose ip is not an
// address (a PAN-OS 10 range or network registration) is skipped: trailwall registers hosts
// only. InvalidInput for the PAN-OS 7.1 <outfile> form ("upgrade to 8.0+").
[[nodiscard]] Result<RegisteredPage> parseRegisteredIps(const ApiResponse& response);

// What a uid-message's reply said. Replies with entry messages have status="error" even when the
// device applied every other entry (pango #98); "already exists, ignore" (a refresh) and
// "does not exist, ignore unreg" (already gone) are not failures.
struct UserIdReply {
  std::size_t ignored = 0;            // entries with one of those two messages
  std::vector<std::string> failures;  // "<ip>: <message>" of every other entry message
};

// Reads a uid-message reply. An error reply without entry messages (malformed message, bad vsys)
// is an Error carrying the device's code and text.
[[nodiscard]] Result<UserIdReply> readUserIdReply(const ApiResponse& response, int http_status);

}  // namespace trailwall::panos
