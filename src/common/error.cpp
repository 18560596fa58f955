#include "common/error.h"

namespace trailwall {

std::string_view to_string(ErrorCode code) {
  switch (code) {
    case ErrorCode::InvalidInput: return "invalid input";
    case ErrorCode::NotFound: return "not found";
    case ErrorCode::Io: return "I/O error";
    case ErrorCode::Network: return "network error";
    case ErrorCode::Timeout: return "timeout";
    case ErrorCode::Auth: return "authentication failed";
    case ErrorCode::Denied: return "permission denied";
    case ErrorCode::Conflict: return "conflict";
    case ErrorCode::Throttled: return "throttled";
    case ErrorCode::Remote: return "remote error";
    case ErrorCode::Config: return "configuration error";
    case ErrorCode::Unsupported: return "unsupported";
    case ErrorCode::Failover: return "HA failover";
    case ErrorCode::Internal: return "internal error";
  }
  return "unknown error";
}

std::string_view errorLabel(ErrorCode code) {
  switch (code) {
    case ErrorCode::InvalidInput: return "invalid_input";
    case ErrorCode::NotFound: return "not_found";
    case ErrorCode::Io: return "io";
    case ErrorCode::Network: return "network";
    case ErrorCode::Timeout: return "timeout";
    case ErrorCode::Auth: return "auth";
    case ErrorCode::Denied: return "denied";
    case ErrorCode::Conflict: return "conflict";
    case ErrorCode::Throttled: return "throttled";
    case ErrorCode::Remote: return "remote";
    case ErrorCode::Config: return "config";
    case ErrorCode::Unsupported: return "unsupported";
    case ErrorCode::Failover: return "failover";
    case ErrorCode::Internal: return "internal";
  }
  return "internal";
}

Error Error::withContext(std::string_view context) const {
  Error e = *this;
  e.message = std::string(context) + ": " + message;
  return e;
}

std::string to_string(const Error& error) {
  return std::string(to_string(error.code)) + ": " + error.message;
}

}  // namespace trailwall
