#include "serve/status_page.h"

#include <fmt/format.h>

#include "serve/html.h"

namespace trailwall::serve {
namespace {

constexpr Markup kHead = R"(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>trailwall</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
h1 { font-size: 1.4em; margin: 0 0 .5em; }
h2 { font-size: 1.15em; margin: 1.5em 0 .5em; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: .3em .6em; border-bottom: 1px solid #ddd; }
th { background: #f4f4f4; }
.facts th { width: 12em; background: none; }
.ok { color: #176f2c; }
.failed { color: #b3261e; }
.health { font-weight: 600; }
code, .mono { font-family: ui-monospace, monospace; font-size: .95em; }
ul { margin: 0; padding-left: 1.1em; }
</style>
</head>
<body>
)";

std::string duration(std::chrono::milliseconds ms) {
  return fmt::format("{:.1f} s", static_cast<double>(ms.count()) / 1000.0);
}

void list(Html& h, const std::vector<std::string>& items) {
  if (items.empty()) {
    h.raw("&mdash;");
    return;
  }
  h.raw("<ul>");
  for (const auto& item : items) h.raw("<li class=\"mono\">").text(item).raw("</li>");
  h.raw("</ul>");
}

void members(Html& h, const std::vector<std::string>& items) {
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) h.raw("<br>");
    h.text(items[i]);
  }
}

void fact(Html& h, Markup name, std::string_view value) {
  h.raw("<tr><th>").raw(name).raw("</th><td>").text(value).raw("</td></tr>\n");
}

std::string optionalTime(const std::optional<SystemTime>& t, std::string_view none) {
  return t ? isoTime(*t) : std::string(none);
}

void runRow(Html& h, const RunRecord& record) {
  const auto& r = record.summary;
  if (r.ok) {
    h.raw("<tr class=\"run ok\">");
  } else {
    h.raw("<tr class=\"run failed\">");
  }
  h.raw("<td class=\"mono\">").text(isoTime(r.started)).raw("</td>");
  h.raw("<td>").text(to_string(r.kind)).raw("</td>");
  h.raw("<td>").text(std::to_string(r.deliveries));
  if (!record.fates.empty()) {
    std::vector<std::string> fates;
    for (const auto& [fate, n] : record.fates) fates.push_back(fmt::format("{} {}", n, fate));
    h.raw(" (").text(fmt::format("{}", fmt::join(fates, ", "))).raw(")");
  }
  h.raw("</td><td>");
  std::vector<std::string> events;
  for (const auto& [name, n] : r.events) events.push_back(fmt::format("{} \u00d7 {}", name, n));
  list(h, events);
  h.raw("</td><td>");
  list(h, r.changes);
  h.raw("</td><td>");
  if (r.commit_job) {
    h.text(fmt::format("job {}, {}", *r.commit_job, duration(r.commit_duration)));
  } else {
    h.text(r.nothing_to_do ? "nothing to commit" : "none");
  }
  h.raw("</td><td>");
  if (r.ok) {
    h.raw("<span class=\"ok\">ok</span> in ").text(duration(r.duration));
  } else {
    h.raw("<span class=\"failed\">failed</span> after ").text(duration(r.duration));
    h.raw(": <span class=\"error\">").text(r.error).raw("</span>");
  }
  h.raw("</td></tr>\n");
}

}  // namespace

std::string renderStatusPage(const Snapshot& s, const Health& health) {
  Html h;
  h.raw(kHead);
  h.raw("<h1>trailwall</h1>\n");
  if (health.ok) {
    h.raw("<p class=\"health ok\" id=\"health\">");
  } else {
    h.raw("<p class=\"health failed\" id=\"health\">");
  }
  h.text(health.reason).raw("</p>\n");

  h.raw("<table class=\"facts\">\n");
  fact(h, "Queue", fmt::format("{} ({})", s.queue_url, s.fifo ? "FIFO" : "standard"));
  fact(h, "Started", isoTime(s.started));
  fact(h, "Last successful run", optionalTime(s.last_success, "none yet"));
  if (s.running) {
    fact(h, "Run in flight",
         fmt::format("{} since {}", to_string(s.running->first), isoTime(s.running->second)));
  }
  fact(h, "Messages held", std::to_string(s.held));
  fact(h, "Next full reconcile", optionalTime(s.next_reconcile, "off"));
  if (s.receive_failing_since) {
    fact(h, "Queue unreadable since",
         fmt::format("{}: {}", isoTime(*s.receive_failing_since), s.receive_error));
  }
  h.raw("</table>\n");

  h.raw("<h2>Last runs</h2>\n");
  if (s.runs.empty()) {
    h.raw("<p>No run yet.</p>\n");
  } else {
    h.raw(
        "<table id=\"runs\">\n<thead><tr><th>Started (UTC)</th><th>Kind</th><th>Messages</th>"
        "<th>Events</th><th>Changes</th><th>Commit</th><th>Outcome</th></tr></thead>\n<tbody>\n");
    for (const auto& record : s.runs) runRow(h, record);
    h.raw("</tbody>\n</table>\n");
  }

  h.raw("<h2>Managed rules</h2>\n");
  if (!s.managed_rules) {
    h.raw("<p>Not read yet: the first run that reads the firewall shows them.</p>\n");
  } else {
    h.raw("<p>").text(fmt::format("{} managed rule{} on the firewall after the run of {}.",
                                  s.managed_rules->size(), s.managed_rules->size() == 1 ? "" : "s",
                                  optionalTime(s.managed_rules_as_of, "?")));
    h.raw("</p>\n");
    if (!s.managed_rules->empty()) {
      h.raw(
          "<table id=\"rules\">\n<thead><tr><th>Rule</th><th>Sources</th><th>Destinations</th>"
          "<th>Applications</th><th>Service</th><th>Where it came from</th></tr></thead>\n"
          "<tbody>\n");
      for (const auto& rule : *s.managed_rules) {
        h.raw("<tr class=\"rule\"><td class=\"mono\">").text(rule.name).raw("</td><td>");
        members(h, rule.source);
        h.raw("</td><td>");
        members(h, rule.destination);
        h.raw("</td><td>");
        members(h, rule.application);
        h.raw("</td><td>");
        members(h, rule.service);
        h.raw("</td><td>").text(rule.description).raw("</td></tr>\n");
      }
      h.raw("</tbody>\n</table>\n");
    }
  }
  h.raw("</body>\n</html>\n");
  return h.take();
}

}  // namespace trailwall::serve
