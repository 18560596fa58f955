#include "http/ca_index.h"

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <fstream>
#include <sstream>

namespace trailwall::http {

namespace {

// One DER TLV: its tag, and where its content starts and ends within `der`.
struct Tlv {
  unsigned char tag = 0;
  std::size_t content = 0;
  std::size_t end = 0;
};

std::optional<Tlv> readTlv(std::string_view der, std::size_t at) {
  if (at + 2 > der.size()) return std::nullopt;
  Tlv t;
  t.tag = static_cast<unsigned char>(der[at]);
  std::size_t length = static_cast<unsigned char>(der[at + 1]);
  std::size_t header = 2;
  if (length & 0x80) {
    const std::size_t bytes = length & 0x7f;
    if (bytes == 0 || bytes > 4 || at + 2 + bytes > der.size()) return std::nullopt;
    length = 0;
    for (std::size_t i = 0; i < bytes; ++i) {
      length = (length << 8) | static_cast<unsigned char>(der[at + 2 + i]);
    }
    header += bytes;
  }
  t.content = at + header;
  t.end = t.content + length;
  if (t.end > der.size()) return std::nullopt;
  return t;
}

unsigned long nameHash(std::string_view subject_der) {
  const auto* p = reinterpret_cast<const unsigned char*>(subject_der.data());
  X509_NAME* name = d2i_X509_NAME(nullptr, &p, static_cast<long>(subject_der.size()));
  if (name == nullptr) return 0;
  int ok = 0;
  const unsigned long hash = X509_NAME_hash_ex(name, nullptr, nullptr, &ok);
  X509_NAME_free(name);
  return ok == 1 ? hash : 0;
}

}  // namespace

std::optional<std::string_view> certificateSubject(std::string_view der) {
  const auto cert = readTlv(der, 0);
  if (!cert || cert->tag != 0x30) return std::nullopt;
  const auto tbs = readTlv(der, cert->content);
  if (!tbs || tbs->tag != 0x30) return std::nullopt;
  std::size_t at = tbs->content;
  // [0] version (optional), serialNumber, signature, issuer, validity, then subject.
  auto field = readTlv(der, at);
  if (field && field->tag == 0xa0) {
    at = field->end;
  }
  for (const int expected : {0x02, 0x30, 0x30, 0x30}) {
    field = readTlv(der, at);
    if (!field || field->tag != expected || field->end > tbs->end) return std::nullopt;
    at = field->end;
  }
  field = readTlv(der, at);
  if (!field || field->tag != 0x30 || field->end > tbs->end) return std::nullopt;
  return der.substr(at, field->end - at);
}

std::vector<std::string> pemCertificates(std::string_view pem) {
  static constexpr std::string_view kBegin = "-----BEGIN CERTIFICATE-----";
  static constexpr std::string_view kEnd = "-----END CERTIFICATE-----";
  std::vector<std::string> out;
  for (auto begin = pem.find(kBegin); begin != std::string_view::npos;
       begin = pem.find(kBegin, begin)) {
    const auto body = begin + kBegin.size();
    const auto end = pem.find(kEnd, body);
    if (end == std::string_view::npos) break;
    std::string base64;
    for (const char c : pem.substr(body, end - body)) {
      if (c != '\n' && c != '\r' && c != ' ' && c != '\t') base64.push_back(c);
    }
    begin = end + kEnd.size();
    if (base64.size() % 4 != 0) continue;
    std::string der(base64.size() / 4 * 3, '\0');
    const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(der.data()),
                                  reinterpret_cast<const unsigned char*>(base64.data()),
                                  static_cast<int>(base64.size()));
    if (n < 0) continue;
    std::size_t length = static_cast<std::size_t>(n);
    for (auto it = base64.rbegin(); it != base64.rend() && *it == '='; ++it) --length;
    der.resize(length);
    out.push_back(std::move(der));
  }
  return out;
}

Result<std::unique_ptr<CaIndex>> CaIndex::fromPem(std::string_view pem, const std::string& source) {
  std::unique_ptr<CaIndex> index(new CaIndex());
  for (auto& der : pemCertificates(pem)) {
    const auto subject = certificateSubject(der);
    if (!subject) continue;  // not a certificate OpenSSL could use either
    index->by_subject_hash_.emplace(nameHash(*subject), index->certificates_.size());
    index->certificates_.push_back(std::move(der));
  }
  if (index->certificates_.empty()) {
    return fail(ErrorCode::InvalidInput, source + " holds no PEM certificate");
  }
  return index;
}

Result<std::unique_ptr<CaIndex>> CaIndex::fromPemFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(ErrorCode::Io, "cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return fail(ErrorCode::Io, "cannot read " + path);
  return fromPem(text.str(), path);
}

std::vector<const std::string*> CaIndex::withSubjectHash(unsigned long hash) const {
  std::vector<const std::string*> out;
  const auto [first, last] = by_subject_hash_.equal_range(hash);
  for (auto it = first; it != last; ++it) out.push_back(&certificates_[it->second]);
  return out;
}

// The X509_LOOKUP that answers OpenSSL's "certificate with this subject?" from a CaIndex.
struct CaIndexLookup {
  static int bySubject(X509_LOOKUP* lookup, X509_LOOKUP_TYPE type, const X509_NAME* name,
                       X509_OBJECT* ret) {
    auto* index = static_cast<CaIndex*>(X509_LOOKUP_get_method_data(lookup));
    if (type != X509_LU_X509 || index == nullptr) return 0;
    int ok = 0;
    const unsigned long hash = X509_NAME_hash_ex(name, nullptr, nullptr, &ok);
    if (ok != 1) return 0;
    X509_STORE* store = X509_LOOKUP_get_store(lookup);
    int found = 0;
    const std::lock_guard lock(index->mutex_);
    const auto [first, last] = index->by_subject_hash_.equal_range(hash);
    for (auto it = first; it != last; ++it) {
      X509*& cert = index->parsed_[it->second];
      if (cert == nullptr) {
        const std::string& der = index->certificates_[it->second];
        const auto* p = reinterpret_cast<const unsigned char*>(der.data());
        cert = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
        if (cert == nullptr) continue;
        X509_STORE_add_cert(store, cert);
      }
      if (found == 0 && X509_NAME_cmp(X509_get_subject_name(cert), name) == 0) {
        // Borrowed, as OpenSSL's own lookups return it: the caller takes its own reference and
        // never frees this one, so the one set1 took is given back (parsed_ keeps it alive).
        found = X509_OBJECT_set1_X509(ret, cert);
        if (found != 0) X509_free(cert);
      }
    }
    return found;
  }
};

CaIndex::~CaIndex() {
  for (const auto& [_, cert] : parsed_) X509_free(cert);
}

Status CaIndex::attachTo(X509_STORE* store) {
  static X509_LOOKUP_METHOD* method = [] {
    X509_LOOKUP_METHOD* m = X509_LOOKUP_meth_new("trailwall CA index");
    X509_LOOKUP_meth_set_get_by_subject(m, &CaIndexLookup::bySubject);
    return m;
  }();
  X509_LOOKUP* lookup = method != nullptr ? X509_STORE_add_lookup(store, method) : nullptr;
  if (lookup == nullptr || X509_LOOKUP_set_method_data(lookup, this) != 1) {
    return fail(ErrorCode::Internal, "cannot install the CA lookup");
  }
  return {};
}

}  // namespace trailwall::http
