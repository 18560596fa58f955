#pragma once
// Which CA bundle TLS verification uses (AWS and the firewall): the configured one
// (firewall.ca_bundle, AWS_CA_BUNDLE) when set, else $SSL_CERT_FILE, else the first bundle of
// the usual distribution paths that exists — so the same binary verifies on Debian, on Amazon
// Linux (the Lambda runtime provided.al2023) and in a container. No bundle is an error;
// verification is never turned off for want of one.

#include <array>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "aws/environment.h"
#include "common/error.h"

namespace trailwall::cli {

// In the order they are tried.
inline constexpr std::array<std::string_view, 5> kDistributionCaBundles = {
    "/etc/pki/tls/certs/ca-bundle.crt",                   // Amazon Linux, RHEL, Fedora
    "/etc/ssl/certs/ca-certificates.crt",                 // Debian, Ubuntu, Alpine
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",  // RHEL, CentOS
    "/etc/ssl/ca-bundle.pem",                             // openSUSE, SLES
    "/etc/ssl/cert.pem",                                  // Alpine, BSDs
};

// `configured` names its setting in errors ("firewall.ca_bundle"). NotFound when a configured
// or $SSL_CERT_FILE bundle does not exist, or none of the distribution paths does.
[[nodiscard]] Result<std::string> findCaBundle(
    const std::optional<std::string>& configured, std::string_view configured_name,
    const aws::Environment& env, const std::function<bool(const std::string&)>& exists);

// A regular file (or a link to one) that exists.
[[nodiscard]] bool fileExists(const std::string& path);

}  // namespace trailwall::cli
