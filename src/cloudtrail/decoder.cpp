// Design: the hot path is a CloudTrail log file of which ~99% of records are irrelevant. Each
// document is walked once with simdjson On-Demand; per record only the top-level members are
// looked at (compared as raw keys), requestParameters and responseElements are kept as raw spans,
// and only a record trailwall acts on has those spans parsed (DOM) for its ids. Envelopes
// (EventBridge, SNS, SQS, S3, Lambda) are recognised by their members, and strings holding JSON
// (SNS Message, SQS body) are decoded as nested documents with one parser per nesting level.
// A document the fast path cannot walk is decoded again record by record (json_split.h), so one
// bad record costs only itself.
#include "cloudtrail/decoder.h"

#include <simdjson.h>

#include <algorithm>
#include <cstring>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "cloudtrail/events.h"
#include "cloudtrail/gzip.h"
#include "cloudtrail/json_split.h"
#include "cloudtrail/s3_key.h"
#include "cloudtrail/window_reader.h"

namespace trailwall::cloudtrail {
namespace {

namespace od = simdjson::ondemand;
namespace dom = simdjson::dom;
using simdjson::error_code;
using simdjson::SUCCESS;

static_assert(PaddedBytes::kPadding >= simdjson::SIMDJSON_PADDING);

// Log file (0) → SQS body (1) → SNS Message (2) → …: deeper is not a real delivery path.
constexpr int kMaxNesting = 4;

constexpr std::size_t kHeadSize = std::size_t{64} << 10;  // read first, to tell a log file
constexpr std::string_view kSpace = " \t\r\n";
constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";  // as some editors write

std::string_view typeName(od::json_type type) {
  switch (type) {
    case od::json_type::array: return "an array";
    case od::json_type::object: return "an object";
    case od::json_type::number: return "a number";
    case od::json_type::string: return "a string";
    case od::json_type::boolean: return "a boolean";
    case od::json_type::null: return "null";
  }
  return "an unknown value";
}

// The members of an object trailwall may read, from any of the shapes it accepts. Strings are
// unescaped (valid until the parser's next document); objects and arrays are raw JSON spans.
struct Fields {
  // CloudTrail record (also S3 event record: eventName, eventSource, awsRegion)
  std::optional<std::string_view> event_name, event_source, event_time, event_id, aws_region,
      recipient_account_id, error_code;
  std::string_view user_identity, request_parameters, response_elements;
  // EventBridge envelope
  std::optional<std::string_view> detail_type, account, region, time, id;
  std::string_view detail;
  // SNS envelope, S3 test event, CloudTrail's SNS notification
  std::optional<std::string_view> type, message, event, s3_bucket;
  std::string_view s3_object_key;
  // Lambda records: S3, SQS, SNS; lookup-events output
  std::string_view s3, sns;
  std::optional<std::string_view> body, cloudtrail_event;
  bool array_decoded = false;  // a root Records/Events array, decoded while scanning

  // The first member with a type trailwall cannot read.
  std::string_view bad_member;
  std::string_view bad_expected;
  od::json_type bad_found = od::json_type::null;

  void noteBad(std::string_view member, std::string_view expected, od::json_type found) {
    if (bad_member.empty()) {
      bad_member = member;
      bad_expected = expected;
      bad_found = found;
    }
  }
};

enum class Member : std::uint8_t {
  Other,
  EventName,
  EventSource,
  EventTime,
  EventId,
  AwsRegion,
  RecipientAccountId,
  ErrorCode,
  UserIdentity,
  RequestParameters,
  ResponseElements,
  DetailType,
  Detail,
  Account,
  Region,
  Time,
  Id,
  Type,
  Message,
  Event,
  S3Bucket,
  S3ObjectKey,
  S3,
  Sns,
  Body,
  CloudTrailEvent,
  Records,
  Events,
};

// `raw` points just past the key's opening quote inside a padded buffer, so reading a few bytes
// past a shorter key stays in bounds.
bool keyIs(const char* raw, std::string_view name) {
  return std::memcmp(raw, name.data(), name.size()) == 0 && raw[name.size()] == '"';
}

Member classify(const char* k) {
  switch (k[0]) {
    case 'e':
      if (keyIs(k, "eventName")) return Member::EventName;
      if (keyIs(k, "eventSource")) return Member::EventSource;
      if (keyIs(k, "eventTime")) return Member::EventTime;
      if (keyIs(k, "eventID")) return Member::EventId;
      if (keyIs(k, "errorCode")) return Member::ErrorCode;
      return Member::Other;
    case 'a':
      if (keyIs(k, "awsRegion")) return Member::AwsRegion;
      if (keyIs(k, "account")) return Member::Account;
      return Member::Other;
    case 'r':
      if (keyIs(k, "requestParameters")) return Member::RequestParameters;
      if (keyIs(k, "responseElements")) return Member::ResponseElements;
      if (keyIs(k, "recipientAccountId")) return Member::RecipientAccountId;
      if (keyIs(k, "region")) return Member::Region;
      return Member::Other;
    case 'u': return keyIs(k, "userIdentity") ? Member::UserIdentity : Member::Other;
    case 'd':
      if (keyIs(k, "detail-type")) return Member::DetailType;
      if (keyIs(k, "detail")) return Member::Detail;
      return Member::Other;
    case 't': return keyIs(k, "time") ? Member::Time : Member::Other;
    case 'i': return keyIs(k, "id") ? Member::Id : Member::Other;
    case 'T': return keyIs(k, "Type") ? Member::Type : Member::Other;
    case 'M': return keyIs(k, "Message") ? Member::Message : Member::Other;
    case 'E':
      if (keyIs(k, "Event")) return Member::Event;
      if (keyIs(k, "Events")) return Member::Events;
      return Member::Other;
    case 's':
      if (keyIs(k, "s3")) return Member::S3;
      if (keyIs(k, "s3Bucket")) return Member::S3Bucket;
      if (keyIs(k, "s3ObjectKey")) return Member::S3ObjectKey;
      return Member::Other;
    case 'S': return keyIs(k, "Sns") ? Member::Sns : Member::Other;
    case 'b': return keyIs(k, "body") ? Member::Body : Member::Other;
    case 'C': return keyIs(k, "CloudTrailEvent") ? Member::CloudTrailEvent : Member::Other;
    case 'R': return keyIs(k, "Records") ? Member::Records : Member::Other;
    default: return Member::Other;
  }
}

// A string member; null reads as absent. Strings without escapes (all CloudTrail writes) are
// used in place, unescaped only when they hold a backslash: copying every string of every
// record costs more than the rest of the walk.
error_code readString(od::value& value, std::string_view name,
                      std::optional<std::string_view>& slot, Fields& fields) {
  od::json_type type{};
  if (auto error = value.type().get(type)) {
    return error;
  }
  if (type == od::json_type::string) {
    // The token is the quoted string followed by any whitespace before the next token.
    const std::string_view token = value.raw_json_token();
    const std::size_t close = token.find_last_of('"');
    if (close == 0 || close == std::string_view::npos) {
      return simdjson::STRING_ERROR;
    }
    const std::string_view text = token.substr(1, close - 1);
    if (text.find('\\') == std::string_view::npos) {
      slot = text;
      return SUCCESS;
    }
    std::string_view unescaped;
    if (auto error = value.get_string().get(unescaped)) {
      return error;
    }
    slot = unescaped;
  } else if (type != od::json_type::null) {
    fields.noteBad(name, "a string", type);
  }
  return SUCCESS;
}

// An object (or, when `array`, an array) member kept as raw JSON; null reads as absent.
error_code readRaw(od::value& value, std::string_view name, std::string_view& slot, Fields& fields,
                   bool array = false) {
  od::json_type type{};
  if (auto error = value.type().get(type)) {
    return error;
  }
  if (type == od::json_type::object) {
    od::object object;
    if (auto error = value.get_object().get(object)) {
      return error;
    }
    return object.raw_json().get(slot);
  }
  if (array && type == od::json_type::array) {
    od::array items;
    if (auto error = value.get_array().get(items)) {
      return error;
    }
    return items.raw_json().get(slot);
  }
  if (type != od::json_type::null) {
    fields.noteBad(name, array ? "an array" : "an object", type);
  }
  return SUCCESS;
}

std::string joinLocation(std::string_view base, std::string_view member) {
  if (base.empty()) {
    return std::string(member);
  }
  std::string joined(base);
  joined += '.';
  joined += member;
  return joined;
}

// One document being decoded: where it comes from and the buffer that holds it.
struct Doc {
  std::string_view source;
  std::string location;  // of the document within the source; empty for the input itself
  int depth = 0;
  const char* buffer_end = nullptr;  // end of the padded allocation holding the document
};

// One item of a document: the document itself, or element `index` of its array `array`. Its
// location string is built only when something is reported.
struct Item {
  const Doc& doc;
  std::string_view array;  // empty: the document itself
  std::size_t index = 0;

  [[nodiscard]] std::string location() const {
    if (array.empty()) {
      return doc.location;
    }
    return joinLocation(doc.location, fmt::format("{}[{}]", array, index));
  }
  [[nodiscard]] std::string member(std::string_view name) const {
    return joinLocation(location(), name);
  }
};

// What fell back to an envelope: account and region of an EventBridge event.
struct Envelope {
  std::optional<std::string_view> account;
  std::optional<std::string_view> region;
};

// Sizes of the outputs, to undo a document the fast path gave up on.
struct Snapshot {
  std::size_t changes, objects, ignored, errors, records;
  std::array<std::size_t, kIgnoreReasonCount> counts;

  explicit Snapshot(const Decoded& out)
      : changes(out.changes.size()),
        objects(out.objects.size()),
        ignored(out.ignored.size()),
        errors(out.errors.size()),
        records(out.records),
        counts(out.ignored_count) {}

  void restore(Decoded& out) const {
    out.changes.erase(out.changes.begin() + static_cast<std::ptrdiff_t>(changes),
                      out.changes.end());
    out.objects.erase(out.objects.begin() + static_cast<std::ptrdiff_t>(objects),
                      out.objects.end());
    out.ignored.erase(out.ignored.begin() + static_cast<std::ptrdiff_t>(ignored),
                      out.ignored.end());
    out.errors.erase(out.errors.begin() + static_cast<std::ptrdiff_t>(errors), out.errors.end());
    out.records = records;
    out.ignored_count = counts;
  }
};

// A CloudTrail record (its source is a service endpoint, unlike the "aws:s3" of an S3 event
// record) of an event trailwall does not act on, as far as `fields` has read.
bool notActedOn(const Fields& fields) {
  if (!fields.event_name || !fields.event_source ||
      !fields.event_source->ends_with(".amazonaws.com")) {
    return false;
  }
  return *fields.event_source != "ec2.amazonaws.com" ||
         findEvent(*fields.event_name).kind == EventKind::NotHandled;
}

bool accepted(const std::set<std::string, std::less<>>& allowed, std::string_view value) {
  return allowed.empty() || allowed.contains(value);
}

}  // namespace

struct Decoder::Impl {
  DecodeOptions options;
  std::vector<std::unique_ptr<od::parser>> parsers;  // one per nesting level
  dom::parser request_dom;
  dom::parser response_dom;
  dom::parser misc_dom;
  PaddedBytes stream_buffer;  // windows of streamed input, reused between inputs

  od::parser& parserAt(int depth) {
    while (parsers.size() <= static_cast<std::size_t>(depth)) {
      parsers.push_back(std::make_unique<od::parser>());
    }
    return *parsers[static_cast<std::size_t>(depth)];
  }

  // ---- reporting

  static void addError(Decoded& out, std::string_view source, const std::string& location,
                       std::string_view what) {
    std::string message(source);
    message += ": ";
    if (!location.empty()) {
      message += location;
      message += ": ";
    }
    message += what;
    out.errors.push_back(Error{ErrorCode::InvalidInput, std::move(message)});
  }

  static void recordError(const Item& item, std::string_view what, Decoded& out) {
    ++out.records;
    addError(out, item.doc.source, item.location(), what);
  }

  void ignore(const Item& item, std::string_view name, std::string_view event_id,
              IgnoreReason reason, std::string_view detail_prefix, std::string_view detail,
              Decoded& out) const {
    ++out.records;
    ++out.ignored_count[static_cast<std::size_t>(reason)];
    if (!options.keep_ignored) {
      return;
    }
    Ignored ignored;
    ignored.source = std::string(item.doc.source);
    ignored.location = item.location();
    ignored.event_name = std::string(name);
    ignored.event_id = std::string(event_id);
    ignored.reason = reason;
    ignored.detail = std::string(detail_prefix) + std::string(detail);
    out.ignored.push_back(std::move(ignored));
  }

  // ---- documents

  void decodeBuffer(const PaddedBytes& input, const Doc& doc, Decoded& out) {
    decodeDocument(input.data(), input.size(), input.paddedEnd(), doc, out);
  }

  void decodeDocument(const char* data, std::size_t size, const char* buffer_end, Doc doc,
                      Decoded& out) {
    doc.buffer_end = buffer_end;
    std::string_view text(data, size);
    if (text.starts_with(kByteOrderMark)) {
      text.remove_prefix(kByteOrderMark.size());
    }
    if (text.find_first_not_of(kSpace) == std::string_view::npos) {
      addError(out, doc.source, doc.location, "empty input");
      return;
    }
    const Snapshot before(out);
    const error_code error = walk(text, doc, out);
    if (error == SUCCESS) {
      return;
    }
    before.restore(out);
    recover(text, doc, error, out);
  }

  // ---- inputs: whole, or a window at a time

  [[nodiscard]] std::size_t windowSize() const {
    return std::max<std::size_t>(options.window_size, 1);
  }

  // An input read through `in`: a log file larger than a window is decoded a window at a time,
  // anything else whole (at most kMaxDocumentSize).
  void decodeInput(WindowReader& in, const Doc& doc, Decoded& out) {
    const Snapshot start(out);
    const std::size_t window = windowSize();
    in.fill(0, std::max(window + 1, kHeadSize));
    if (rejected(in, start, doc, out)) {
      return;
    }
    const auto head = logFileHead(in.view());
    if (!head || (in.ended() && in.size() <= std::min(window, kMaxDocumentSize) && !in.error())) {
      decodeWhole(in, start, doc, out);
      return;
    }
    decodeWindows(in, start, doc, head->array, head->open, out);
  }

  // An error that rejects the input: nothing of it is kept. True when `in` has one.
  static bool rejected(const WindowReader& in, const Snapshot& start, const Doc& doc,
                       Decoded& out) {
    if (!in.error() || in.cutShort()) {
      return false;
    }
    reject(start, doc, in.error()->message, out);
    return true;
  }

  static void reject(const Snapshot& start, const Doc& doc, std::string_view what, Decoded& out) {
    start.restore(out);
    addError(out, doc.source, doc.location, what);
  }

  void decodeWhole(WindowReader& in, const Snapshot& start, const Doc& doc, Decoded& out) {
    const std::size_t limit = std::min(options.max_input_size, kMaxDocumentSize);
    in.fill(0, limit + 1);
    if (rejected(in, start, doc, out)) {
      return;
    }
    if (in.size() > limit) {
      reject(start, doc,
             limit == options.max_input_size
                 ? fmt::format("larger than the input size limit of {}", describeSize(limit))
                 : fmt::format("not a CloudTrail log file ({{\"Records\": [...]}}) and larger "
                               "than {}, the limit for other input",
                               describeSize(limit)),
             out);
      return;
    }
    if (in.error()) {  // cut short: what came before is no whole document
      addError(out, doc.source, doc.location, in.error()->message);
      return;
    }
    decodeDocument(in.data(), in.size(), in.paddedEnd(), doc, out);
  }

  struct Head {
    std::string_view array;  // "Records" or "Events"
    std::size_t open = 0;    // the position of its '['
  };

  // `{"Records": [` (a log file, an S3 event) or `{"Events": [` (lookup-events) at the start.
  static std::optional<Head> logFileHead(std::string_view text) {
    std::size_t pos = text.starts_with(kByteOrderMark) ? kByteOrderMark.size() : 0;
    const auto skip = [&text, &pos] {
      pos = std::min(text.size(), text.find_first_not_of(kSpace, pos));
    };
    const auto expect = [&text, &pos, &skip](std::string_view token) {
      skip();
      if (text.substr(pos, token.size()) != token) return false;
      pos += token.size();
      return true;
    };
    if (!expect("{")) return std::nullopt;
    std::string_view array;
    if (expect("\"Records\"")) {
      array = "Records";
    } else if (expect("\"Events\"")) {
      array = "Events";
    } else {
      return std::nullopt;
    }
    if (!expect(":") || !expect("[")) return std::nullopt;
    return Head{array, pos - 1};
  }

  // The first key of the array's first element, quoted (`"eventVersion"` in a CloudTrail log):
  // elements start with it, which finds the boundary between two elements near a given point.
  static std::string firstKey(std::string_view text, std::size_t open) {
    std::size_t pos = text.find_first_not_of(kSpace, open + 1);
    if (pos == std::string_view::npos || text[pos] != '{') return {};
    pos = text.find_first_not_of(kSpace, pos + 1);
    if (pos == std::string_view::npos || text[pos] != '"') return {};
    const std::size_t close = text.find('"', pos + 1);
    if (close == std::string_view::npos || close - pos > 64 ||
        text.substr(pos, close - pos).find('\\') != std::string_view::npos) {
      return {};
    }
    return std::string(text.substr(pos, close - pos + 1));
  }

  // The comma of `} , {"key"` at or after `from` (between two elements of the array, unless the
  // same text occurs deeper inside an element, which the parser then finds out); npos when none.
  static std::size_t findBoundary(std::string_view text, std::size_t from, std::size_t open,
                                  std::string_view key) {
    const auto before = [&text](std::size_t pos) {  // the last non-space before pos, or npos
      while (pos > 0) {
        --pos;
        if (kSpace.find(text[pos]) == std::string_view::npos) return pos;
      }
      return std::string_view::npos;
    };
    while (from < text.size()) {
      std::size_t hit = key.empty() ? text.find('{', from) : text.find(key, from);
      if (hit == std::string_view::npos) return hit;
      std::size_t brace = key.empty() ? hit : before(hit);
      const std::size_t comma = brace == std::string_view::npos || text[brace] != '{'
                                    ? std::string_view::npos
                                    : before(brace);
      const std::size_t end = comma == std::string_view::npos || text[comma] != ','
                                  ? std::string_view::npos
                                  : before(comma);
      if (end != std::string_view::npos && text[end] == '}' && comma > open) {
        return comma;
      }
      from = hit + 1;
    }
    return std::string_view::npos;
  }

  // The elements from `open` (the array's '[' or the comma before) to `close` (the next comma,
  // or the ']'), parsed as one array: '[' and ']' written over those two bytes for the time of
  // the parse. On failure nothing of it stays in `out`.
  error_code decodeSpan(WindowReader& in, const Doc& doc, std::string_view array, std::size_t open,
                        std::size_t close, std::size_t& index, Decoded& out) {
    char* text = in.data();
    const char saved_open = std::exchange(text[open], '[');
    const char saved_close = std::exchange(text[close], ']');
    const Snapshot before(out);
    std::size_t next = index;
    error_code error = SUCCESS;
    od::document document;
    od::array elements;
    const auto capacity = static_cast<std::size_t>(doc.buffer_end - (text + open));
    error = parserAt(doc.depth).iterate(text + open, close - open + 1, capacity).get(document);
    if (!error) error = document.get_array().get(elements);
    if (!error) {
      for (auto element : elements) {
        error = decodeArrayElement(std::move(element), Item{doc, array, next++}, out);
        if (error) break;
      }
    }
    if (!error && document.current_location().error() != simdjson::OUT_OF_BOUNDS) {
      error = simdjson::TRAILING_CONTENT;
    }
    text[open] = saved_open;
    text[close] = saved_close;
    if (error) {
      before.restore(out);
    } else {
      index = next;
    }
    return error;
  }

  // Elements the parser could not take together, one by one: only the bad ones are lost.
  void recoverElements(const std::vector<std::string_view>& elements, const Doc& doc,
                       std::string_view array, std::size_t& index, error_code error, Decoded& out) {
    const std::size_t errors_before = out.errors.size();
    for (const std::string_view element : elements) {
      decodeElementAlone(element, Item{doc, array, index++}, out);
    }
    if (out.errors.size() == errors_before) {
      addError(out, doc.source, doc.location,
               fmt::format("malformed JSON around the {} array ({})", array,
                           simdjson::error_message(error)));
    }
  }

  // A log file a window at a time: the parser indexes one window of records (never the whole
  // file), and a stream is read a window ahead, so memory stays at a few windows.
  void decodeWindows(WindowReader& in, const Snapshot& start, Doc doc, std::string_view array,
                     std::size_t open, Decoded& out) {
    const std::size_t window = windowSize();
    const std::string key = firstKey(in.view(), open);
    std::size_t index = 0;  // of the next element
    std::size_t want = 2 * window;
    bool exact = false;  // the quick boundary failed: find it by bracket depth
    while (true) {
      if (!in.ended() && in.size() - open < want) {
        in.fill(open, want);
        open = 0;
        if (rejected(in, start, doc, out)) return;
      }
      doc.buffer_end = in.paddedEnd();
      const std::string_view text = in.view();
      const std::size_t target = open + window;
      std::size_t close = std::string_view::npos;
      std::optional<ArrayScan> scan;
      if (!exact && target < text.size()) {
        close = findBoundary(text, target, open, key);
      } else if (exact) {
        scan = scanArray(text, open + 1, target);
        close = scan->separator;
        if (close == std::string_view::npos && scan->close != std::string_view::npos &&
            in.ended()) {
          decodeLast(in, doc, array, open, index, out);
          return;
        }
      }
      if (close == std::string_view::npos) {
        if (in.ended()) {
          decodeLast(in, doc, array, open, index, out);
          return;
        }
        if (text.size() - open > window + kMaxDocumentSize) {
          reject(start, doc,
                 fmt::format("{}[{}]: no end of the record within {}", array, index,
                             describeSize(kMaxDocumentSize)),
                 out);
          return;
        }
        want = 2 * (text.size() - open);  // a long record: read further
        continue;
      }
      const error_code error = decodeSpan(in, doc, array, open, close, index, out);
      if (error && !exact) {
        exact = true;  // find the boundary by bracket depth, then try again
        continue;
      }
      if (error) {
        recoverElements(scan->elements, doc, array, index, error, out);
      }
      open = close;
      exact = false;
      want = 2 * window;
    }
  }

  // The rest of a log file once the input has ended: the last records, the array's ']' and the
  // end of the root object, or a cut.
  void decodeLast(WindowReader& in, Doc doc, std::string_view array, std::size_t open,
                  std::size_t index, Decoded& out) {
    doc.buffer_end = in.paddedEnd();
    if (in.error()) {  // cut short or corrupt: reported once, the records before still count
      addError(out, doc.source, doc.location, in.error()->message);
    }
    const std::string_view text = in.view();
    // The usual end: `]` `}`.
    std::size_t close = text.find_last_not_of(kSpace);
    if (close != std::string_view::npos && text[close] == '}' && close > open) {
      close = text.find_last_not_of(kSpace, close - 1);
    }
    error_code error = simdjson::TAPE_ERROR;
    if (close != std::string_view::npos && close > open && text[close] == ']') {
      error = decodeSpan(in, doc, array, open, close, index, out);
      if (!error) return;
    }
    const ArrayScan scan = scanArray(text, open + 1);
    if (scan.close != std::string_view::npos) {
      if (scan.close != close) {
        error = decodeSpan(in, doc, array, open, scan.close, index, out);
      }
      if (error) {
        recoverElements(scan.elements, doc, array, index, error, out);
      }
      decodeTail(text.substr(scan.close + 1), doc, array, out);
      return;
    }
    // Not closed: the input was cut.
    std::vector<std::string_view> elements = scan.elements;
    std::optional<std::string_view> last;
    if (in.cutShort() && !elements.empty()) {
      last = elements.back();  // whole only if the cut fell right after it
      elements.pop_back();
    }
    const std::size_t errors_before = out.errors.size();
    for (const std::string_view element : elements) {
      decodeElementAlone(element, Item{doc, array, index++}, out);
    }
    if (last) {
      const Snapshot before(out);
      decodeElementAlone(*last, Item{doc, array, index}, out);
      if (out.errors.size() > before.errors) {
        before.restore(out);  // the cut is reported already
      }
    } else if (out.errors.size() == errors_before && !in.cutShort()) {
      addError(out, doc.source, doc.location,
               fmt::format("malformed JSON: the {} array is not closed", array));
    }
  }

  // What follows the array's ']' in the root object when it is not just `}`: decoded as the
  // same object with an empty array, so its members are checked as in a whole document.
  void decodeTail(std::string_view tail, const Doc& doc, std::string_view array, Decoded& out) {
    const std::size_t end = tail.find_first_not_of(kSpace);
    if (end != std::string_view::npos && tail[end] == '}' &&
        tail.find_first_not_of(kSpace, end + 1) == std::string_view::npos) {
      return;
    }
    std::string rest = fmt::format("{{\"{}\":[]", array);
    rest += tail;
    const PaddedBytes bytes(rest);
    decodeBuffer(bytes, Doc{doc.source, doc.location, doc.depth, nullptr}, out);
  }

  // The fast path: one On-Demand pass over the whole document.
  error_code walk(std::string_view text, const Doc& doc, Decoded& out) {
    od::document document;
    const auto capacity = static_cast<std::size_t>(doc.buffer_end - text.data());
    if (auto error =
            parserAt(doc.depth).iterate(text.data(), text.size(), capacity).get(document)) {
      return error;
    }
    od::json_type type{};
    if (auto error = document.type().get(type)) {
      return error;
    }
    if (type != od::json_type::object) {
      addError(out, doc.source, doc.location,
               fmt::format("expected a JSON object, found {}", typeName(type)));
      return SUCCESS;
    }
    od::object root;
    if (auto error = document.get_object().get(root)) {
      return error;
    }
    Fields fields;
    if (auto error = scan(root, fields, &doc, out)) {
      return error;
    }
    if (document.current_location().error() != simdjson::OUT_OF_BOUNDS) {
      return simdjson::TRAILING_CONTENT;
    }
    decodeRoot(fields, Item{doc, {}, 0}, out);
    return SUCCESS;
  }

  // The slow path for a document the fast path could not walk: its Records (or Events) array
  // element by element, so that only the bad records are lost.
  void recover(std::string_view text, const Doc& doc, error_code error, Decoded& out) {
    std::string_view array = "Records";
    auto elements = splitTopLevelArray(text, array);
    if (!elements) {
      array = "Events";
      elements = splitTopLevelArray(text, array);
    }
    if (!elements) {
      addError(out, doc.source, doc.location,
               fmt::format("not valid JSON ({})", simdjson::error_message(error)));
      return;
    }
    const std::size_t errors_before = out.errors.size();
    for (std::size_t index = 0; index < elements->size(); ++index) {
      decodeElementAlone((*elements)[index], Item{doc, array, index}, out);
    }
    if (out.errors.size() == errors_before) {
      addError(out, doc.source, doc.location,
               fmt::format("malformed JSON around the {} array ({})", array,
                           simdjson::error_message(error)));
    }
  }

  void decodeElementAlone(std::string_view span, const Item& item, Decoded& out) {
    od::document document;
    od::object object;
    Fields fields;
    const auto capacity = static_cast<std::size_t>(item.doc.buffer_end - span.data());
    od::json_type type{};
    error_code error =
        parserAt(item.doc.depth).iterate(span.data(), span.size(), capacity).get(document);
    if (!error) error = document.type().get(type);
    if (!error && type != od::json_type::object) {
      recordError(item, fmt::format("expected an object, found {}", typeName(type)), out);
      return;
    }
    if (!error) error = document.get_object().get(object);
    if (!error) error = scan(object, fields, nullptr, out);
    if (!error && document.current_location().error() != simdjson::OUT_OF_BOUNDS) {
      error = simdjson::TRAILING_CONTENT;
    }
    if (error) {
      recordError(item, fmt::format("malformed JSON ({})", simdjson::error_message(error)), out);
      return;
    }
    decodeElement(fields, item, out);
  }

  // JSON held in a string (SNS Message, SQS body, lookup-events CloudTrailEvent).
  void decodeNested(std::string_view text, const Doc& parent, std::string location, Decoded& out) {
    if (parent.depth + 1 > kMaxNesting) {
      addError(out, parent.source, location, "messages nested too deeply");
      return;
    }
    const PaddedBytes bytes(text);
    Doc doc{parent.source, std::move(location), parent.depth + 1, nullptr};
    decodeBuffer(bytes, doc, out);
  }

  // ---- scanning

  // Reads the members of `object` into `fields`. At the root (`root` set) a Records or Events
  // array is decoded on the way, element by element. With `stop_early`, stops at the point a
  // record is known to be one trailwall ignores for its event (most of a log file); the caller
  // then leaves the rest of the object to the parser to skip. Returns an error only for JSON the
  // parser cannot continue through.
  error_code scan(od::object& object, Fields& fields, const Doc* root, Decoded& out,
                  bool stop_early = false) {
    for (auto member_result : object) {
      od::field member;
      if (auto error = std::move(member_result).get(member)) {
        return error;
      }
      od::value& value = member.value();
      error_code error = SUCCESS;
      switch (classify(member.key().raw())) {
        case Member::Other: break;
        case Member::EventName:
          error = readString(value, "eventName", fields.event_name, fields);
          if (stop_early && !error && notActedOn(fields)) return SUCCESS;
          break;
        case Member::EventSource:
          error = readString(value, "eventSource", fields.event_source, fields);
          if (stop_early && !error && notActedOn(fields)) return SUCCESS;
          break;
        case Member::EventTime:
          error = readString(value, "eventTime", fields.event_time, fields);
          break;
        case Member::EventId: error = readString(value, "eventID", fields.event_id, fields); break;
        case Member::AwsRegion:
          error = readString(value, "awsRegion", fields.aws_region, fields);
          break;
        case Member::RecipientAccountId:
          error = readString(value, "recipientAccountId", fields.recipient_account_id, fields);
          break;
        case Member::ErrorCode:
          error = readString(value, "errorCode", fields.error_code, fields);
          break;
        case Member::UserIdentity:
          error = readRaw(value, "userIdentity", fields.user_identity, fields);
          break;
        case Member::RequestParameters:
          error = readRaw(value, "requestParameters", fields.request_parameters, fields);
          break;
        case Member::ResponseElements:
          error = readRaw(value, "responseElements", fields.response_elements, fields);
          break;
        case Member::DetailType:
          error = readString(value, "detail-type", fields.detail_type, fields);
          break;
        case Member::Detail: error = readRaw(value, "detail", fields.detail, fields); break;
        case Member::Account: error = readString(value, "account", fields.account, fields); break;
        case Member::Region: error = readString(value, "region", fields.region, fields); break;
        case Member::Time: error = readString(value, "time", fields.time, fields); break;
        case Member::Id: error = readString(value, "id", fields.id, fields); break;
        case Member::Type: error = readString(value, "Type", fields.type, fields); break;
        case Member::Message: error = readString(value, "Message", fields.message, fields); break;
        case Member::Event: error = readString(value, "Event", fields.event, fields); break;
        case Member::S3Bucket:
          error = readString(value, "s3Bucket", fields.s3_bucket, fields);
          break;
        case Member::S3ObjectKey:
          error = readRaw(value, "s3ObjectKey", fields.s3_object_key, fields, true);
          break;
        case Member::S3: error = readRaw(value, "s3", fields.s3, fields); break;
        case Member::Sns: error = readRaw(value, "Sns", fields.sns, fields); break;
        case Member::Body: error = readString(value, "body", fields.body, fields); break;
        case Member::CloudTrailEvent:
          error = readString(value, "CloudTrailEvent", fields.cloudtrail_event, fields);
          break;
        case Member::Records:
        case Member::Events:
          if (root != nullptr) {
            const bool records = member.key().raw()[0] == 'R';
            error = decodeArray(value, records ? "Records" : "Events", *root, fields, out);
          }
          break;
      }
      if (error) {
        return error;
      }
    }
    return SUCCESS;
  }

  error_code decodeArray(od::value& value, std::string_view name, const Doc& doc, Fields& fields,
                         Decoded& out) {
    od::json_type type{};
    if (auto error = value.type().get(type)) {
      return error;
    }
    if (type != od::json_type::array) {
      fields.noteBad(name, "an array", type);
      return SUCCESS;
    }
    fields.array_decoded = true;
    od::array elements;
    if (auto error = value.get_array().get(elements)) {
      return error;
    }
    std::size_t index = 0;
    for (auto element : elements) {
      if (auto error = decodeArrayElement(std::move(element), Item{doc, name, index++}, out)) {
        return error;
      }
    }
    return SUCCESS;
  }

  // One element of a root Records (or Events) array.
  error_code decodeArrayElement(simdjson::simdjson_result<od::value> element_result,
                                const Item& item, Decoded& out) {
    od::value element;
    if (auto error = std::move(element_result).get(element)) {
      return error;
    }
    od::json_type type{};
    if (auto error = element.type().get(type)) {
      return error;
    }
    if (type != od::json_type::object) {
      recordError(item, fmt::format("expected an object, found {}", typeName(type)), out);
      return SUCCESS;
    }
    od::object object;
    if (auto error = element.get_object().get(object)) {
      return error;
    }
    Fields element_fields;
    // Listing ignored records needs their eventID, which comes late in a record.
    if (auto error = scan(object, element_fields, nullptr, out, !options.keep_ignored)) {
      return error;
    }
    decodeElement(element_fields, item, out);
    return SUCCESS;
  }

  // ---- shapes

  static bool reportBad(const Fields& fields, const Item& item, Decoded& out) {
    if (fields.bad_member.empty()) {
      return false;
    }
    recordError(item,
                fmt::format("{}: expected {}, found {}", fields.bad_member, fields.bad_expected,
                            typeName(fields.bad_found)),
                out);
    return true;
  }

  // The root object of a document.
  void decodeRoot(const Fields& fields, const Item& item, Decoded& out) {
    if (reportBad(fields, item, out) || fields.array_decoded) {
      return;  // a log file, S3 event or Lambda event: its elements are done
    }
    if (fields.detail_type) {
      decodeEventBridge(fields, item, out);
    } else if (fields.type && fields.message) {
      if (*fields.type == "Notification") {
        decodeNested(*fields.message, item.doc, item.member("Message"), out);
      } else {
        ignore(item, fmt::format("SNS {}", *fields.type), {}, IgnoreReason::NotActedOn, {}, {},
               out);
      }
    } else if (fields.event) {
      if (*fields.event == "s3:TestEvent") {
        ignore(item, *fields.event, {}, IgnoreReason::S3TestEvent, {}, {}, out);
      } else {
        recordError(item, fmt::format("unknown S3 message Event \"{}\"", *fields.event), out);
      }
    } else if (fields.s3_bucket || !fields.s3_object_key.empty()) {
      decodeCloudTrailNotification(fields, item, out);
    } else if (fields.event_name) {
      decodeRecord(fields, Envelope{}, item, out);
    } else {
      recordError(item,
                  "not a CloudTrail log file or record, EventBridge event, S3 or SNS "
                  "notification, or SQS message",
                  out);
    }
  }

  // An element of a root Records (or Events) array.
  void decodeElement(const Fields& fields, const Item& item, Decoded& out) {
    if (reportBad(fields, item, out)) {
      return;
    }
    if (!fields.s3.empty()) {
      decodeS3Record(fields, item, out);
    } else if (fields.body) {
      decodeNested(*fields.body, item.doc, item.member("body"), out);
    } else if (!fields.sns.empty()) {
      decodeLambdaSns(fields, item, out);
    } else if (fields.cloudtrail_event) {
      decodeNested(*fields.cloudtrail_event, item.doc, item.member("CloudTrailEvent"), out);
    } else if (fields.event_name) {
      decodeRecord(fields, Envelope{}, item, out);
    } else {
      recordError(item, "not a CloudTrail record, S3 event record or SQS message (no eventName)",
                  out);
    }
  }

  void decodeEventBridge(const Fields& fields, const Item& item, Decoded& out) {
    const std::string_view detail_type = *fields.detail_type;
    if (detail_type == "AWS API Call via CloudTrail") {
      if (fields.detail.empty()) {
        recordError(item, "missing detail", out);
        return;
      }
      const Doc detail_doc{item.doc.source, item.member("detail"), item.doc.depth + 1,
                           item.doc.buffer_end};
      const Item detail_item{detail_doc, {}, 0};
      od::document document;
      od::object object;
      Fields record;
      const auto capacity = static_cast<std::size_t>(item.doc.buffer_end - fields.detail.data());
      error_code error = parserAt(detail_doc.depth)
                             .iterate(fields.detail.data(), fields.detail.size(), capacity)
                             .get(document);
      if (!error) error = document.get_object().get(object);
      if (!error) error = scan(object, record, nullptr, out);
      if (error) {
        recordError(detail_item, fmt::format("malformed JSON ({})", simdjson::error_message(error)),
                    out);
        return;
      }
      if (reportBad(record, detail_item, out)) {
        return;
      }
      if (!record.event_name) {
        recordError(detail_item, "missing eventName", out);
        return;
      }
      decodeRecord(record, Envelope{fields.account, fields.region}, detail_item, out);
    } else if (detail_type == "Scheduled Event") {
      Change change;
      change.event_name = "Scheduled Event";
      change.event_time = std::string(fields.time.value_or(""));
      change.account = std::string(fields.account.value_or(""));
      change.region = std::string(fields.region.value_or(""));
      change.event_id = std::string(fields.id.value_or(""));
      change.source = std::string(item.doc.source);
      change.location = item.location();
      change.scope.everything = true;  // a schedule asks for a full reconcile
      ++out.records;
      out.changes.push_back(std::move(change));
    } else {
      ignore(item, detail_type, fields.id.value_or(""), IgnoreReason::NotActedOn,
             "EventBridge detail-type ", detail_type, out);
    }
  }

  // One CloudTrail record (from a log file, alone, or an EventBridge detail).
  void decodeRecord(const Fields& f, const Envelope& envelope, const Item& item, Decoded& out) {
    const std::string_view name = *f.event_name;
    const std::string_view event_id = f.event_id.value_or("");
    if (!f.event_source) {
      recordError(item, "missing eventSource", out);
      return;
    }
    if (*f.event_source != "ec2.amazonaws.com") {
      ignore(item, name, event_id, IgnoreReason::NotActedOn, "eventSource ", *f.event_source, out);
      return;
    }
    const EventLookup lookup = findEvent(name);
    if (lookup.kind == EventKind::NotHandled) {
      ignore(item, name, event_id, IgnoreReason::NotActedOn, {}, {}, out);
      return;
    }
    if (lookup.kind == EventKind::Egress) {
      ignore(item, name, event_id, IgnoreReason::EgressRule, {}, {}, out);
      return;
    }
    if (f.error_code) {
      ignore(item, name, event_id, IgnoreReason::FailedCall, "errorCode ", *f.error_code, out);
      return;
    }
    std::optional<std::string_view> account = f.recipient_account_id;
    if (!account && !f.user_identity.empty()) {
      account = userIdentityAccount(f.user_identity);
    }
    if (!account) {
      account = envelope.account;
    }
    if (!accepted(options.filter.accounts, account.value_or(""))) {
      ignore(item, name, event_id, IgnoreReason::AccountNotConfigured, "account ",
             account.value_or("(none)"), out);
      return;
    }
    const std::optional<std::string_view> region = f.aws_region ? f.aws_region : envelope.region;
    if (!region) {
      recordError(item, "missing awsRegion", out);
      return;
    }
    if (!accepted(options.filter.regions, *region)) {
      ignore(item, name, event_id, IgnoreReason::RegionNotConfigured, "region ", *region, out);
      return;
    }
    if (!f.event_time) {
      recordError(item, "missing eventTime", out);
      return;
    }
    auto request = parseParams(request_dom, f.request_parameters, "requestParameters",
                               std::string(name) + "Request");
    auto response = parseParams(response_dom, f.response_elements, "responseElements",
                                std::string(name) + "Response");
    if (!request || !response) {
      recordError(item, (request ? response : request).error().message, out);
      return;
    }
    auto extracted = extractScope(*lookup.rule, *request, *response);
    if (!extracted) {
      recordError(item, extracted.error().message, out);
      return;
    }
    if (extracted->attribute_not_acted_on) {
      ignore(item, name, event_id, IgnoreReason::AttributeNotActedOn, "changes ",
             *extracted->attribute_not_acted_on, out);
      return;
    }
    Change change;
    change.event_name = std::string(name);
    change.event_time = std::string(*f.event_time);
    change.account = std::string(account.value_or(""));
    change.region = std::string(*region);
    change.event_id = std::string(event_id);
    change.source = std::string(item.doc.source);
    change.location = item.location();
    change.scope = std::move(extracted->scope);
    if (!f.user_identity.empty()) change.principal = userIdentityPrincipal(f.user_identity);
    ++out.records;
    out.changes.push_back(std::move(change));
  }

  static Result<Params> parseParams(dom::parser& parser, std::string_view raw,
                                    std::string_view name, std::string wrapper) {
    Params params;
    params.name = name;
    params.wrapper = std::move(wrapper);
    if (raw.empty()) {
      return params;  // absent or null
    }
    // The span lies inside a padded buffer, so the parser need not copy it.
    if (auto error = parser.parse(raw.data(), raw.size(), false).get(params.root)) {
      return fail(ErrorCode::InvalidInput,
                  fmt::format("{}: malformed JSON ({})", name, simdjson::error_message(error)));
    }
    params.present = true;
    return params;
  }

  std::optional<std::string_view> userIdentityAccount(std::string_view raw) {
    dom::element identity;
    std::string_view account;
    if (misc_dom.parse(raw.data(), raw.size(), false).get(identity) != SUCCESS ||
        identity["accountId"].get(account) != SUCCESS || account.empty()) {
      return std::nullopt;
    }
    return account;
  }

  // Who made the call: userIdentity.arn, else invokedBy (an AWS service), else its type.
  std::string userIdentityPrincipal(std::string_view raw) {
    dom::element identity;
    if (misc_dom.parse(raw.data(), raw.size(), false).get(identity) != SUCCESS) return {};
    for (const char* key : {"arn", "invokedBy", "type"}) {
      std::string_view value;
      if (identity[key].get(value) == SUCCESS && !value.empty()) return std::string(value);
    }
    return {};
  }

  // ---- S3 and SNS notifications

  // A log file key to fetch, unless it is no CloudTrail log or of an account or region not
  // configured.
  void addLogObject(std::string_view bucket, std::string key, std::string_view region,
                    const Item& item, std::string location, Decoded& out) {
    const auto log_key = parseLogKey(key);
    if (!log_key) {
      ignore(item, key, {}, IgnoreReason::NotCloudTrailLog, {}, {}, out);
      return;
    }
    if (!log_key->account.empty() && !accepted(options.filter.accounts, log_key->account)) {
      ignore(item, key, {}, IgnoreReason::AccountNotConfigured, "account ", log_key->account, out);
      return;
    }
    if (!log_key->region.empty() && !accepted(options.filter.regions, log_key->region)) {
      ignore(item, key, {}, IgnoreReason::RegionNotConfigured, "region ", log_key->region, out);
      return;
    }
    ++out.records;
    out.objects.push_back(LogObject{std::string(bucket), std::move(key), std::string(region),
                                    std::string(item.doc.source), std::move(location)});
  }

  // An S3 event notification record: s3.bucket.name and s3.object.key (URL-encoded).
  void decodeS3Record(const Fields& f, const Item& item, Decoded& out) {
    const std::string_view event_name = f.event_name.value_or("");
    if (!event_name.starts_with("ObjectCreated:")) {
      ignore(item, event_name, {}, IgnoreReason::NotObjectCreated, {}, {}, out);
      return;
    }
    dom::element s3;
    std::string_view bucket;
    std::string_view encoded_key;
    if (misc_dom.parse(f.s3.data(), f.s3.size(), false).get(s3) != SUCCESS) {
      recordError(item, "s3: malformed JSON", out);
      return;
    }
    if (s3["bucket"]["name"].get(bucket) != SUCCESS || bucket.empty()) {
      recordError(item, "missing s3.bucket.name (a string)", out);
      return;
    }
    if (s3["object"]["key"].get(encoded_key) != SUCCESS || encoded_key.empty()) {
      recordError(item, "missing s3.object.key (a string)", out);
      return;
    }
    auto key = decodeS3EventKey(encoded_key);
    if (!key) {
      recordError(item, key.error().message, out);
      return;
    }
    addLogObject(bucket, std::move(*key), f.aws_region.value_or(""), item, item.location(), out);
  }

  // CloudTrail's own SNS notification: {"s3Bucket": "…", "s3ObjectKey": ["…", …]} (keys plain).
  void decodeCloudTrailNotification(const Fields& f, const Item& item, Decoded& out) {
    if (!f.s3_bucket || f.s3_bucket->empty()) {
      recordError(item, "missing s3Bucket", out);
      return;
    }
    dom::element keys;
    dom::array key_array;
    if (f.s3_object_key.empty() ||
        misc_dom.parse(f.s3_object_key.data(), f.s3_object_key.size(), false).get(keys) !=
            SUCCESS ||
        keys.get_array().get(key_array) != SUCCESS) {
      recordError(item, "missing s3ObjectKey (an array of strings)", out);
      return;
    }
    std::size_t index = 0;
    for (dom::element element : key_array) {
      const std::string location = item.member(fmt::format("s3ObjectKey[{}]", index++));
      std::string_view key;
      if (element.get_string().get(key) != SUCCESS || key.empty()) {
        ++out.records;
        addError(out, item.doc.source, location, "expected a non-empty string");
        continue;
      }
      addLogObject(*f.s3_bucket, std::string(key), {}, item, location, out);
    }
  }

  // A Lambda SNS event record: Sns.Message holds the published JSON.
  void decodeLambdaSns(const Fields& f, const Item& item, Decoded& out) {
    dom::element sns;
    std::string_view message;
    if (misc_dom.parse(f.sns.data(), f.sns.size(), false).get(sns) != SUCCESS ||
        sns["Message"].get(message) != SUCCESS) {
      recordError(item, "missing Sns.Message (a string)", out);
      return;
    }
    decodeNested(message, item.doc, item.member("Sns.Message"), out);
  }
};

Decoder::Decoder(DecodeOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
}

Decoder::~Decoder() = default;
Decoder::Decoder(Decoder&&) noexcept = default;
Decoder& Decoder::operator=(Decoder&&) noexcept = default;

const DecodeOptions& Decoder::options() const {
  return impl_->options;
}

void Decoder::decode(PaddedBytes& input, std::string_view source, Decoded& out) {
  const Doc doc{source, {}, 0, nullptr};
  try {
    if (isGzip(input.view())) {
      GzipSource inflater(input.view());
      WindowReader in(inflater, impl_->stream_buffer, impl_->options.max_input_size);
      impl_->decodeInput(in, doc, out);
      return;
    }
    if (input.size() > impl_->options.max_input_size) {
      Impl::addError(out, source, {},
                     fmt::format("larger than the input size limit of {}",
                                 describeSize(impl_->options.max_input_size)));
      return;
    }
    WindowReader in(input);
    impl_->decodeInput(in, doc, out);
  } catch (const std::bad_alloc&) {
    out.errors.push_back(
        Error{ErrorCode::InvalidInput, std::string(source) + ": out of memory decoding the input"});
  }
}

void Decoder::decode(ByteSource& input, std::string_view source, Decoded& out) {
  const Doc doc{source, {}, 0, nullptr};
  try {
    PeekedSource peeked(input);
    auto head = peeked.peek();
    if (!head) {
      Impl::addError(out, source, {}, head.error().message);
      return;
    }
    if (isGzip(*head)) {
      GzipSource inflater(peeked);
      WindowReader in(inflater, impl_->stream_buffer, impl_->options.max_input_size);
      impl_->decodeInput(in, doc, out);
      return;
    }
    WindowReader in(peeked, impl_->stream_buffer, impl_->options.max_input_size);
    impl_->decodeInput(in, doc, out);
  } catch (const std::bad_alloc&) {
    out.errors.push_back(
        Error{ErrorCode::InvalidInput, std::string(source) + ": out of memory decoding the input"});
  }
}

void Decoder::decode(const PaddedBytes& input, std::string_view source, Decoded& out) {
  decode(input.view(), source, out);
}

void Decoder::decode(std::string_view input, std::string_view source, Decoded& out) {
  MemorySource bytes(input);
  decode(static_cast<ByteSource&>(bytes), source, out);
}

}  // namespace trailwall::cloudtrail
