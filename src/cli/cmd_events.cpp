// `trailwall events FILE…|-`: decodes CloudTrail input offline and shows what trailwall would
// look at (each change with its scope), what it ignores and why, and what is wrong with the input.
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include <CLI/CLI.hpp>

#include "cli/command.h"
#include "cli/input.h"
#include "cli/output.h"
#include "cloudtrail/decoder.h"
#include "cloudtrail/gzip.h"
#include "cloudtrail/report.h"

namespace trailwall::cli {
namespace {

using cloudtrail::Decoded;

struct EventsOptions {
  std::vector<std::string> inputs;
  std::vector<std::string> accounts;
  std::vector<std::string> regions;
  std::size_t max_input_size = cloudtrail::kDefaultMaxInputSize;
  double read_timeout_seconds = 60;
};

std::string scopeText(const inventory::Scope& scope) {
  std::string text;
  const auto line = [&text](std::string_view label, const std::set<std::string>& ids) {
    if (!ids.empty()) {
      text += fmt::format("    {}: {}\n", label, fmt::join(ids, " "));
    }
  };
  if (scope.everything) {
    text += "    everything (full reconcile)\n";
  }
  line("instances", scope.instance_ids);
  line("security groups", scope.group_ids);
  line("security groups by name", scope.group_names);
  line("network interfaces", scope.network_interface_ids);
  line("interface attachments", scope.network_interface_attachment_ids);
  line("subnets", scope.subnet_ids);
  line("route tables", scope.route_table_ids);
  line("route table associations", scope.route_table_association_ids);
  line("VPCs", scope.vpc_ids);
  line("prefix lists", scope.prefix_list_ids);
  return text;
}

std::string where(std::string_view source, std::string_view location) {
  return location.empty() ? std::string(source) : fmt::format("{}: {}", source, location);
}

std::string text(const Decoded& decoded, bool verbose) {
  std::string out;
  for (const auto& change : decoded.changes) {
    out += fmt::format(
        "{} {}  account {}  region {}  event {}  ({})\n", change.event_time, change.event_name,
        change.account.empty() ? "-" : change.account, change.region.empty() ? "-" : change.region,
        change.event_id.empty() ? "-" : change.event_id, where(change.source, change.location));
    out += scopeText(change.scope);
  }
  for (const auto& object : decoded.objects) {
    out += fmt::format("fetch s3://{}/{}{}  ({})\n", object.bucket, object.key,
                       object.region.empty() ? "" : "  region " + object.region,
                       where(object.source, object.location));
  }
  if (verbose) {
    for (const auto& ignored : decoded.ignored) {
      out += fmt::format("ignored {}{}: {}{}  ({})\n", ignored.event_name,
                         ignored.event_id.empty() ? "" : " " + ignored.event_id,
                         to_string(ignored.reason),
                         ignored.detail.empty() ? "" : " (" + ignored.detail + ")",
                         where(ignored.source, ignored.location));
    }
  }
  out += fmt::format("records {}: changes {}, log files to fetch {}, ignored {}, errors {}\n",
                     decoded.records, decoded.changes.size(), decoded.objects.size(),
                     decoded.ignoredTotal(), decoded.errors.size());
  for (std::size_t i = 0; i < cloudtrail::kIgnoreReasonCount; ++i) {
    if (decoded.ignored_count[i] > 0) {
      const auto reason = static_cast<cloudtrail::IgnoreReason>(i);
      out += fmt::format("  ignored {:>8}  {}: {}\n", decoded.ignored_count[i], to_string(reason),
                         describe(reason));
    }
  }
  return out;
}

int run(const EventsOptions& options, const GlobalOptions& global) {
  cloudtrail::DecodeOptions decode_options;
  decode_options.filter.accounts.insert(options.accounts.begin(), options.accounts.end());
  decode_options.filter.regions.insert(options.regions.begin(), options.regions.end());
  decode_options.keep_ignored = global.verbose;
  decode_options.max_input_size = options.max_input_size;
  cloudtrail::Decoder decoder(std::move(decode_options));
  InputLimits limits;
  limits.max_size = options.max_input_size;
  limits.idle_timeout_ms = static_cast<int>(options.read_timeout_seconds * 1000);
  Decoded decoded;
  bool failed = false;
  for (const std::string& input : options.inputs) {
    auto source = FileSource::open(input, limits);
    if (!source) {
      reportError(source.error());
      failed = true;
      continue;
    }
    const std::string name = inputName(input);
    cloudtrail::PeekedSource peeked(**source);
    auto head = peeked.peek();
    if (!head) {
      reportError(head.error().withContext(name));
      failed = true;
      continue;
    }
    const bool gzip = cloudtrail::isGzip(*head);
    if ((*source)->regular() && !gzip) {
      // Mapped and decoded in place: no copy; the page table is filled ahead of the decoder.
      auto bytes = readPadded(**source, name, limits);
      if (!bytes) {
        reportError(bytes.error());
        failed = true;
        continue;
      }
      decoder.decode(*bytes, name, decoded);
      continue;
    }
    // gzip and streams, a window at a time: memory stays at a few windows whatever the size.
    // Reading and inflating run on a second thread, overlapped with decoding.
    std::optional<cloudtrail::GzipSource> inflater;
    if (gzip) inflater.emplace(peeked);
    PipelinedSource pipeline(inflater ? static_cast<cloudtrail::ByteSource&>(*inflater)
                                      : static_cast<cloudtrail::ByteSource&>(peeked));
    decoder.decode(pipeline, name, decoded);
  }
  for (const Error& error : decoded.errors) {
    reportError(error);
  }
  failed = failed || !decoded.errors.empty();
  if (global.output == OutputFormat::Json) {
    printOut(cloudtrail::toJson(decoded, global.verbose) + "\n");
  } else {
    printOut(text(decoded, global.verbose));
  }
  return failed ? kExitError : kExitOk;
}

}  // namespace

void registerEventsCommand(CLI::App& app, CommandContext& ctx) {
  auto options = std::make_shared<EventsOptions>();
  auto* sub = app.add_subcommand(
      "events",
      "Decode CloudTrail input offline: log files (.json or .json.gz), single records, "
      "EventBridge events, S3/SNS notifications and SQS messages; print each change with its "
      "scope and count the ignored records by reason (--verbose lists them).");
  sub->add_option("inputs", options->inputs, "Files to decode; - reads stdin")->required();
  sub->add_option("--account", options->accounts,
                  "Only records of this account (repeat or comma-separate; default: all)")
      ->delimiter(',');
  sub->add_option("--region", options->regions,
                  "Only records of this region (repeat or comma-separate; default: all)")
      ->delimiter(',');
  sub->add_option("--max-input-size", options->max_input_size,
                  "Largest input: bytes of a file or stdin, or what a .gz inflates to (e.g. 512M; "
                  "default 2G); a larger input is one error and nothing of it is used")
      ->transform(CLI::AsSizeValue(false));
  sub->add_option("--read-timeout", options->read_timeout_seconds,
                  "Seconds a pipe or FIFO may stay silent before it is given up (default 60)")
      ->check(CLI::Range(0.001, 86400.0));
  sub->footer(
      "Exit codes: 0 = every input decoded; 1 = an input could not be read or held bad records "
      "(errors go to stderr naming the file and record; what did decode is still printed).");
  sub->callback([options, &ctx] { ctx.exit_code = run(*options, ctx.global); });
}

}  // namespace trailwall::cli
