#include "serve/metrics_text.h"

#include <cmath>
#include <initializer_list>

#include <fmt/format.h>

namespace trailwall::serve {
namespace {

std::string number(double value) {
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (std::isnan(value)) return "NaN";
  return fmt::format("{}", value);
}

double epochSeconds(SystemTime t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

// Writes one family at a time: header, then samples.
class Writer {
 public:
  void family(std::string_view name, std::string_view type, std::string_view help) {
    name_ = name;
    out_ += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, escapeHelp(help), name, type);
  }
  void sample(std::initializer_list<LabelPair> labels, double value, std::string_view suffix = {}) {
    out_ += name_;
    out_ += suffix;
    if (labels.size() > 0) {
      out_ += '{';
      bool first = true;
      for (const auto& [key, v] : labels) {
        if (!first) out_ += ',';
        first = false;
        out_ += fmt::format("{}=\"{}\"", key, escapeLabelValue(v));
      }
      out_ += '}';
    }
    out_ += ' ';
    out_ += number(value);
    out_ += '\n';
  }
  void histogram(const Histogram& h) {
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < h.bounds.size(); ++i) {
      cumulative += h.counts[i];
      sample({{"le", number(h.bounds[i])}}, static_cast<double>(cumulative), "_bucket");
    }
    sample({{"le", "+Inf"}}, static_cast<double>(h.count), "_bucket");
    sample({}, h.sum, "_sum");
    sample({}, static_cast<double>(h.count), "_count");
  }
  [[nodiscard]] std::string take() { return std::move(out_); }

 private:
  std::string out_;
  std::string name_;
};

// The format's escapes: backslash and newline always, double quotes in label values.
std::string escaped(std::string_view text, bool quotes) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && quotes) {
      out += "\\\"";
    } else {
      out += c;
    }
  }
  return out;
}

template <class Map>
std::uint64_t valueOr0(const Map& map, const typename Map::key_type& key) {
  const auto it = map.find(key);
  return it == map.end() ? 0 : it->second;
}

}  // namespace

std::string escapeLabelValue(std::string_view value) {
  return escaped(value, true);
}

std::string escapeHelp(std::string_view text) {
  return escaped(text, false);
}

std::string renderMetrics(const Snapshot& s, bool healthy) {
  Writer w;
  const auto d = [](std::uint64_t n) { return static_cast<double>(n); };

  w.family("trailwall_messages_received_total", "counter", "SQS messages received.");
  w.sample({}, d(s.messages_received));
  w.family("trailwall_messages_total", "counter",
           "Received messages by what their run decided: deleted (their changes are committed or "
           "nothing needed doing; the delete requests and their refusals are counted apart), "
           "retry (left for redelivery), unreadable (left for the redrive policy), "
           "held_for_order (behind a failed message of the same FIFO group).");
  for (const char* fate : {"deleted", "retry", "unreadable", "held_for_order"}) {
    w.sample({{"outcome", fate}}, d(valueOr0(s.messages, fate)));
  }
  w.family("trailwall_messages_held", "gauge",
           "Messages received and not yet settled (gathering or in the run in flight).");
  w.sample({}, d(s.held));

  w.family("trailwall_events_total", "counter",
           "CloudTrail events acted on, by event name and the outcome of their run.");
  for (const auto& [key, n] : s.events) {
    w.sample({{"name", key.first}, {"outcome", key.second}}, d(n));
  }
  w.family("trailwall_events_ignored_total", "counter", "Records ignored, by reason.");
  for (const auto& [reason, n] : s.ignored) w.sample({{"reason", reason}}, d(n));

  w.family("trailwall_runs_total", "counter",
           "Runs by kind (scoped: a batch window; full: the periodic reconcile) and outcome.");
  for (const char* kind : {"scoped", "full"}) {
    for (const char* outcome : {"ok", "failed"}) {
      w.sample({{"kind", kind}, {"outcome", outcome}}, d(valueOr0(s.runs_total, {kind, outcome})));
    }
  }
  w.family("trailwall_run_in_progress", "gauge", "1 while a run is in flight.");
  w.sample({}, s.running ? 1 : 0);
  w.family("trailwall_run_duration_seconds", "histogram", "How long runs took.");
  w.histogram(s.run_seconds);

  w.family("trailwall_commits_total", "counter",
           "Partial commits of trailwall's administrator, by outcome.");
  for (const char* outcome : {"ok", "failed"}) {
    w.sample({{"outcome", outcome}}, d(valueOr0(s.commits, outcome)));
  }
  w.family("trailwall_commit_duration_seconds", "histogram",
           "Commit jobs from enqueue to FIN, as polled.");
  w.histogram(s.commit_seconds);

  w.family("trailwall_aws_requests_total", "counter",
           "AWS requests by kind: the SQS operations of the daemon, and ec2 for the inventory "
           "reads of runs.");
  for (const auto& [kind, n] : s.aws_requests) w.sample({{"kind", kind}}, d(n));
  w.family("trailwall_aws_errors_total", "counter",
           "Failed AWS requests by kind and error (ec2: the read that failed a run).");
  for (const auto& [key, n] : s.aws_errors) {
    w.sample({{"kind", key.first}, {"error", key.second}}, d(n));
  }
  w.family("trailwall_sqs_entries_refused_total", "counter",
           "Entries of SQS batch calls the queue refused (an expired receipt handle), by "
           "operation.");
  for (const auto& [op, n] : s.queue_refusals) w.sample({{"operation", op}}, d(n));
  w.family("trailwall_firewall_requests_total", "counter",
           "PAN-OS XML API requests by kind (type/action).");
  for (const auto& [kind, n] : s.firewall_requests) w.sample({{"kind", kind}}, d(n));
  w.family("trailwall_firewall_errors_total", "counter",
           "Runs failed by the firewall, by step (read, check, apply) and error.");
  for (const auto& [key, n] : s.firewall_errors) {
    w.sample({{"step", key.first}, {"error", key.second}}, d(n));
  }
  w.family("trailwall_firewall_runs_total", "counter",
           "Runs of each firewall of the fleet (the configuration's name), by outcome.");
  for (const auto& [key, n] : s.firewall_runs) {
    w.sample({{"firewall", key.first}, {"outcome", key.second}}, d(n));
  }

  w.family("trailwall_managed_rules", "gauge",
           "Managed rules on the firewall after the last run that read the rulebase.");
  if (s.managed_rules) w.sample({}, static_cast<double>(s.managed_rules->size()));
  w.family("trailwall_last_success_timestamp_seconds", "gauge",
           "Unix time of the last successful run.");
  if (s.last_success) w.sample({}, epochSeconds(*s.last_success));
  w.family("trailwall_seconds_since_last_success", "gauge",
           "Seconds since the last successful run (since the start while none has succeeded).");
  w.sample({}, std::chrono::duration<double>(s.now - s.last_success.value_or(s.started)).count());
  w.family("trailwall_start_time_seconds", "gauge", "Unix time the daemon started.");
  w.sample({}, epochSeconds(s.started));
  w.family("trailwall_healthy", "gauge", "1 when /healthz answers 200.");
  w.sample({}, healthy ? 1 : 0);
  return w.take();
}

}  // namespace trailwall::serve
