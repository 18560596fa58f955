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
#include <vector>

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

// The whole decoder on one input in memory (plain: a window of records at a time in place; gzip:
// inflated a window at a time while decoding), one thread; `json_bytes` is the size of the JSON
// it holds. The benchmark's argument is the window size in KiB.
void decode(benchmark::State& state, PaddedBytes* input, std::size_t json_bytes) {
  trailwall::cloudtrail::DecodeOptions options;
  options.window_size = static_cast<std::size_t>(state.range(0)) << 10;
  Decoder decoder(options);
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

// Inflating alone (ISA-L, streamed into a reused 1 MiB buffer), to see where the gzip time goes.
void inflateOnly(benchmark::State& state, const PaddedBytes* gz) {
  std::size_t size = 0;
  std::vector<char> buffer(std::size_t{1} << 20);
  for (auto _ : state) {
    trailwall::cloudtrail::GzipSource source(gz->view());
    size = 0;
    while (true) {
      auto got = source.read(buffer.data(), buffer.size());
      if (!got || *got == 0) break;
      size += *got;
    }
    benchmark::DoNotOptimize(buffer.data());
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
  static PaddedBytes json = readFile(argv[1]);
  std::fprintf(stderr, "simdjson implementation: %s\n",
               simdjson::get_active_implementation()->name().c_str());
  benchmark::RegisterBenchmark("DecodePlain", decode, &json, json.size())
      ->Arg(1024)
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
  // Other window sizes (KiB).
  benchmark::RegisterBenchmark("DecodePlainWindow", decode, &json, json.size())
      ->Arg(64)
      ->Arg(256)
      ->Arg(4096)
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
  benchmark::RegisterBenchmark("WalkOnlyOnDemand", walkOnly, &json)
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
  if (argc >= 3) {
    static PaddedBytes gz = readFile(argv[2]);
    benchmark::RegisterBenchmark("DecodeGzip", decode, &gz, json.size())
        ->Arg(1024)
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
