#pragma once
// A self-signed certificate for 127.0.0.1/localhost, made with OpenSSL at start so the
// simulator serves HTTPS without files. Clients trust it through certificatePem().

#include <memory>
#include <string>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "common/error.h"

namespace trailwall::panossim {

struct X509Deleter {
  void operator()(X509* x) const { X509_free(x); }
};
struct PkeyDeleter {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};

struct SelfSigned {
  std::unique_ptr<X509, X509Deleter> cert;
  std::unique_ptr<EVP_PKEY, PkeyDeleter> key;
  std::string cert_pem;
};

// An EC P-256 key and a certificate valid for a year with SAN localhost and 127.0.0.1.
// Internal when OpenSSL fails.
[[nodiscard]] Result<SelfSigned> makeSelfSigned();

// PEM text of a certificate file (to hand to clients); Io when unreadable.
[[nodiscard]] Result<std::string> readPemFile(const std::string& path);

}  // namespace trailwall::panossim
