#include "device.h"

#include <unistd.h>

#include <cstdio>
#include <sstream>

namespace trailwall::panossim {

bool Device::roll(double rate) {
  if (rate <= 0.0) {
    return false;
  }
  if (rate >= 1.0) {
    return true;
  }
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng) < rate;
}

std::optional<ApiResponse> Device::injectedApiError(const std::string& type,
                                                    const std::string& action,
                                                    const std::string& subject) {
  for (ApiErrorFault& f : faults.api_errors) {
    if (f.remaining == 0) {
      continue;
    }
    if ((!f.type.empty() && f.type != type) || (!f.action.empty() && f.action != action) ||
        (!f.xpath_contains.empty() && subject.find(f.xpath_contains) == std::string::npos)) {
      continue;
    }
    if (!roll(f.rate)) {
      continue;
    }
    if (f.remaining > 0) {
      --f.remaining;
    }
    ++counters.faults_api_error;
    ApiResponse r =
        errorLines(f.code == 0 ? std::nullopt : std::optional<int>(f.code), {f.message}, false);
    r.http_status = f.http_status;
    return r;
  }
  return std::nullopt;
}

void Device::writeState() const {
  if (options.state_file.empty()) {
    return;
  }
  // Atomic: write a temporary file beside the target, flush it to disk, rename over.
  const std::string tmp = options.state_file + ".tmp." + std::to_string(::getpid());
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (f == nullptr) {
    return;
  }
  std::ostringstream out;
  store->running().save(out, "  ");
  const std::string text = out.str();
  const bool written = std::fwrite(text.data(), 1, text.size(), f) == text.size() &&
                       std::fflush(f) == 0 && ::fsync(::fileno(f)) == 0;
  std::fclose(f);
  if (!written || std::rename(tmp.c_str(), options.state_file.c_str()) != 0) {
    std::remove(tmp.c_str());
  }
}

}  // namespace trailwall::panossim
