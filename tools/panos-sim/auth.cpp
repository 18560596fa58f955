// type=keygen and authentication: keys derived from the administrator, their password hash and
// the device's master key; the key= parameter, the X-PAN-KEY header and HTTP Basic.
#include <crypt.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "api.h"

namespace trailwall::panossim {
namespace {

std::string base64(const unsigned char* data, std::size_t size) {
  std::string out(4 * ((size + 2) / 3), '\0');
  const int n =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(size));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::optional<std::string> unbase64(std::string_view text) {
  if (text.empty() || text.size() % 4 != 0 || text.size() > 4096) {
    return std::nullopt;
  }
  std::string out(text.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  if (n < 0) {
    return std::nullopt;
  }
  std::size_t len = static_cast<std::size_t>(n);
  for (std::size_t i = text.size(); i > 0 && text[i - 1] == '='; --i) {
    --len;
  }
  out.resize(len);
  return out;
}

// Like the device, the key is a function of the administrator, their password hash and the
// device's master key: the same user and password give the same key, and a changed password
// invalidates it (BLOG in API-NOTES.md section 2). Real keys are base64 of "-AQ==…", hence the
// "LUFRPT" prefix.
std::string deriveKey(const std::string& master, const std::string& user,
                      const std::string& phash) {
  const std::string material = user + '\n' + phash;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  HMAC(EVP_sha256(), master.data(), static_cast<int>(master.size()),
       reinterpret_cast<const unsigned char*>(material.data()), material.size(), mac, &mac_len);
  const std::string inner = "-AQ==" + base64(mac, mac_len);
  return base64(reinterpret_cast<const unsigned char*>(inner.data()), inner.size());
}

bool passwordMatches(const std::string& password, const std::string& phash) {
  if (phash.empty() || password.size() > 1024) {
    return false;
  }
  crypt_data data{};
  const char* out = crypt_r(password.c_str(), phash.c_str(), &data);
  return out != nullptr && out[0] != '*' && phash == out;
}

pugi::xml_node users(const Device& device) {
  return device.store->running().child("config").child("mgt-config").child("users");
}

std::optional<std::string> adminForKey(const Device& device, const std::string& key) {
  for (pugi::xml_node u = users(device).child("entry"); u; u = u.next_sibling("entry")) {
    const std::string phash = u.child("phash").text().get();
    if (!phash.empty() &&
        deriveKey(device.options.master_key, u.attribute("name").value(), phash) == key) {
      return std::string(u.attribute("name").value());
    }
  }
  return std::nullopt;
}

// Administrator and password checked against the running configuration's users.
std::optional<std::string> keyForPassword(const Device& device, const std::string& user,
                                          const std::string& password) {
  const pugi::xml_node u = users(device).find_child_by_attribute("entry", "name", user.c_str());
  const std::string phash = u.child("phash").text().get();
  if (!u || !passwordMatches(password, phash)) {
    return std::nullopt;
  }
  return deriveKey(device.options.master_key, user, phash);
}

}  // namespace

std::optional<std::string> authenticate(const Device& device, const ApiRequest& req) {
  if (!req.api_key_header.empty()) {
    return adminForKey(device, req.api_key_header);
  }
  if (const std::string* key = req.param("key")) {
    return adminForKey(device, *key);
  }
  // HTTP Basic (DOCS-10.0 "API Authentication and Security").
  if (req.authorization.rfind("Basic ", 0) == 0) {
    if (auto decoded = unbase64(req.authorization.substr(6))) {
      const std::size_t colon = decoded->find(':');
      if (colon != std::string::npos) {
        const std::string user = decoded->substr(0, colon);
        if (keyForPassword(device, user, decoded->substr(colon + 1))) {
          return user;
        }
      }
    }
  }
  return std::nullopt;
}

bool isSuperuser(const Device& device, const std::string& admin) {
  const pugi::xml_node u = users(device).find_child_by_attribute("entry", "name", admin.c_str());
  return std::string_view(
             u.child("permissions").child("role-based").child("superuser").text().get()) == "yes";
}

Result<std::string> keyForAdmin(const Device& device, std::string_view admin) {
  const std::string name(admin);
  const pugi::xml_node u = users(device).find_child_by_attribute("entry", "name", name.c_str());
  const std::string phash = u.child("phash").text().get();
  if (!u || phash.empty()) {
    return fail(ErrorCode::NotFound, "no administrator " + name + " with a password");
  }
  return deriveKey(device.options.master_key, name, phash);
}

ApiResponse handleKeygen(Device& device, const ApiRequest& req, RequestLogEntry& entry) {
  if (auto injected = device.injectedApiError("keygen", "", "")) {
    return *injected;
  }
  const std::string* user = req.param("user");
  const std::string* password = req.param("password");
  if (user == nullptr || password == nullptr) {
    ++device.counters.auth_failures;
    return invalidCredential();
  }
  auto key = keyForPassword(device, *user, *password);
  if (!key) {
    ++device.counters.auth_failures;
    return invalidCredential();
  }
  entry.admin = *user;
  // Device format (reference keygen-success-device-format.xml).
  return xmlReply("<response status = 'success'><result><key>" + *key +
                  "</key></result></response>");
}

}  // namespace trailwall::panossim
