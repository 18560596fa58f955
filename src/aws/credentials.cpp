#include "aws/credentials.h"

namespace trailwall::aws {

std::string Credentials::describe() const {
  return "access key " + access_key_id + " from " + (source.empty() ? "unknown source" : source);
}

}  // namespace trailwall::aws
