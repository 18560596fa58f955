// panos-sim speed: config requests per second over loopback (keep-alive clients, HTTP and
// HTTPS), and security-policy-match over a 10,000-rule rulebase. Targets: >= 2,000 config
// requests/s; a policy match < 5 ms.
#include <httplib.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include <benchmark/benchmark.h>

#include "common/clock.h"
#include "objects.h"
#include "policy_match.h"
#include "server.h"
#include "xml_text.h"

namespace {

using namespace trailwall::panossim;

const std::string kVsys =
    "/config/devices/entry[@name='localhost.localdomain']/vsys/entry[@name='vsys1']";

Server& server(bool tls) {
  static std::mutex mutex;
  static std::unique_ptr<Server> servers[2];
  std::lock_guard<std::mutex> guard(mutex);
  std::unique_ptr<Server>& s = servers[tls ? 1 : 0];
  if (!s) {
    ServerOptions options;
    options.tls = tls;
    options.simulator.commit_duration = std::chrono::milliseconds(0);
    s = std::make_unique<Server>(options);
    if (!s->start()) {
      std::abort();
    }
  }
  return *s;
}

std::unique_ptr<httplib::Client> client(Server& s) {
  auto c = std::make_unique<httplib::Client>(s.baseUrl());
  c->enable_server_certificate_verification(false);  // self-signed; loopback only
  c->set_keep_alive(true);
  c->set_tcp_nodelay(true);
  return c;
}

// Alternating set and get of address objects, as a client reconciling objects does.
void configRequests(benchmark::State& state, bool tls) {
  Server& s = server(tls);
  auto c = client(s);
  const httplib::Headers headers = {{"X-PAN-KEY", *s.simulator().apiKeyFor("admin")}};
  std::int64_t i = 0;
  for (auto _ : state) {
    const std::string name =
        "bench-" + std::to_string(state.thread_index()) + "-" + std::to_string(i % 500);
    httplib::Params p = {{"type", "config"},
                         {"xpath", kVsys + "/address/entry[@name='" + name + "']"}};
    if (i % 2 == 0) {
      p.emplace("action", "set");
      p.emplace("element", "<ip-netmask>10.20." + std::to_string(i % 200) + ".1</ip-netmask>");
    } else {
      p.emplace("action", "get");
    }
    auto r = c->Post("/api/", headers, p);
    if (!r || r->status != 200) {
      state.SkipWithError("request failed");
      break;
    }
    ++i;
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_ConfigRequestsHttp(benchmark::State& state) {
  configRequests(state, false);
}
void BM_ConfigRequestsHttps(benchmark::State& state) {
  configRequests(state, true);
}
BENCHMARK(BM_ConfigRequestsHttp)->Threads(1)->Threads(4)->UseRealTime();
BENCHMARK(BM_ConfigRequestsHttps)->Threads(1)->Threads(4)->UseRealTime();

// A vsys with `count` allow rules (objects, groups, literals, service objects) and a final
// deny-all, so a query for traffic no rule allows walks all of them.
std::string bigConfig(int count) {
  std::string vsys =
      "<address><entry name=\"net-a\"><ip-netmask>10.0.0.0/16</ip-netmask></entry>"
      "<entry name=\"rng-b\"><ip-range>10.1.0.1-10.1.0.200</ip-range></entry></address>"
      "<address-group><entry name=\"grp\"><static><member>net-a</member><member>rng-b</member>"
      "</static></entry></address-group>"
      "<service><entry name=\"svc\"><protocol><tcp><port>8000-8100,9000</port></tcp></protocol>"
      "</entry></service>"
      "<zone><entry name=\"trust\"/><entry name=\"untrust\"/></zone>"
      "<rulebase><security><rules>";
  for (int i = 0; i < count; ++i) {
    const std::string n = std::to_string(i);
    const std::string dst = i % 3 == 0   ? "grp"
                            : i % 3 == 1 ? "172.16." + std::to_string(i % 250) + ".0/24"
                                         : "net-a";
    const std::string svc = i % 2 == 0 ? "application-default" : "svc";
    const std::string app = i % 2 == 0 ? "ssh" : "any";
    vsys += "<entry name=\"r" + n +
            "\"><from><member>untrust</member></from><to><member>trust"
            "</member></to><source><member>198.51." +
            std::to_string(i % 250) + ".0/24</member></source><destination><member>" + dst +
            "</member></destination><application><member>" + app +
            "</member></application><service><member>" + svc +
            "</member></service><action>allow</action></entry>";
  }
  vsys +=
      "<entry name=\"Clean up\"><from><member>any</member></from><to><member>any</member></to>"
      "<source><member>any</member></source><destination><member>any</member></destination>"
      "<application><member>any</member></application><service><member>any</member></service>"
      "<action>deny</action></entry></rules></security></rulebase>";
  return "<config><devices><entry name=\"localhost.localdomain\"><vsys><entry name=\"vsys1\">" +
         vsys + "</entry></vsys></entry></devices></config>";
}

const std::string kMissQuery =
    "<test><security-policy-match><from>untrust</from><to>trust</to><source>203.0.113.9</source>"
    "<destination>10.0.5.5</destination><protocol>6</protocol><destination-port>443</"
    "destination-port>"
    "</security-policy-match></test>";

// Through the whole request handler (auth, parse, match, reply) on a warm simulator.
void BM_PolicyMatch10kRules(benchmark::State& state) {
  trailwall::SystemClock clock;
  SimulatorOptions options;
  options.initial_config_xml = bigConfig(10000);
  options.initial_config_xml.insert(
      options.initial_config_xml.find("<devices>"),
      "<mgt-config><users><entry name=\"admin\"><phash>$1$pansimad$gqPURKQqq/dISN2xTM1HX0</phash>"
      "</entry></users></mgt-config>");
  auto sim = Simulator::create(options, clock);
  if (!sim) {
    state.SkipWithError("config");
    return;
  }
  ApiRequest req;
  req.api_key_header = *(*sim)->apiKeyFor("admin");
  req.params = {{"type", "op"}, {"cmd", kMissQuery}};
  for (auto _ : state) {
    ApiResponse r = (*sim)->handle(req);
    if (r.body.find("Clean up") == std::string::npos) {
      state.SkipWithError("expected the clean-up rule");
      break;
    }
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_PolicyMatch10kRules)->Unit(benchmark::kMicrosecond);

// The first match after a commit also compiles the rulebase: compile + match.
void BM_PolicyMatch10kRulesColdAfterCommit(benchmark::State& state) {
  pugi::xml_document config;
  const std::string text = bigConfig(10000);
  config.load_string(text.c_str());
  pugi::xml_document q;
  q.load_string(kMissQuery.c_str());
  auto query = parseMatchQuery(q.document_element().first_child());
  for (auto _ : state) {
    const auto rules = compileRulebase(config, "vsys1");
    auto matches = matchRules(rules, *query);
    benchmark::DoNotOptimize(matches);
  }
}
BENCHMARK(BM_PolicyMatch10kRulesColdAfterCommit)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
