// Decoder behaviour beyond the sample table: the account/region filter, counting, gzip input,
// recovery from damage, nesting limits, and inputs that are not JSON at all.
#include "cloudtrail/decoder.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>

#include "cloudtrail/json_split.h"
#include "unit/cloudtrail/test_util.h"

namespace trailwall::cloudtrail {
namespace {

using testing::cloudTrailData;
using testing::gzipMember;
using testing::mixedLog;
using testing::readFile;
using testing::referenceSamples;

std::size_t count(const Decoded& decoded, IgnoreReason reason) {
  return decoded.ignored_count[static_cast<std::size_t>(reason)];
}

std::vector<std::string> eventNames(const Decoded& decoded) {
  std::vector<std::string> names;
  for (const auto& change : decoded.changes) {
    names.push_back(change.event_name);
  }
  return names;
}

Decoded decodeWith(const std::string& input, DecodeOptions options = {}) {
  Decoder decoder(std::move(options));
  Decoded decoded;
  decoder.decode(input, "input.json", decoded);
  return decoded;
}

TEST(DecoderFilter, IgnoresRecordsOfAccountsNotConfigured) {
  DecodeOptions options;
  options.filter.accounts = {"309303190113"};
  options.keep_ignored = true;
  const Decoded decoded = decodeWith(mixedLog(), options);
  EXPECT_EQ(eventNames(decoded), (std::vector<std::string>{"StartInstances", "StopInstances"}));
  // DetachNetworkInterface and ModifyNetworkInterfaceAttribute are of 111122223333.
  EXPECT_EQ(count(decoded, IgnoreReason::AccountNotConfigured), 2u);
  const auto it = std::find_if(decoded.ignored.begin(), decoded.ignored.end(), [](const auto& i) {
    return i.reason == IgnoreReason::AccountNotConfigured;
  });
  ASSERT_NE(it, decoded.ignored.end());
  EXPECT_EQ(it->event_name, "DetachNetworkInterface");
  EXPECT_EQ(it->detail, "account 111122223333");
}

TEST(DecoderFilter, IgnoresRecordsOfRegionsNotConfigured) {
  DecodeOptions options;
  options.filter.regions = {"eu-west-1", "us-east-1"};
  const Decoded decoded = decodeWith(mixedLog(), options);
  EXPECT_EQ(eventNames(decoded), (std::vector<std::string>{"DetachNetworkInterface"}));
  EXPECT_EQ(count(decoded, IgnoreReason::RegionNotConfigured), 2u);
}

TEST(DecoderFilter, SkipsLogFilesOfAccountsNotConfiguredBeforeFetching) {
  DecodeOptions options;
  options.filter.accounts = {"111122223333"};
  const Decoded other = decodeWith(
      readFile(referenceSamples() / "s3-event-cloudtrail-logfile-delivery-2025.json"), options);
  EXPECT_TRUE(other.objects.empty());
  EXPECT_EQ(count(other, IgnoreReason::AccountNotConfigured), 1u);

  options.filter.accounts = {"718633645857"};
  options.filter.regions = {"us-west-2"};
  const Decoded own = decodeWith(
      readFile(referenceSamples() / "s3-event-cloudtrail-logfile-delivery-2025.json"), options);
  EXPECT_EQ(own.objects.size(), 1u);
}

TEST(DecoderFilter, OrganizationTrailKeysAreFilteredByTheirAccount) {
  DecodeOptions options;
  options.filter.accounts = {"696965430582"};
  const Decoded decoded = decodeWith(
      readFile(referenceSamples() / "sns-envelope-carrying-s3-event-orgtrail-key-2020.json"),
      options);
  EXPECT_EQ(decoded.objects.size(), 1u);
}

TEST(Decoder, CountsIgnoredRecordsByReasonWithoutListingThemByDefault) {
  const Decoded decoded = decodeWith(mixedLog());
  EXPECT_TRUE(decoded.ignored.empty());
  EXPECT_EQ(count(decoded, IgnoreReason::NotActedOn), 1u);
  EXPECT_EQ(count(decoded, IgnoreReason::EgressRule), 1u);
  EXPECT_EQ(count(decoded, IgnoreReason::FailedCall), 1u);
  EXPECT_EQ(count(decoded, IgnoreReason::AttributeNotActedOn), 1u);
  EXPECT_EQ(decoded.ignoredTotal(), 4u);
  EXPECT_EQ(decoded.records, 7u);

  // Listing them (which reads each record to its end) counts the same.
  DecodeOptions listing;
  listing.keep_ignored = true;
  const Decoded listed = decodeWith(mixedLog(), listing);
  EXPECT_EQ(listed.ignored_count, decoded.ignored_count);
  EXPECT_EQ(listed.ignored.size(), 4u);
  EXPECT_EQ(eventNames(listed), eventNames(decoded));
}

TEST(Decoder, AppendsSeveralInputsNamingEachSource) {
  Decoder decoder;
  Decoded decoded;
  decoder.decode(readFile(referenceSamples() / "StartInstances-stratus-2024.json"), "a.json",
                 decoded);
  decoder.decode(std::string("{"), "b.json", decoded);
  decoder.decode(readFile(referenceSamples() / "TerminateInstances-terraform-elastic-2025.json"),
                 "c.json", decoded);
  ASSERT_EQ(decoded.changes.size(), 2u);
  EXPECT_EQ(decoded.changes[0].source, "a.json");
  EXPECT_EQ(decoded.changes[1].source, "c.json");
  ASSERT_EQ(decoded.errors.size(), 1u);
  EXPECT_TRUE(decoded.errors[0].message.starts_with("b.json: ")) << decoded.errors[0].message;
  EXPECT_EQ(decoded.scope().instance_ids,
            (std::set<std::string>{"i-DDd6c7B0e18F0E35f", "i-00000000000000000"}));
}

TEST(Decoder, HandledEventNameFromAnotherServiceIsNotActedOn) {
  std::string record = readFile(referenceSamples() / "StartInstances-stratus-2024.json");
  record.replace(record.find("ec2.amazonaws.com"), 17, "ssm.amazonaws.com");
  const Decoded decoded = decodeWith(record);
  EXPECT_TRUE(decoded.changes.empty());
  EXPECT_EQ(count(decoded, IgnoreReason::NotActedOn), 1u);
}

TEST(Decoder, PaddedInputDecodesLikeACopiedString) {
  const std::string log = mixedLog();
  Decoder decoder;
  Decoded from_string;
  Decoded from_padded;
  decoder.decode(log, "x", from_string);
  decoder.decode(PaddedBytes(log), "x", from_padded);
  EXPECT_EQ(eventNames(from_string), eventNames(from_padded));
  EXPECT_EQ(from_string.ignored_count, from_padded.ignored_count);
}

TEST(Decoder, AcceptsAByteOrderMark) {
  const Decoded decoded = decodeWith(
      "\xEF\xBB\xBF" + readFile(referenceSamples() / "StartInstances-stratus-2024.json"));
  EXPECT_EQ(decoded.changes.size(), 1u);
  EXPECT_TRUE(decoded.errors.empty());
}

TEST(DecoderGzip, GzipLogDecodesLikeThePlainOne) {
  const std::string log = mixedLog();
  const Decoded plain = decodeWith(log);
  const Decoded gz = decodeWith(gzipMember(log));
  EXPECT_TRUE(gz.errors.empty());
  EXPECT_EQ(eventNames(gz), eventNames(plain));
  EXPECT_EQ(gz.ignored_count, plain.ignored_count);
}

TEST(DecoderGzip, ReadsEveryMemberOfAMultiMemberFile) {
  const std::string log = mixedLog();
  const std::size_t half = log.size() / 2;
  const Decoded decoded =
      decodeWith(gzipMember(log.substr(0, half)) + gzipMember(log.substr(half)));
  EXPECT_TRUE(decoded.errors.empty());
  EXPECT_EQ(eventNames(decoded), eventNames(decodeWith(log)));
}

TEST(DecoderGzip, InflatedSizeIsBounded) {
  DecodeOptions options;
  options.max_input_size = 1000;
  const Decoded decoded = decodeWith(gzipMember(mixedLog()), options);
  ASSERT_FALSE(decoded.errors.empty());
  EXPECT_NE(decoded.errors[0].message.find("limit of 1000 bytes"), std::string::npos)
      << decoded.errors[0].message;
}

// An SNS envelope whose Message is an SNS envelope … six deep.
TEST(Decoder, RefusesMessagesNestedTooDeeply) {
  std::string message =
      readFile(referenceSamples() / "s3-event-cloudtrail-logfile-delivery-2025.json");
  for (int i = 0; i < 6; ++i) {
    std::string escaped;
    for (char c : message) {
      if (c == '"' || c == '\\') escaped += '\\';
      if (c == '\n') {
        escaped += "\\n";
        continue;
      }
      escaped += c;
    }
    message = R"({"Type":"Notification","Message":")" + escaped + "\"}";
  }
  const Decoded decoded = decodeWith(message);
  ASSERT_EQ(decoded.errors.size(), 1u);
  EXPECT_NE(decoded.errors[0].message.find("nested too deeply"), std::string::npos)
      << decoded.errors[0].message;
  EXPECT_TRUE(decoded.objects.empty());
}

// Random bytes and random cuts of real inputs never crash the decoder; the fuzz target goes
// further (tests/fuzz/cloudtrail_decode_fuzz.cpp).
TEST(Decoder, SurvivesRandomBytesAndCuts) {
  std::mt19937 random(7);
  Decoder decoder;
  const std::string log = mixedLog();
  for (int i = 0; i < 300; ++i) {
    std::string input;
    if (i % 2 == 0) {
      input.resize(random() % 512);
      for (char& c : input) c = static_cast<char>(random());
    } else {
      input = log.substr(random() % log.size());
      input.resize(random() % (input.size() + 1));
    }
    Decoded decoded;
    decoder.decode(input, "random", decoded);
    EXPECT_LE(decoded.changes.size(), 3u);
  }
}

TEST(JsonSplit, CutsTheRecordsArrayIntoElements) {
  const auto elements = splitTopLevelArray(
      R"({"a":{"Records":[9]},"Records" : [ {"x":"],}"}, [1,2] ,3 ], "b":1})", "Records");
  ASSERT_TRUE(elements);
  EXPECT_EQ(*elements, (std::vector<std::string_view>{R"({"x":"],}"})", "[1,2]", "3"}));
}

TEST(JsonSplit, EscapedQuotesAndBackslashesStayInsideTheirString) {
  // \" does not end a string; \\" does (the backslash is escaped); \\\" does not.
  const auto elements = splitTopLevelArray(
      R"({"Records":[{"a":"x\"],"},{"b":"y\\"},{"c":"\\\"],[\\"},{"d":"\\\\"}]})", "Records");
  ASSERT_TRUE(elements);
  EXPECT_EQ(*elements, (std::vector<std::string_view>{R"({"a":"x\"],"})", R"({"b":"y\\"})",
                                                      R"({"c":"\\\"],[\\"})", R"({"d":"\\\\"})"}));
  const auto cut = splitTopLevelArray(R"({"Records":[{"a":"z\"]})", "Records");
  ASSERT_TRUE(cut) << "an escaped quote never closes the string: it runs to the end";
  EXPECT_EQ(*cut, (std::vector<std::string_view>{R"({"a":"z\"]})"}));
}

TEST(JsonSplit, LastElementRunsToTheEndWhenCutShort) {
  const auto elements = splitTopLevelArray(R"({"Records":[{"a":1},{"b":"unterminat)", "Records");
  ASSERT_TRUE(elements);
  EXPECT_EQ(*elements, (std::vector<std::string_view>{R"({"a":1})", R"({"b":"unterminat)"}));
}

TEST(JsonSplit, NoArrayNoElements) {
  EXPECT_FALSE(splitTopLevelArray(R"({"Records":{"a":1}})", "Records"));
  EXPECT_FALSE(splitTopLevelArray("Hello", "Records"));
  EXPECT_FALSE(splitTopLevelArray(R"({"x":"Records":[1]})", "Events"));
}

}  // namespace
}  // namespace trailwall::cloudtrail
