#pragma once
// Trust anchors read lazily. A PEM bundle is split and each certificate indexed by the hash of
// its subject name without parsing the certificate; a certificate is parsed and handed to
// OpenSSL only when a verification asks for that subject. OpenSSL 3 takes 20-100 ms to parse
// the ~140 certificates of a system bundle, and a handshake needs one of them.

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

using X509_STORE = struct x509_store_st;
using X509 = struct x509_st;

namespace trailwall::http {

// The subject Name of a DER certificate (its tag and length included), or nullopt when the
// bytes are not a certificate as X.509 lays it out.
[[nodiscard]] std::optional<std::string_view> certificateSubject(std::string_view der);

// The DER certificates of a PEM text ("-----BEGIN CERTIFICATE-----" blocks; anything else is
// skipped, as OpenSSL does).
[[nodiscard]] std::vector<std::string> pemCertificates(std::string_view pem);

class CaIndex {
 public:
  ~CaIndex();
  CaIndex(const CaIndex&) = delete;
  CaIndex& operator=(const CaIndex&) = delete;

  // Errors: Io when the file cannot be read, InvalidInput when it holds no certificate.
  [[nodiscard]] static Result<std::unique_ptr<CaIndex>> fromPemFile(const std::string& path);
  [[nodiscard]] static Result<std::unique_ptr<CaIndex>> fromPem(std::string_view pem,
                                                                const std::string& source);

  [[nodiscard]] std::size_t size() const { return certificates_.size(); }
  // The DER certificates whose subject hashes to `hash` (OpenSSL's X509_NAME_hash).
  [[nodiscard]] std::vector<const std::string*> withSubjectHash(unsigned long hash) const;

  // Makes `store` ask this index for issuers. The index must outlive the store.
  [[nodiscard]] Status attachTo(X509_STORE* store);

 private:
  CaIndex() = default;
  std::vector<std::string> certificates_;
  std::multimap<unsigned long, std::size_t> by_subject_hash_;
  std::mutex mutex_;
  // Certificates parsed and added to the store, one reference each: OpenSSL's lookups hand
  // back borrowed pointers (the caller takes its own reference), so these keep them alive.
  std::map<std::size_t, X509*> parsed_;
  friend struct CaIndexLookup;
};

}  // namespace trailwall::http
