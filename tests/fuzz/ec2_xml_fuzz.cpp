// libFuzzer target: every EC2 response parser (and the AWS error reader) over arbitrary bytes.
// Each parser checks the root element first, so a seed of each response kind leads the fuzzer
// into that parser. Parsers must return a value or an error, never crash, and never return an
// item without its id.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "aws/api_error.h"
#include "aws/ec2_parse.h"

namespace {

template <class Page>
void checkIds(const trailwall::Result<Page>& page) {
  if (!page) {
    return;
  }
  for (const auto& item : page->items) {
    if constexpr (requires { item.id; }) {
      if (item.id.empty()) {
        std::abort();
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace trailwall::aws;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto instances = parseDescribeInstances(text)) {
    for (const auto& i : instances->instances) {
      if (i.id.empty()) std::abort();
    }
    for (const auto& e : instances->network_interfaces) {
      if (e.id.empty()) std::abort();
    }
  }
  checkIds(parseDescribeNetworkInterfaces(text));
  checkIds(parseDescribeSecurityGroups(text));
  checkIds(parseDescribeSecurityGroupRules(text));
  checkIds(parseDescribeRouteTables(text));
  checkIds(parseDescribeSubnets(text));
  checkIds(parseDescribeVpcs(text));
  checkIds(parseDescribeManagedPrefixLists(text));
  (void)parseGetManagedPrefixListEntries(text);
  const auto error = parseApiError(trailwall::http::Response{400, {}, std::string(text)});
  if (error.code.empty()) std::abort();
  (void)idsNamedIn(text, {"i-1", "sg-0a1b2c3d4e5f60101", ""});
  return 0;
}
