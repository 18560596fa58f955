#include "cli/input.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include <fmt/format.h>

#include "cli/runtime.h"

namespace trailwall::cli {

Result<cloudtrail::PaddedBytes> readPadded(const std::string& path) {
  const bool is_stdin = path == "-";
  std::FILE* file = is_stdin ? stdin : std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    return fail(ErrorCode::Io, fmt::format("cannot open {}: {}", path, std::strerror(errno)));
  }
  cloudtrail::PaddedBytes bytes;
  std::size_t size = 0;
  std::size_t chunk = std::size_t{1} << 20;
  if (!is_stdin && std::fseek(file, 0, SEEK_END) == 0) {
    const long end = std::ftell(file);
    if (end > 0) {
      chunk = static_cast<std::size_t>(end) + 1;  // one read, then one more to see the end
    }
    std::rewind(file);
  }
  while (true) {
    bytes.resize(size + chunk);
    const std::size_t got = std::fread(bytes.data() + size, 1, chunk, file);
    size += got;
    if (got < chunk) {
      break;
    }
    chunk = std::max(chunk, size);  // grow geometrically on streams
  }
  const bool failed = std::ferror(file) != 0;
  const int read_errno = errno;
  if (!is_stdin) {
    std::fclose(file);
  }
  bytes.resize(size);
  if (failed) {
    return fail(ErrorCode::Io, fmt::format("cannot read {}: {}", path, std::strerror(read_errno)));
  }
  return bytes;
}

Result<S3Location> parseS3Url(std::string_view url) {
  constexpr std::string_view kScheme = "s3://";
  if (!url.starts_with(kScheme)) {
    return fail(ErrorCode::InvalidInput, fmt::format("'{}' is not an s3://bucket/key URL", url));
  }
  const auto rest = url.substr(kScheme.size());
  const auto slash = rest.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == rest.size()) {
    return fail(ErrorCode::InvalidInput,
                fmt::format("'{}' names no object: expected s3://bucket/key", url));
  }
  return S3Location{std::string(rest.substr(0, slash)), std::string(rest.substr(slash + 1))};
}

Result<EventInput> readEventInput(Runtime& runtime, const std::string& input) {
  if (input.starts_with("s3://")) {
    auto location = parseS3Url(input);
    if (!location) return std::unexpected(location.error());
    return readS3Object(runtime, location->bucket, location->key);
  }
  auto bytes = readPadded(input);
  if (!bytes) return std::unexpected(bytes.error());
  return EventInput{std::move(*bytes), input == "-" ? "stdin" : input};
}

Result<EventInput> readS3Object(Runtime& runtime, const std::string& bucket,
                                const std::string& key) {
  auto s3 = runtime.s3();
  if (!s3) return std::unexpected(s3.error());
  const std::string source = fmt::format("s3://{}/{}", bucket, key);
  auto object = (*s3)->getObject(bucket, key);
  if (!object) return std::unexpected(object.error().withContext(source));
  return EventInput{cloudtrail::PaddedBytes(object->body), source};
}

}  // namespace trailwall::cli
