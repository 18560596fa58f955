#pragma once
// The one error type of trailwall: a code a program can branch on and a message a person can
// act on. Every fallible function returns Result<T> (std::expected); project code never throws.

#include <expected>
#include <string>
#include <string_view>
#include <utility>

namespace trailwall {

enum class ErrorCode {
  InvalidInput,  // malformed or out-of-range input (a file, a record, a flag, a field)
  NotFound,      // the thing named does not exist
  Io,            // local file or stream failure
  Network,       // connection, TLS or transport failure
  Timeout,       // a bounded wait ran out
  Auth,          // missing, wrong or expired credentials
  Denied,        // authenticated, but not allowed
  Conflict,      // a lock or concurrent change prevents the operation now
  Throttled,     // the remote side asked us to slow down
  Remote,        // the remote side answered with an error we do not classify further
  Config,        // trailwall's own configuration is wrong or incomplete
  Unsupported,   // the request is valid but this device or version cannot do it
  Failover,      // the HA peer written to stopped being the active one; its peer is active now
  Internal,      // a bug in trailwall
};

[[nodiscard]] std::string_view to_string(ErrorCode code);
// The code as a machine-readable label ("invalid_input", "timeout", ...): JSON error kinds and
// metric labels.
[[nodiscard]] std::string_view errorLabel(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::Internal;
  std::string message;

  // Prefixes context ("while reading x: ") so errors say where they happened.
  [[nodiscard]] Error withContext(std::string_view context) const;
};

[[nodiscard]] std::string to_string(const Error& error);

template <class T>
using Result = std::expected<T, Error>;

using Status = std::expected<void, Error>;

[[nodiscard]] inline std::unexpected<Error> fail(ErrorCode code, std::string message) {
  return std::unexpected<Error>(Error{code, std::move(message)});
}

}  // namespace trailwall
