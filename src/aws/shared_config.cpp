#include "aws/shared_config.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "http/text.h"

namespace trailwall::aws {

namespace {

using http::toLower;
using http::trim;

Result<std::string> readOptionalFile(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return std::string();
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return fail(ErrorCode::Io, "cannot read AWS shared file " + path);
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string homeFile(const Environment& env, std::string_view name) {
  const auto home = env.get("HOME");
  return (home ? *home : std::string(".")) + "/.aws/" + std::string(name);
}

}  // namespace

bool isTrueSetting(const std::optional<std::string>& value) {
  return value && toLower(trim(*value)) == "true";
}

std::optional<std::string> IniSection::get(std::string_view key) const {
  auto it = values.find(key);
  if (it == values.end() || it->second.empty()) {
    return std::nullopt;
  }
  return it->second;
}

Result<std::map<std::string, IniSection, std::less<>>> parseIni(std::string_view text,
                                                                std::string_view origin) {
  std::map<std::string, IniSection, std::less<>> sections;
  IniSection* current = nullptr;
  std::string parent_key;  // the key whose indented sub-properties follow
  std::size_t line_number = 0;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto end = std::min(text.find('\n', start), text.size());
    std::string_view raw = text.substr(start, end - start);
    start = end + 1;
    ++line_number;
    if (!raw.empty() && raw.back() == '\r') {
      raw.remove_suffix(1);
    }
    const auto line = trim(raw);
    if (line.empty() || line.front() == '#' || line.front() == ';') {
      if (end == text.size()) {
        break;
      }
      continue;
    }
    const auto where = [&] { return std::string(origin) + " line " + std::to_string(line_number); };
    const bool indented = std::isspace(static_cast<unsigned char>(raw.front())) != 0;
    if (line.front() == '[') {
      const auto close = line.find(']');
      if (close == std::string_view::npos) {
        return fail(ErrorCode::InvalidInput, where() + ": section header without ']'");
      }
      auto name = std::string(trim(line.substr(1, close - 1)));
      // "[profile  x]" and "[profile x]" are the same section.
      if (name.starts_with("profile") || name.starts_with("services")) {
        const auto space = name.find_first_of(" \t");
        if (space != std::string::npos) {
          name =
              name.substr(0, space) + " " + std::string(trim(std::string_view(name).substr(space)));
        }
      }
      current = &sections[name];
      parent_key.clear();
    } else {
      const auto eq = line.find('=');
      if (eq == std::string_view::npos) {
        return fail(ErrorCode::InvalidInput, where() + ": expected 'key = value'");
      }
      if (current == nullptr) {
        return fail(ErrorCode::InvalidInput, where() + ": setting before any [section]");
      }
      const auto key = toLower(trim(line.substr(0, eq)));
      const auto value = std::string(trim(line.substr(eq + 1)));
      if (indented && !parent_key.empty()) {
        current->sub[parent_key][key] = value;
      } else {
        current->values[key] = value;
        parent_key = value.empty() ? key : std::string();
      }
    }
    if (end == text.size()) {
      break;
    }
  }
  return sections;
}

Result<SharedConfig> SharedConfig::parse(std::string_view config_text,
                                         std::string_view credentials_text) {
  SharedConfig c;
  auto config = parseIni(config_text, "AWS config file");
  if (!config) {
    return std::unexpected(config.error());
  }
  auto credentials = parseIni(credentials_text, "AWS credentials file");
  if (!credentials) {
    return std::unexpected(credentials.error());
  }
  c.config_ = std::move(*config);
  c.credentials_ = std::move(*credentials);
  return c;
}

Result<SharedConfig> SharedConfig::load(const Environment& env) {
  const std::string config_path = env.get("AWS_CONFIG_FILE").value_or(homeFile(env, "config"));
  const std::string credentials_path =
      env.get("AWS_SHARED_CREDENTIALS_FILE").value_or(homeFile(env, "credentials"));
  auto config_text = readOptionalFile(config_path);
  if (!config_text) {
    return std::unexpected(config_text.error());
  }
  auto credentials_text = readOptionalFile(credentials_path);
  if (!credentials_text) {
    return std::unexpected(credentials_text.error());
  }
  auto config = parseIni(*config_text, config_path);
  if (!config) {
    return std::unexpected(config.error());
  }
  auto credentials = parseIni(*credentials_text, credentials_path);
  if (!credentials) {
    return std::unexpected(credentials.error());
  }
  SharedConfig c;
  c.config_ = std::move(*config);
  c.credentials_ = std::move(*credentials);
  c.config_path_ = config_path;
  c.credentials_path_ = credentials_path;
  return c;
}

std::optional<IniSection> SharedConfig::profile(std::string_view name) const {
  std::optional<IniSection> out;
  // In the config file the default profile is [default]; others are [profile name] (a
  // [profile default] wins over [default] when both exist, as in the SDKs).
  auto it = config_.find("profile " + std::string(name));
  if (it == config_.end() && name == "default") {
    it = config_.find("default");
  }
  if (it != config_.end()) {
    out = it->second;
  }
  if (auto c = credentials_.find(name); c != credentials_.end()) {
    if (!out) {
      out.emplace();
    }
    for (const auto& [key, value] : c->second.values) {
      out->values[key] = value;
    }
  }
  return out;
}

const IniSection* SharedConfig::services(std::string_view name) const {
  auto it = config_.find("services " + std::string(name));
  return it == config_.end() ? nullptr : &it->second;
}

std::string profileName(const Environment& env) {
  if (auto p = env.get("AWS_PROFILE")) {
    return *p;
  }
  if (auto p = env.get("AWS_DEFAULT_PROFILE")) {
    return *p;
  }
  return "default";
}

std::optional<std::string> resolveRegion(const Environment& env, const SharedConfig& config) {
  if (auto r = env.get("AWS_REGION")) {
    return r;
  }
  if (auto r = env.get("AWS_DEFAULT_REGION")) {
    return r;
  }
  if (auto p = config.profile(profileName(env))) {
    return p->get("region");
  }
  return std::nullopt;
}

std::string resolveEndpoint(const ServiceInfo& service, std::string_view region,
                            const Environment& env, const SharedConfig& config) {
  const auto strip = [](std::string url) {
    while (url.ends_with('/')) {
      url.pop_back();
    }
    return url;
  };
  const auto profile = config.profile(profileName(env));
  const bool ignore = isTrueSetting(env.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")) ||
                      (profile && isTrueSetting(profile->get("ignore_configured_endpoint_urls")));
  if (!ignore) {
    if (auto url = env.get("AWS_ENDPOINT_URL_" + std::string(service.env_id))) {
      return strip(*url);
    }
    if (auto url = env.get("AWS_ENDPOINT_URL")) {
      return strip(*url);
    }
    if (profile) {
      if (auto services_name = profile->get("services")) {
        if (const auto* section = config.services(*services_name)) {
          if (auto sub = section->sub.find(service.config_key); sub != section->sub.end()) {
            if (auto url = sub->second.find("endpoint_url");
                url != sub->second.end() && !url->second.empty()) {
              return strip(url->second);
            }
          }
        }
      }
      if (auto url = profile->get("endpoint_url")) {
        return strip(*url);
      }
    }
  }
  return publicEndpoint(service, region);
}

std::string publicEndpoint(const ServiceInfo& service, std::string_view region) {
  const std::string_view suffix = region.starts_with("cn-") ? "amazonaws.com.cn" : "amazonaws.com";
  std::string out = "https://";
  out.append(service.endpoint_host).append(".").append(region).append(".").append(suffix);
  return out;
}

}  // namespace trailwall::aws
