#pragma once
// Environment variables behind an interface: only the front end reads the process environment
// (ProcessEnvironment); everything below gets an Environment passed in, so tests use a map.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace trailwall::aws {

class Environment {
 public:
  virtual ~Environment() = default;
  // The value of `name`; nullopt when unset. An empty value counts as unset, as in the SDKs.
  [[nodiscard]] virtual std::optional<std::string> get(std::string_view name) const = 0;
  // The lookup as a function (for http::ProxySettings::fromEnvironment).
  [[nodiscard]] std::function<std::optional<std::string>(std::string_view)> lookup() const {
    return [this](std::string_view name) { return get(name); };
  }
};

class ProcessEnvironment final : public Environment {
 public:
  [[nodiscard]] std::optional<std::string> get(std::string_view name) const override;
  // Every variable of the process, for front ends that pass the environment on as a map.
  [[nodiscard]] static std::map<std::string, std::string, std::less<>> snapshot();
};

class MapEnvironment final : public Environment {
 public:
  using Map = std::map<std::string, std::string, std::less<>>;
  MapEnvironment() = default;
  explicit MapEnvironment(Map values) : values_(std::move(values)) {}
  void set(std::string name, std::string value) { values_[std::move(name)] = std::move(value); }
  void unset(std::string_view name) {
    if (auto it = values_.find(name); it != values_.end()) {
      values_.erase(it);
    }
  }
  [[nodiscard]] std::optional<std::string> get(std::string_view name) const override {
    auto it = values_.find(name);
    if (it == values_.end() || it->second.empty()) {
      return std::nullopt;
    }
    return it->second;
  }

 private:
  Map values_;
};

}  // namespace trailwall::aws
