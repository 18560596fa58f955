#pragma once
// A small parser of the Prometheus text exposition format (0.0.4), the tests' own: every line is
// a # HELP, a # TYPE, another comment, a blank line or a sample
// `name{label="value",…} value [timestamp]`. Label values are unescaped (\\, \", \n). Errors
// name the line. Used to check /metrics line by line, not to trust the renderer's own code.

#include <cctype>
#include <cstdlib>
#include <limits>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace trailwall::serve::testing {

struct PromSample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

struct PromFamily {
  std::string help;
  std::string type;
};

struct PromText {
  std::map<std::string, PromFamily> families;
  std::vector<PromSample> samples;
  std::vector<std::string> errors;  // "line N: what"

  // The value of `name` with exactly `labels`, if present.
  [[nodiscard]] std::optional<double> value(
      const std::string& name, const std::map<std::string, std::string>& labels = {}) const {
    for (const auto& s : samples) {
      if (s.name == name && s.labels == labels) return s.value;
    }
    return std::nullopt;
  }
};

inline bool isNameStart(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) != 0 || c == '_' || c == ':';
}
inline bool isNameChar(char c) {
  return isNameStart(c) || std::isdigit(static_cast<unsigned char>(c)) != 0;
}

inline std::optional<double> parseValue(const std::string& text) {
  if (text == "+Inf") return std::numeric_limits<double>::infinity();
  if (text == "-Inf") return -std::numeric_limits<double>::infinity();
  if (text == "NaN") return std::numeric_limits<double>::quiet_NaN();
  if (text.empty()) return std::nullopt;
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size()) return std::nullopt;
  return v;
}

// The family a sample belongs to: histogram samples end in _bucket, _sum or _count.
inline std::string familyOf(const std::string& sample, const std::map<std::string, PromFamily>& f) {
  if (f.contains(sample)) return sample;
  for (const char* suffix : {"_bucket", "_sum", "_count"}) {
    const std::string s(suffix);
    if (sample.size() > s.size() && sample.ends_with(s)) {
      const auto base = sample.substr(0, sample.size() - s.size());
      if (f.contains(base)) return base;
    }
  }
  return {};
}

inline PromText parsePromText(const std::string& text) {
  PromText out;
  std::istringstream in(text);
  std::string line;
  int n = 0;
  const auto error = [&](const std::string& what) {
    out.errors.push_back("line " + std::to_string(n) + ": " + what + ": " + line);
  };
  if (!text.empty() && text.back() != '\n') out.errors.push_back("the text does not end in \\n");
  while (std::getline(in, line)) {
    ++n;
    if (line.empty()) continue;
    if (line.starts_with("# HELP ") || line.starts_with("# TYPE ")) {
      const bool help = line[2] == 'H';
      const auto rest = line.substr(7);
      const auto space = rest.find(' ');
      const auto name = rest.substr(0, space);
      if (name.empty() || !isNameStart(name[0])) {
        error("bad metric name");
        continue;
      }
      for (const char c : name) {
        if (!isNameChar(c)) error("bad metric name");
      }
      const auto value = space == std::string::npos ? std::string() : rest.substr(space + 1);
      auto& family = out.families[name];
      if (help) {
        if (!family.help.empty()) error("second HELP");
        family.help = value;
      } else {
        if (!family.type.empty()) error("second TYPE");
        if (value != "counter" && value != "gauge" && value != "histogram" && value != "summary" &&
            value != "untyped") {
          error("unknown type");
        }
        family.type = value;
      }
      continue;
    }
    if (line[0] == '#') continue;
    PromSample sample;
    std::size_t i = 0;
    if (!isNameStart(line[0])) {
      error("a sample must start with a metric name");
      continue;
    }
    while (i < line.size() && isNameChar(line[i])) sample.name += line[i++];
    bool ok = true;
    if (i < line.size() && line[i] == '{') {
      ++i;
      while (ok && i < line.size() && line[i] != '}') {
        std::string key;
        while (i < line.size() && isNameChar(line[i])) key += line[i++];
        if (key.empty() || i + 1 >= line.size() || line[i] != '=' || line[i + 1] != '"') {
          ok = false;
          break;
        }
        i += 2;
        std::string value;
        while (i < line.size() && line[i] != '"') {
          if (line[i] == '\\') {
            if (i + 1 >= line.size()) {
              ok = false;
              break;
            }
            const char e = line[i + 1];
            if (e == '\\') {
              value += '\\';
            } else if (e == '"') {
              value += '"';
            } else if (e == 'n') {
              value += '\n';
            } else {
              ok = false;
              break;
            }
            i += 2;
          } else {
            value += line[i++];
          }
        }
        if (i >= line.size()) ok = false;
        if (!ok) break;
        ++i;  // closing quote
        if (sample.labels.contains(key)) ok = false;
        sample.labels[key] = value;
        if (i < line.size() && line[i] == ',') ++i;
      }
      if (!ok || i >= line.size()) {
        error("bad labels");
        continue;
      }
      ++i;  // '}'
    }
    if (i >= line.size() || line[i] != ' ') {
      error("no space before the value");
      continue;
    }
    std::istringstream rest(line.substr(i + 1));
    std::string value_text;
    std::string timestamp;
    std::string extra;
    rest >> value_text >> timestamp >> extra;
    const auto value = parseValue(value_text);
    if (!value || !extra.empty()) {
      error("bad value");
      continue;
    }
    sample.value = *value;
    if (familyOf(sample.name, out.families).empty()) error("a sample before its TYPE line");
    out.samples.push_back(std::move(sample));
  }
  return out;
}

}  // namespace trailwall::serve::testing
