#include "panos/userid.h"

#include <fmt/format.h>

#include <cctype>

namespace trailwall::panos {
namespace {

constexpr std::string_view kHead =
    "<uid-message><version>1.0</version><type>update</type><payload>";
constexpr std::string_view kTail = "</payload></uid-message>";
// "type=user-id&cmd=" and room for "&vsys=…" (a vsys name is at most 31 characters).
constexpr std::size_t kFormOverhead = 17 + 64;

std::size_t encodedLength(std::string_view text) {
  std::size_t n = 0;
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    const bool unreserved = std::isalnum(c) != 0 || c == '-' || c == '.' || c == '_' || c == '~';
    n += unreserved ? 1 : 3;
  }
  return n;
}

// One <entry> of a register (with timeouts) or unregister element. Every field is checked before
// it is written: the address comes from IpAddress (its own text), tags pass
// validateRegistrationTag, the timeout is a number.
Result<std::string> entryXml(const net::IpAddress& address, const std::set<std::string>& tags,
                             std::optional<std::int64_t> timeout) {
  if (tags.size() > policy::kMaxTagsPerAddress) {
    return fail(ErrorCode::InvalidInput,
                fmt::format("{}: {} tags; PAN-OS registers at most {} per address",
                            address.toString(), tags.size(), policy::kMaxTagsPerAddress));
  }
  std::string out = fmt::format("<entry ip=\"{}\"{}><tag>", address.toString(),
                                timeout ? " persistent=\"1\"" : "");
  for (const auto& tag : tags) {
    if (auto ok = policy::validateRegistrationTag(tag, "registration tag"); !ok) {
      return std::unexpected(ok.error());
    }
    if (timeout) {
      out += fmt::format("<member timeout=\"{}\">{}</member>", *timeout, tag);
    } else {
      out += fmt::format("<member>{}</member>", tag);
    }
  }
  out += "</tag></entry>";
  return out;
}

// Builds messages entry by entry, starting a new one when the body would pass the bound.
class Batcher {
 public:
  explicit Batcher(std::size_t max_body) : max_body_(max_body) {}

  Status add(const std::string& element, std::string entry) {
    const std::size_t open = encodedLength(element) * 2 + 3;  // <x> and </x>
    const std::size_t size = encodedLength(entry);
    const std::size_t fixed = kFormOverhead + encodedLength(kHead) + encodedLength(kTail);
    if (fixed + open + size > max_body_) {
      return fail(ErrorCode::InvalidInput,
                  fmt::format("one User-ID entry needs {} bytes, more than a request may carry "
                              "({} bytes)",
                              fixed + open + size, max_body_));
    }
    const std::size_t budget = max_body_ - fixed;
    if (!current_.empty() && size_ + (element != element_ ? open : 0) + size > budget) finish();
    if (element != element_) {
      closeElement();
      current_ += "<" + element + ">";
      element_ = element;
      size_ += open;
    }
    current_ += entry;
    size_ += size;
    return {};
  }

  std::vector<std::string> done() {
    finish();
    return std::move(messages_);
  }

 private:
  void closeElement() {
    if (!element_.empty()) current_ += "</" + element_ + ">";
    element_.clear();
  }
  void finish() {
    if (current_.empty()) return;
    closeElement();
    messages_.push_back(std::string(kHead) + current_ + std::string(kTail));
    current_.clear();
    size_ = 0;
  }

  std::size_t max_body_;
  std::string current_;   // payload children so far
  std::string element_;   // the open <register> / <unregister>
  std::size_t size_ = 0;  // encoded size of current_ plus the closing tag
  std::vector<std::string> messages_;
};

}  // namespace

std::size_t userIdBodySize(std::string_view message) {
  return 17 + encodedLength(message);
}

Result<std::vector<std::string>> uidMessages(const policy::RegistrationChanges& changes,
                                             std::int64_t timeout_seconds,
                                             std::size_t max_body_bytes) {
  if (timeout_seconds < 1 || timeout_seconds > policy::kMaxRegistrationTimeoutSeconds) {
    return fail(ErrorCode::InvalidInput,
                fmt::format("registration timeout {} s is not between 1 and {} s", timeout_seconds,
                            policy::kMaxRegistrationTimeoutSeconds));
  }
  Batcher batcher(max_body_bytes);
  // Unregistrations first: a message cut by the bound never leaves an address with more tags
  // than it will end with.
  for (const auto& [address, tags] : changes.unregister_tags) {
    auto entry = entryXml(address, tags, std::nullopt);
    if (!entry) return std::unexpected(entry.error());
    if (auto ok = batcher.add("unregister", std::move(*entry)); !ok)
      return std::unexpected(ok.error());
  }
  for (const auto& [address, tags] : changes.register_tags) {
    auto entry = entryXml(address, tags, timeout_seconds);
    if (!entry) return std::unexpected(entry.error());
    if (auto ok = batcher.add("register", std::move(*entry)); !ok)
      return std::unexpected(ok.error());
  }
  return batcher.done();
}

std::string registeredIpCommand(std::size_t start_point, std::size_t limit) {
  return fmt::format(
      "<show><object><registered-ip><all/><limit>{}</limit><start-point>{}</start-point>"
      "</registered-ip></object></show>",
      limit, start_point);
}

Result<RegisteredPage> parseRegisteredIps(const ApiResponse& response) {
  RegisteredPage page;
  const auto result = response.result();
  if (result.child("msg").child("line").child("outfile")) {
    return fail(ErrorCode::Unsupported,
                "the firewall answers `show object registered-ip` with an output file (PAN-OS 7.1 "
                "or older): the tag layout needs PAN-OS 8.0 or later");
  }
  for (const auto& entry : result.children("entry")) {
    ++page.entries;
    auto address = net::IpAddress::parse(entry.attribute("ip").value());
    if (!address) continue;  // a range or network registration: not trailwall's
    auto& tags = page.mappings[*address];
    for (const auto& member : entry.child("tag").children("member")) {
      tags.insert(member.text().get());
    }
  }
  return page;
}

Result<UserIdReply> readUserIdReply(const ApiResponse& response, int http_status) {
  UserIdReply reply;
  if (response.success() && http_status < 400) return reply;
  const auto payload =
      response.root().child("msg").child("line").child("uid-response").child("payload");
  bool any = false;
  for (const auto& op : payload.children()) {
    for (const auto& entry : op.children("entry")) {
      any = true;
      const std::string_view message = entry.attribute("message").value();
      if (message.ends_with("already exists, ignore") || message.ends_with("ignore unreg")) {
        ++reply.ignored;
        continue;
      }
      reply.failures.push_back(
          fmt::format("{}: {}", entry.attribute("ip").value(), message.empty() ? "?" : message));
    }
  }
  if (!any)
    return std::unexpected(
        errorFromResponse(response, http_status, "sending User-ID registrations"));
  return reply;
}

}  // namespace trailwall::panos
