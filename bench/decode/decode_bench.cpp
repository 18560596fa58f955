// CloudTrail decoding throughput: decode_bench [benchmark flags] LOG.json [LOG.json.gz]
// Reports bytes_per_second of uncompressed JSON for every benchmark, the gzip one included, so
// the figures compare with seed_decode.py's MB/s (see run_decode_bench.py). Wall-clock time,
// one thread: the decoder does not use more.
#include <benchmark/benchmark.h>
#include <simdjson.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "cloudtrail/decoder.h"
#include "cloudtrail/gzip.h"

namespace {

using trailwall::cloudtrail::Decoded;
using trailwall::cloudtrail::Decoder;
using trailwall::cloudtrail::PaddedBytes;

PaddedBytes readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) {
    std::fprintf(stderr, "decode_bench: cannot read %s\n", path.c_str());
    std::exit(2);
  }
  PaddedBytes bytes;
  bytes.resize(static_cast<std::size_t>(in.tellg()));
  in.seekg(0);
  in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return bytes;
}

// The whole decoder on one input (plain, or gzip: inflate then decode), one thread;
// `json_bytes` is the size of the JSON it holds.
void decode(benchmark::State& state, const PaddedBytes* input, std::size_t json_bytes) {
  Decoder decoder;
  Decoded out;
  for (auto _ : state) {
    out = Decoded{};
    decoder.decode(*input, "bench", out);
    benchmark::DoNotOptimize(out.changes.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * json_bytes));
  state.counters["records"] = static_cast<double>(out.records);
  state.counters["changes"] = static_cast<double>(out.changes.size());
  state.counters["errors"] = static_cast<double>(out.errors.size());
}

// Inflating alone, to see where the gzip time goes.
void inflateOnly(benchmark::State& state, const PaddedBytes* gz) {
  std::size_t size = 0;
  for (auto _ : state) {
    auto inflated = trailwall::cloudtrail::gunzip(gz->view(), std::size_t{4} << 30);
    size = inflated.bytes.size();
    benchmark::DoNotOptimize(inflated.bytes.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * size));
}

// A reference point: the textbook On-Demand loop reading each record's eventName.
void walkOnly(benchmark::State& state, const PaddedBytes* json) {
  simdjson::ondemand::parser parser;
  std::size_t records = 0;
  for (auto _ : state) {
    records = 0;
    auto doc = parser.iterate(json->data(), json->size(), json->capacity() + PaddedBytes::kPadding);
    for (auto record : doc["Records"].get_array()) {
      std::string_view name;
      if (record["eventName"].get_string().get(name) == simdjson::SUCCESS) {
        ++records;
      }
    }
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * json->size()));
  state.counters["records"] = static_cast<double>(records);
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s [benchmark flags] LOG.json [LOG.json.gz]\n", argv[0]);
    return 2;
  }
  static const PaddedBytes json = readFile(argv[1]);
  std::fprintf(stderr, "simdjson implementation: %s\n",
               simdjson::get_active_implementation()->name().c_str());
  benchmark::RegisterBenchmark("DecodePlain", decode, &json, json.size())
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
  benchmark::RegisterBenchmark("WalkOnlyOnDemand", walkOnly, &json)
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
  if (argc >= 3) {
    static const PaddedBytes gz = readFile(argv[2]);
    benchmark::RegisterBenchmark("DecodeGzip", decode, &gz, json.size())
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime();
    benchmark::RegisterBenchmark("InflateOnly", inflateOnly, &gz)
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime();
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
