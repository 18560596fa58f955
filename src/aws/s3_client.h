#pragma once
// Amazon S3 GetObject (REST), for the CloudTrail log files an S3 notification names. Objects
// are addressed virtual-hosted style on AWS (path style for bucket names with dots and for
// configured endpoints such as moto). A bucket in another region than the client's answers
// with its region (x-amz-bucket-region); the client then asks that region once, as the SDKs do.

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "aws/service_client.h"

namespace trailwall::aws {

struct S3Object {
  std::string body;  // the bytes as stored (a .json.gz stays gzip)
  std::string content_type;
  std::string content_encoding;
  std::string etag;
};

class S3Client {
 public:
  // `endpoint_for_region` gives the endpoint for a region (AwsSession::endpoint semantics);
  // `custom_endpoint` says whether it is a configured one (path-style, no region redirects).
  S3Client(ClientContext context,
           std::function<std::string(const std::string&)> endpoint_for_region,
           bool custom_endpoint);

  // `key` as stored (not URL-encoded: S3 notifications encode keys; decode them first).
  // Errors: NotFound (NoSuchKey, NoSuchBucket), Denied, Auth, Network.
  [[nodiscard]] Result<S3Object> getObject(const std::string& bucket, const std::string& key);

  // The URL GetObject uses in `region` (exposed for tests of the addressing rules).
  [[nodiscard]] std::string objectUrl(const std::string& region, const std::string& bucket,
                                      const std::string& key) const;

 private:
  [[nodiscard]] ServiceClient& clientFor(const std::string& region);

  ClientContext context_;
  std::function<std::string(const std::string&)> endpoint_for_region_;
  bool custom_endpoint_;
  std::mutex mutex_;
  std::map<std::string, std::unique_ptr<ServiceClient>> clients_;  // by region
};

}  // namespace trailwall::aws
