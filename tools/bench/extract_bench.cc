// Extract recall and speed on the clips made by samples/make-clips.sh:
//   inset720.mp4  a webcam video (400x300, faces 73-105 px) inset in a 1280x720 test pattern
//   small200.mp4  the same webcam video at 200x150 (faces ~36-52 px)
//   franck720.mp4 franck.mp4 scaled 2.5x and padded to 1280x720 (faces ~310-450 px)
// For each: a plain single-threaded loop (decode -> dlib HOG on the full frame, one pyram_up
// retry when it finds nothing -> 68 landmarks), HOG at scale 1 on every frame (the old
// default's scan, before its 80 px box cut), our default search (stages/detect/face_search.h) with and
// without face PNGs and on one thread, and the CNN detector (detect/dlib-mmod, on fewer frames:
// it is slow on CPU). Prints frames with a face and fps, with ratios to the plain loop measured
// in the same run. Never fails on speed.
//
//   extract_bench [frames=765] [threads=0 (all cores)] [mmod_frames=50 (0: skip the CNN)]
#include <dlib/image_processing/frontal_face_detector.h>
#include <dlib/image_processing/shape_predictor.h>
#include <dlib/image_transforms.h>
#include <dlib/opencv/cv_image.h>
#include <dlib/serialize.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <opencv2/core.hpp>
#include <string>
#include <thread>

#include "pipeline/data_cache.h"
#include "pipeline/video_reader.h"
#include "pipeline/option_values.h"
#include "stages/align/dlib_landmarks68.h"
#include "pipeline/plugin_options.h"
#include "stages/builtin_stages.h"
#include "tools/bench/bench_util.h"
#include "tools/extract.h"

namespace fs = std::filesystem;
using namespace faceswap;
using bench::CpuSeconds;
using bench::Now;

namespace {

struct Result {
  int64_t frames = 0, with_face = 0;
  double seconds = 0, cpu_ms = 0;
  double fps() const { return seconds > 0 ? frames / seconds : 0; }
};

// The baseline: what a straightforward single-threaded program does, with the usual
// upsampling retry for small faces.
Result PlainLoop(const std::string& clip, int64_t max_frames) {
  dlib::frontal_face_detector detector = dlib::get_frontal_face_detector();
  dlib::shape_predictor predictor;
  dlib::deserialize(kDefaultLandmarkModel) >> predictor;
  Result r;
  const double cpu0 = CpuSeconds(), t0 = Now();
  VideoReader reader(clip);
  Frame frame;
  while (r.frames < max_frames && reader.ReadFrame(frame)) {
    const dlib::cv_image<dlib::bgr_pixel> image(frame.image);
    std::vector<dlib::rectangle> found = detector(image);
    if (found.empty()) {
      dlib::array2d<dlib::bgr_pixel> up;
      dlib::pyramid_up(image, up, dlib::pyramid_down<2>());
      found = detector(up);
      for (auto& rect : found) rect = dlib::rectangle(rect.left() / 2, rect.top() / 2,
                                                      rect.right() / 2, rect.bottom() / 2);
    }
    for (const auto& rect : found) predictor(image, rect);
    r.with_face += !found.empty();
    ++r.frames;
  }
  r.seconds = Now() - t0;
  r.cpu_ms = 1000 * (CpuSeconds() - cpu0) / std::max<int64_t>(1, r.frames);
  return r;
}

struct Case {
  const char* label;
  std::string detector = "detect/dlib-hog";
  double scale = 0;      // --detect-scale (0 = auto).
  int redetect = 8;      // --redetect-every.
  bool faces = true;     // Face PNGs written.
  int threads = 0;       // 0 = the run's threads.
  bool slow = false;     // Run on mmod_frames only.
};

Result RunOurs(const Case& c, const std::string& clip, const std::string& out, int threads,
               int64_t frames) {
  StageRegistry registry;
  RegisterBuiltinStages(registry);
  ExtractOptions options;
  options.input = clip;
  options.output = out;
  options.detector = c.detector;
  options.no_faces = !c.faces;
  options.threads = c.threads > 0 ? c.threads : threads;
  options.end = frames;
  options.progress = ProgressMode::kOff;
  PluginOptions plugins(registry);
  SetOption(*plugins.Get(options.detector), "detect-scale", c.scale);
  SetOption(*plugins.Get(options.detector), "redetect-every", c.redetect);
  fs::remove_all(out);
  const double cpu0 = CpuSeconds();
  const ExtractSummary s = RunExtract(options, registry, plugins);
  Result r;
  r.frames = s.frames;
  r.with_face = s.frames_with_faces;
  r.seconds = s.seconds;
  r.cpu_ms = 1000 * (CpuSeconds() - cpu0) / std::max<int64_t>(1, s.frames);
  return r;
}

void Print(const char* label, const Result& r, const Result& plain) {
  std::printf("  %-56s %4lld/%-4lld (%5.1f%%) %6.1f fps %7.1f cpu-ms/frame  %5.2fx plain fps\n",
              label, static_cast<long long>(r.with_face), static_cast<long long>(r.frames),
              100.0 * r.with_face / std::max<int64_t>(1, r.frames), r.fps(), r.cpu_ms,
              plain.fps() > 0 ? r.fps() / plain.fps() : 0.0);
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // Lines appear as they are measured.
  const int64_t frames = argc > 1 ? std::atoll(argv[1]) : 765;
  const int threads = ResolveThreads(argc > 2 ? std::atoi(argv[2]) : 0);
  const int64_t mmod_frames = argc > 3 ? std::atoll(argv[3]) : 50;
  const fs::path derived = fs::path(DataCacheDir()) / "derived";
  const fs::path tmp = fs::temp_directory_path() / "faceswap-extract-bench";
  fs::create_directories(tmp);
  cv::setNumThreads(1);  // As `faceswap extract` does: parallelism comes from the runner.
  CheckLandmarkModel(kDefaultLandmarkModel);  // Load once, outside every timing.
  const bool have_mmod = fs::exists(DlibModelPath("mmod_human_face_detector.dat"));
  StageRegistry registry;
  RegisterBuiltinStages(registry);

  std::printf("threads for extract: %d (hardware: %u)\n", threads,
              std::thread::hardware_concurrency());
  double load[3] = {0, 0, 0};
  getloadavg(load, 3);
  std::printf("load average at start: %.2f (fps depends on it; cpu-ms/frame much less)\n",
              load[0]);
  std::vector<Case> cases = {
      // The old default also dropped boxes under 80 px (--min-size 80 on the detector's box).
      {"HOG at 1x on every frame (the old default's scan)", "detect/dlib-hog", 1.0, 1},
      {"default (scale ladder, follow faces), faces written"},
      {"default, --no-faces", "detect/dlib-hog", 0, 8, false},
      {"default, 1 thread", "detect/dlib-hog", 0, 8, true, 1},
      {"default, whole frame every frame (--redetect-every 1)", "detect/dlib-hog", 0, 1},
  };
  if (mmod_frames <= 0) {
    std::printf("detect/dlib-mmod skipped: mmod_frames %lld\n",
                static_cast<long long>(mmod_frames));
  } else if (registry.Has("detect/dlib-mmod") && have_mmod) {
    cases.push_back({"--detector detect/dlib-mmod (first mmod_frames)", "detect/dlib-mmod", 0, 8,
                     true, 0, true});
  } else {
    std::printf("detect/dlib-mmod skipped: run samples/fetch-models.sh for its model\n");
  }
  for (const char* name : {"inset720.mp4", "small200.mp4", "franck720.mp4"}) {
    const std::string clip = (derived / name).string();
    if (!fs::exists(clip)) {
      std::printf("%s missing: run samples/make-clips.sh\n", clip.c_str());
      return 1;
    }
    std::printf("%s (first %lld frames)\n", name, static_cast<long long>(frames));
    // Warm-up: builds the shared detectors once, as the plain loop does outside its timing.
    RunOurs(cases[1], clip, (tmp / "out").string(), threads, 5);
    const Result plain = PlainLoop(clip, frames);
    Print("plain loop: HOG 1x, pyramid_up retry, 1 thread", plain, plain);
    for (const Case& c : cases) {
      const Result r = RunOurs(c, clip, (tmp / "out").string(), threads,
                               c.slow ? std::min(frames, mmod_frames) : frames);
      Print(c.label, r, plain);
    }
  }
  fs::remove_all(tmp);
  return 0;
}
