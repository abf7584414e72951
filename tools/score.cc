#include "tools/score.h"

#include <spdlog/fmt/fmt.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <opencv2/imgcodecs.hpp>
#include <thread>

#include "base/check.h"
#include "base/pending_file.h"
#include "pipeline/alignment.h"
#include "pipeline/image_folder_writer.h"
#include "pipeline/interrupt.h"
#include "pipeline/pipeline_builder.h"
#include "pipeline/video_reader.h"
#include "stages/identity/face_descriptor.h"
#include "stages/identity/reference_set.h"
#include "tools/score_sheet.h"
#include "tools/version.h"

namespace faceswap {
namespace {

namespace fs = std::filesystem;

// Frames scored together in pass 3 (spread over the workers).
constexpr int kPixelChunk = 16;

// What a detection pass keeps of a frame: faces with 68 landmarks, largest box first.
struct DetectedFrame {
  int64_t index = 0;
  double timestamp = 0.0;
  std::string name;
  std::vector<Face> faces;
};

std::vector<Face> LandmarkedFaces(const Frame& frame) {
  std::vector<Face> faces;
  for (const auto& f : frame.faces) {
    if (f.landmarks.size() != static_cast<size_t>(kNumLandmarks)) continue;
    Face kept;
    kept.box = f.box;
    kept.score = f.score;
    kept.landmarks = f.landmarks;
    faces.push_back(std::move(kept));
  }
  std::stable_sort(faces.begin(), faces.end(),
                   [](const Face& a, const Face& b) { return a.box.area() > b.box.area(); });
  return faces;
}

// Hands every frame to a callback, in order.
class EachFrame : public Stage {
 public:
  explicit EachFrame(const std::function<void(Frame&)>& on_frame) : on_frame_(on_frame) {}
  void Process(FrameBatch& batch) override {
    for (auto& frame : batch.frames) on_frame_(frame);
  }

 private:
  const std::function<void(Frame&)>& on_frame_;
};

// Runs `detector` + align/dlib-68 over `source`, handing each frame to `on_frame` in order.
void DetectPass(FrameSource& source, const ScoreOptions& o, const StageRegistry& registry,
                const std::string& label, const std::function<void(Frame&)>& on_frame) {
  RunnerOptions runner_options;
  runner_options.batch_size = 8;  // Detectors follow faces within a batch (face_search.h).
  runner_options.progress = o.progress;
  runner_options.progress_label = label;
  PipelineBuilder pipeline(registry, runner_options, ResolveThreads(o.threads));
  pipeline.context().crops = false;  // Landmarks only.
  EachFrame sink(on_frame);
  pipeline.Add(o.detector, registry.Get(o.detector).default_options())
      .Add("align/dlib-68", registry.Get("align/dlib-68").default_options())
      .AddSink("score", sink);
  pipeline.Run(source);
}

// Passes on the frames of `inner` as they come, stopping at an interruption.
class Interruptible : public FrameSource {
 public:
  explicit Interruptible(std::unique_ptr<FrameSource> inner) : inner_(std::move(inner)) {}
  StreamFormat Open() override { return inner_->Open(); }
  bool Read(FrameBatch& batch, int max_frames) override {
    ThrowIfInterrupted();
    return inner_->Read(batch, max_frames);
  }
  int64_t lost_frames() const override { return inner_->lost_frames(); }

 private:
  std::unique_ptr<FrameSource> inner_;
};

std::map<int64_t, DetectedFrame> DetectVideo(const std::string& path, const ScoreOptions& o,
                                             const StageRegistry& registry,
                                             const std::string& label) {
  auto source = OpenFrameSource(path);  // The runner stops on Ctrl-C.
  std::map<int64_t, DetectedFrame> frames;
  DetectPass(*source, o, registry, label, [&](Frame& frame) {
    frames[frame.index] = {frame.index, frame.timestamp, frame.name, LandmarkedFaces(frame)};
  });
  return frames;
}

// Up to `count` evenly spaced frames of a reference video, as stills (searched fully).
class SampledFrames : public FrameSource {
 public:
  SampledFrames(const std::string& path, int count) : reader_(path), count_(count) {}
  StreamFormat Open() override {
    StreamFormat format = reader_.Open();
    const VideoInfo& info = reader_.info();
    int64_t total = info.frame_count;
    if (total <= 0) total = static_cast<int64_t>(std::floor(info.duration * info.fps));
    const int64_t n = total > 0 ? std::min<int64_t>(count_, total) : count_;
    for (int64_t k = 0; k < n; ++k) wanted_.push_back(total > 0 ? k * total / n : k);
    format.frame_count = n;
    format.stills = true;
    return format;
  }
  bool Read(FrameBatch& batch, int max_frames) override {
    ThrowIfInterrupted();
    while (static_cast<int>(batch.size()) < max_frames && next_ < wanted_.size()) {
      if (wanted_[next_] > position_) position_ += reader_.Skip(wanted_[next_] - position_);
      Frame frame;
      if (!reader_.ReadFrame(frame)) break;
      position_ = frame.index + 1;
      while (next_ < wanted_.size() && wanted_[next_] < position_) ++next_;
      batch.frames.push_back(std::move(frame));
    }
    return !batch.empty();
  }

 private:
  VideoReader reader_;
  int count_;
  std::vector<int64_t> wanted_;
  size_t next_ = 0;
  int64_t position_ = 0;
};

// References for one option: photos and folders through LoadReferences, videos (any file
// that is not an image) by their sampled frames' largest faces.
ReferenceSet LoadScoreReferences(const std::vector<std::string>& paths, const std::string& option,
                                 const FaceDescriptor& net, const ScoreOptions& o,
                                 const StageRegistry& registry) {
  ReferenceSet set;
  for (const auto& path : paths) {
    std::error_code ec;
    if (!fs::exists(path, ec)) {
      throw FatalError("--" + option + " '" + path +
                       "' does not exist: expected a photo, a folder of face images or a video");
    }
    if (fs::is_directory(path, ec) || cv::haveImageReader(path)) {
      ReferenceSet one = LoadReferences({path}, net);
      set.files.insert(set.files.end(), one.files.begin(), one.files.end());
      set.descriptors.insert(set.descriptors.end(), one.descriptors.begin(),
                             one.descriptors.end());
      continue;
    }
    SampledFrames frames(path, o.ref_frames);
    size_t found = 0;
    DetectPass(frames, o, registry, "score: " + option, [&](Frame& frame) {
      const std::vector<Face> faces = LandmarkedFaces(frame);
      if (faces.empty()) return;
      set.files.push_back(path + "#" + std::to_string(frame.index));
      set.descriptors.push_back(net.Compute(frame.image, faces.front().landmarks));
      ++found;
    });
    if (found == 0) {
      throw FatalError("no face found in the " + std::to_string(o.ref_frames) +
                       " frames sampled from --" + option + " video '" + path +
                       "': expected a video showing the person");
    }
  }
  if (set.descriptors.empty()) {
    throw FatalError("--" + option + " is empty: expected photos, face folders or a video");
  }
  set.mean = MeanDescriptor(set.descriptors);
  return set;
}

StreamFormat Probe(const std::string& path, bool* has_audio) {
  std::unique_ptr<FrameSource> source = OpenFrameSource(path);
  const StreamFormat format = source->Open();
  const auto* video = dynamic_cast<const VideoReader*>(source.get());
  *has_audio = video && video->info().has_audio;
  return format;
}

// The mask convert's --mask-out (an ImageFolderWriter) wrote for this frame.
cv::Mat ReadMask(const std::string& folder, const DetectedFrame& frame, const cv::Size& size) {
  const std::string path =
      (fs::path(folder) / (FrameFileStem(frame.name, frame.index) + ".png")).string();
  const cv::Mat mask = cv::imread(path, cv::IMREAD_GRAYSCALE);
  if (mask.empty()) {
    throw FatalError("cannot read change mask '" + path + "' for frame " +
                     std::to_string(frame.index) +
                     ": expected --masks to be the folder convert's --mask-out wrote");
  }
  if (mask.size() != size) {
    throw FatalError(fmt::format("change mask '{}' is {}x{}, expected the frame size {}x{}", path,
                                 mask.cols, mask.rows, size.width, size.height));
  }
  return mask > 0;
}

std::vector<std::vector<cv::Point2f>> AllLandmarks(const std::vector<Face>& faces) {
  std::vector<std::vector<cv::Point2f>> all;
  for (const auto& f : faces) all.push_back(f.landmarks);
  return all;
}

// Matches input to output faces and fills the per-face landmark numbers (no pixels).
FrameScore MatchFrame(const DetectedFrame* in, const DetectedFrame* out) {
  FrameScore s;
  s.index = in ? in->index : out->index;
  if (in) s.input_time = in->timestamp;
  if (out) s.output_time = out->timestamp, s.output_faces = static_cast<int>(out->faces.size());
  if (!in) return s;
  std::vector<cv::Rect2f> in_boxes, out_boxes;
  for (const auto& f : in->faces) in_boxes.push_back(f.box);
  if (out) {
    for (const auto& f : out->faces) out_boxes.push_back(f.box);
  }
  const std::vector<int> match = MatchBoxes(in_boxes, out_boxes);
  for (size_t i = 0; i < in->faces.size(); ++i) {
    FaceScore f;
    f.input_face = static_cast<int>(i);
    f.input_box = in_boxes[i];
    if (out && match[i] >= 0) {
      f.output_face = match[i];
      f.output_box = out_boxes[match[i]];
      f.iou = BoxIoU(f.input_box, f.output_box);
      f.landmark_error = LandmarkError(in->faces[i].landmarks, out->faces[match[i]].landmarks);
      f.region_error =
          LandmarkRegionErrors(in->faces[i].landmarks, out->faces[match[i]].landmarks);
    }
    s.faces.push_back(f);
  }
  return s;
}

// Jitter: each input face at t is followed to t-1 and t+1 by box IoU; where the three input
// faces and their three matched output faces exist, both second differences are measured.
void MeasureJitter(const std::map<int64_t, DetectedFrame>& in,
                   const std::map<int64_t, DetectedFrame>& out,
                   std::map<int64_t, FrameScore>& scores) {
  auto faces_at = [&](int64_t t) -> const DetectedFrame* {
    const auto it = in.find(t);
    return it == in.end() || !out.count(t) ? nullptr : &it->second;
  };
  auto boxes = [](const DetectedFrame& f) {
    std::vector<cv::Rect2f> b;
    for (const auto& face : f.faces) b.push_back(face.box);
    return b;
  };
  for (auto& [t, score] : scores) {
    const DetectedFrame *prev = faces_at(t - 1), *cur = faces_at(t), *next = faces_at(t + 1);
    if (!prev || !cur || !next) continue;
    const std::vector<int> to_prev = MatchBoxes(boxes(*cur), boxes(*prev));
    const std::vector<int> to_next = MatchBoxes(boxes(*cur), boxes(*next));
    const FrameScore& sp = scores.at(t - 1);
    const FrameScore& sn = scores.at(t + 1);
    for (size_t i = 0; i < cur->faces.size(); ++i) {
      if (to_prev[i] < 0 || to_next[i] < 0) continue;
      const int op = sp.faces[to_prev[i]].output_face, oc = score.faces[i].output_face,
                on = sn.faces[to_next[i]].output_face;
      if (op < 0 || oc < 0 || on < 0) continue;
      score.faces[i].jitter_input =
          LandmarkJitter(prev->faces[to_prev[i]].landmarks, cur->faces[i].landmarks,
                         next->faces[to_next[i]].landmarks);
      score.faces[i].jitter_output =
          LandmarkJitter(out.at(t - 1).faces[op].landmarks, out.at(t).faces[oc].landmarks,
                         out.at(t + 1).faces[on].landmarks);
    }
  }
}

struct References {
  std::vector<float> target, source;
};

// Pass 3 for one paired frame: change mask, PSNR, seam, identity.
void ScorePixels(const cv::Mat& in_image, const cv::Mat& out_image, const DetectedFrame& in,
                 const DetectedFrame& out, const ScoreOptions& o, const FaceDescriptor& net,
                 const References& refs, FrameScore& s) {
  cv::Mat mask;
  if (!o.masks.empty()) {
    mask = ReadMask(o.masks, in, in_image.size());
  } else {
    ChangeMaskOptions m;
    m.threshold = o.change_threshold;
    m.hull_growth = o.hull_growth;
    mask = DerivedChangeMask(in_image, out_image, AllLandmarks(in.faces), m);
  }
  s.mask_pixels = cv::countNonZero(mask);
  s.psnr_inside = MaskedPsnr(in_image, out_image, mask);
  s.psnr_outside = MaskedPsnr(in_image, out_image, mask == 0);
  s.seam = MeasureSeam(in_image, out_image, mask, o.seam_width);

  if (in.faces.empty()) return;
  const auto in_desc = net.Compute(in_image, AllLandmarks(in.faces));
  std::vector<std::vector<cv::Point2f>> matched;
  for (const auto& f : s.faces) {
    if (f.output_face >= 0) matched.push_back(out.faces[f.output_face].landmarks);
  }
  const auto out_desc = matched.empty() ? decltype(in_desc)() : net.Compute(out_image, matched);
  size_t next = 0;
  for (size_t i = 0; i < s.faces.size(); ++i) {
    FaceScore& f = s.faces[i];
    f.input_d_source = DescriptorDistance(in_desc[i], refs.source);
    f.input_d_target = DescriptorDistance(in_desc[i], refs.target);
    if (f.output_face < 0) continue;
    f.output_d_source = DescriptorDistance(out_desc[next], refs.source);
    f.output_d_target = DescriptorDistance(out_desc[next], refs.target);
    ++next;
  }
}

std::string Num(double v, const char* fmt_spec = "{:.3f}") {
  return std::isfinite(v) ? fmt::format(fmt::runtime(fmt_spec), v) : std::string("-");
}

// How bad a frame is for the sheet: an undetected face first, then --sheet-by; NaN = no tile.
double Badness(const FrameScore& s, const std::string& by) {
  if (s.faces.empty()) return NAN;
  if (s.undetected()) return 1e9 + s.faces.size();
  return by == "seam" ? s.seam.ratio : s.worst_landmark_error();
}

cv::Mat MakeTile(const cv::Mat& in, const cv::Mat& out, const FrameScore& s) {
  const FaceScore* worst = &s.faces.front();
  for (const auto& f : s.faces) {
    if (f.output_face < 0) {
      worst = &f;
      break;
    }
    if (f.landmark_error > worst->landmark_error) worst = &f;
  }
  std::vector<std::string> lines = {
      fmt::format("frame {}{}", s.index, s.undetected() ? "  NOT DETECTED" : ""),
      "lm err " + Num(worst->landmark_error) + "  seam " + Num(s.seam.ratio, "{:.2f}") +
          " step " + Num(s.seam.step, "{:.1f}"),
      "d_tgt " + Num(worst->output_d_target, "{:.2f}") + "  d_src " +
          Num(worst->output_d_source, "{:.2f}"),
      "psnr in " + Num(s.psnr_inside, "{:.1f}") + "  out " + Num(s.psnr_outside, "{:.1f}")};
  return SheetTile(in, out, worst->input_box, lines);
}

// Up to kPixelChunk pairs with the same index (a frame lost in one video is skipped). `a` and
// `b` hold the frames read but not yet paired; `*_done` says a source has no more.
std::vector<std::pair<Frame, Frame>> ReadPairedChunk(Interruptible& in_source,
                                                     Interruptible& out_source, FrameBatch& a,
                                                     FrameBatch& b, bool& a_done, bool& b_done) {
  std::vector<std::pair<Frame, Frame>> chunk;
  while (static_cast<int>(chunk.size()) < kPixelChunk) {
    if (a.empty() && !a_done) a_done = !in_source.Read(a, kPixelChunk);
    if (b.empty() && !b_done) b_done = !out_source.Read(b, kPixelChunk);
    if (a.empty() || b.empty()) break;
    Frame& fa = a.frames.front();
    Frame& fb = b.frames.front();
    if (fa.index == fb.index) {
      chunk.emplace_back(std::move(fa), std::move(fb));
      a.frames.erase(a.frames.begin());
      b.frames.erase(b.frames.begin());
    } else if (fa.index < fb.index) {
      a.frames.erase(a.frames.begin());
    } else {
      b.frames.erase(b.frames.begin());
    }
  }
  return chunk;
}

// Reads both videos in step and scores every paired frame (pass 3), `threads` frames at once.
void PixelPass(const ScoreOptions& o, const std::map<int64_t, DetectedFrame>& in,
               const std::map<int64_t, DetectedFrame>& out, const FaceDescriptor& net,
               const References& refs, std::map<int64_t, FrameScore>& scores,
               WorstTiles& tiles) {
  Interruptible in_source(OpenFrameSource(o.input)), out_source(OpenFrameSource(o.output));
  in_source.Open();
  out_source.Open();
  int64_t paired = 0;
  for (const auto& [t, s] : scores) paired += s.paired();
  Progress progress("score: pixels", paired, o.progress);
  const int workers = std::max(1, ResolveThreads(o.threads));
  FrameBatch a, b;
  bool a_done = false, b_done = false;
  for (;;) {
    std::vector<std::pair<Frame, Frame>> chunk =
        ReadPairedChunk(in_source, out_source, a, b, a_done, b_done);
    if (chunk.empty()) break;
    std::atomic<size_t> next{0};
    std::exception_ptr error;
    std::mutex error_mutex;
    auto work = [&] {
      for (size_t i = next++; i < chunk.size(); i = next++) {
        try {
          const int64_t t = chunk[i].first.index;
          if (!in.count(t) || !out.count(t)) continue;
          ScorePixels(chunk[i].first.image, chunk[i].second.image, in.at(t), out.at(t), o, net,
                      refs, scores.at(t));
        } catch (...) {
          std::lock_guard<std::mutex> lock(error_mutex);
          if (!error) error = std::current_exception();
        }
      }
    };
    std::vector<std::thread> pool;
    for (int w = 1; w < std::min<int>(workers, static_cast<int>(chunk.size())); ++w) {
      pool.emplace_back(work);
    }
    work();
    for (auto& th : pool) th.join();
    if (error) std::rethrow_exception(error);
    for (const auto& [fa, fb] : chunk) {
      const auto it = scores.find(fa.index);
      if (it == scores.end()) continue;
      const double badness = Badness(it->second, o.sheet_by);
      if (std::isfinite(badness) && tiles.Wants(badness)) {
        tiles.Offer(badness, MakeTile(fa.image, fb.image, it->second));
      }
    }
    progress.Add(static_cast<int64_t>(chunk.size()));
  }
  progress.Finish();
}

nlohmann::json BoxJson(const cv::Rect2f& b) { return {b.x, b.y, b.width, b.height}; }

nlohmann::json PooledJson(const PooledValue& v) {
  return {{"mean", v.mean}, {"median", v.median}, {"count", v.count}};
}

// {"jaw": ..., "brows": ..., ...}: a value per landmark region (a pooled mean, or one face's).
template <typename T>
nlohmann::json RegionJson(const std::array<T, kNumLandmarkRegions>& values) {
  nlohmann::json out = nlohmann::json::object();
  for (int r = 0; r < kNumLandmarkRegions; ++r) {
    if constexpr (std::is_same_v<T, PooledValue>) {
      out[LandmarkRegionName(r)] = values[r].mean;
    } else {
      out[LandmarkRegionName(r)] = values[r];
    }
  }
  return out;
}

// Throws unless the options and the paths they name can be scored.
void CheckScoreOptions(const ScoreOptions& options) {
  ThrowIfInvalid(options.Check());
  for (const auto& [name, path] : {std::pair<const char*, std::string>{"input", options.input},
                                   {"output", options.output}}) {
    std::error_code ec;
    if (!fs::exists(path, ec)) {
      throw FatalError(std::string("--") + name + " '" + path +
                       "' does not exist: expected a video file or image folder");
    }
  }
  std::error_code ec;
  if (!options.masks.empty() && !fs::is_directory(options.masks, ec)) {
    throw FatalError("--masks '" + options.masks +
                     "' is not a folder: expected the folder convert's --mask-out wrote");
  }
  if (!options.masks.empty() && !fs::is_directory(options.input, ec)) {
    // A video's first frame must have its mask: a wrong folder fails here, before the long
    // passes, and always names frame 0 (the parallel pixel pass may meet any frame first).
    const fs::path first = fs::path(options.masks) / (FrameFileStem("", 0) + ".png");
    if (!fs::is_regular_file(first, ec)) {
      throw FatalError("no change mask '" + first.string() +
                       "' for frame 0: expected --masks to be the folder convert's --mask-out "
                       "wrote for this video");
    }
  }
  if (!options.report.empty()) CheckOutputFolder(options.report);
  if (!options.sheet.empty()) CheckOutputFolder(options.sheet);
}

// Probes both videos into `report`; throws unless their frame sizes match.
void ProbeVideos(const ScoreOptions& options, ScoreReport& report) {
  const StreamFormat in_format = Probe(options.input, &report.input_audio);
  const StreamFormat out_format = Probe(options.output, &report.output_audio);
  if (in_format.width != out_format.width || in_format.height != out_format.height) {
    throw FatalError(fmt::format(
        "output '{}' is {}x{} but input '{}' is {}x{}: expected the video convert made from "
        "this input (same frame size)",
        options.output, out_format.width, out_format.height, options.input, in_format.width,
        in_format.height));
  }
  report.width = in_format.width;
  report.height = in_format.height;
  report.input_fps = in_format.fps;
  report.output_fps = out_format.fps;
  if (report.input_audio) report.audio_kept = report.output_audio;
}

// Loads the target and source references, notes them in `report` and returns their means.
References LoadBothReferences(const ScoreOptions& options, const StageRegistry& registry,
                              const FaceDescriptor& net, ScoreReport& report) {
  const ReferenceSet target = LoadScoreReferences(options.target_refs, "target-refs", net,
                                                  options, registry);
  const ReferenceSet source = LoadScoreReferences(options.source_refs, "source-refs", net,
                                                  options, registry);
  report.target_ref_faces = static_cast<int64_t>(target.descriptors.size());
  report.source_ref_faces = static_cast<int64_t>(source.descriptors.size());
  report.ref_distance = DescriptorDistance(target.mean, source.mean);
  if (report.ref_distance < kSamePersonDistance) {
    spdlog::warn(
        "score: the target and source references are {:.2f} apart (< {}): they look like the "
        "same person, so the identity shares mean little",
        report.ref_distance, kSamePersonDistance);
  }
  return {target.mean, source.mean};
}

void RecordFrameCounts(const ScoreOptions& options, const std::map<int64_t, DetectedFrame>& in,
                       const std::map<int64_t, DetectedFrame>& out, ScoreReport& report) {
  report.input_frames = static_cast<int64_t>(in.size());
  report.output_frames = static_cast<int64_t>(out.size());
  if (report.input_frames != report.output_frames) {
    spdlog::warn("score: input '{}' has {} frames, output '{}' has {}: frames paired by index",
                 options.input, report.input_frames, options.output, report.output_frames);
  }
}

// A score per frame index of either video (MatchFrame's landmark numbers, no pixels yet).
std::map<int64_t, FrameScore> MatchFrames(const std::map<int64_t, DetectedFrame>& in,
                                          const std::map<int64_t, DetectedFrame>& out) {
  std::map<int64_t, FrameScore> scores;
  for (const auto& [t, f] : in) {
    const auto it = out.find(t);
    scores[t] = MatchFrame(&f, it == out.end() ? nullptr : &it->second);
  }
  for (const auto& [t, f] : out) {
    if (!in.count(t)) scores[t] = MatchFrame(nullptr, &f);
  }
  return scores;
}

// Moves the frame scores into `report`, in index order, counting the paired frames.
void CollectFrames(std::map<int64_t, FrameScore>& scores, ScoreReport& report) {
  for (auto& [t, s] : scores) {
    if (s.paired()) {
      ++report.paired_frames;
      const double d = std::abs(s.output_time - s.input_time);
      if (!(d <= report.max_time_difference)) report.max_time_difference = d;
    }
    report.frames.push_back(std::move(s));
  }
}

// Writes --report and --sheet (where asked for).
void WriteScoreFiles(const ScoreOptions& options, const ScoreReport& report,
                     const WorstTiles& tiles) {
  if (!options.report.empty()) {
    WriteFileAtomically(options.report, ScoreJson(report).dump(1) + "\n",
                        "report '" + options.report + "'");
  }
  if (!options.sheet.empty()) {
    const cv::Mat sheet = ComposeSheet(tiles.Tiles());
    if (sheet.empty()) {
      spdlog::warn("score: no frame with an input face: no contact sheet written");
    } else {
      WriteImageFile(options.sheet, sheet);
    }
  }
}

nlohmann::json PooledSectionJson(const ScorePooled& p) {
  return {
      {"detection",
       {{"input_faces", p.input_faces}, {"detected_faces", p.detected_faces},
        {"detected", p.detected}, {"min_iou", kMatchIoU}}},
      {"identity",
       {{"threshold", kSamePersonDistance},
        {"output_d_target", PooledJson(p.output_d_target)},
        {"output_d_source", PooledJson(p.output_d_source)},
        {"input_d_target", PooledJson(p.input_d_target)},
        {"input_d_source", PooledJson(p.input_d_source)},
        {"target_below", p.target_below},
        {"source_above", p.source_above},
        {"both", p.both}}},
      {"landmark_error", PooledJson(p.landmark_error)},
      {"landmark_error_by_region", RegionJson(p.region_error)},
      {"jitter",
       {{"triplets", p.jitter_triplets}, {"input", p.jitter_input}, {"output", p.jitter_output},
        {"ratio", p.jitter_ratio}}},
      {"psnr_inside", PooledJson(p.psnr_inside)},
      {"psnr_outside", PooledJson(p.psnr_outside)},
      {"psnr_cap", kPsnrCap},
      {"seam_ratio", PooledJson(p.seam_ratio)},
      {"seam_step", PooledJson(p.seam_step)}};
}

nlohmann::json FaceScoreJson(const FaceScore& f) {
  return {{"input_face", f.input_face},
          {"input_box", BoxJson(f.input_box)},
          {"detected", f.output_face >= 0},
          {"output_face", f.output_face},
          {"output_box", f.output_face >= 0 ? BoxJson(f.output_box) : nullptr},
          {"iou", f.iou},
          {"landmark_error", f.landmark_error},
          {"landmark_error_by_region", RegionJson(f.region_error)},
          {"jitter_input", f.jitter_input},
          {"jitter_output", f.jitter_output},
          {"input_d_source", f.input_d_source},
          {"input_d_target", f.input_d_target},
          {"output_d_source", f.output_d_source},
          {"output_d_target", f.output_d_target}};
}

nlohmann::json FrameScoreJson(const FrameScore& s) {
  nlohmann::json faces = nlohmann::json::array();
  for (const auto& f : s.faces) faces.push_back(FaceScoreJson(f));
  return {{"index", s.index},
          {"input_time", s.input_time},
          {"output_time", s.output_time},
          {"output_faces", s.output_faces},
          {"mask_pixels", s.mask_pixels},
          {"psnr_inside", s.psnr_inside},
          {"psnr_outside", s.psnr_outside},
          {"seam_input", s.seam.input},
          {"seam_output", s.seam.output},
          {"seam_ratio", s.seam.ratio},
          {"seam_step", s.seam.step},
          {"faces", std::move(faces)}};
}

}  // namespace

std::string ScoreOptions::Check() const {
  return OptionCheck()
      .That(!input.empty(), "option 'input' is empty: expected the original video")
      .That(!output.empty(), "option 'output' is empty: expected the swapped video")
      .That(!target_refs.empty(),
            "option 'target-refs' is empty: expected photos, face folders or a video of the "
            "identity swapped in")
      .That(!source_refs.empty(),
            "option 'source-refs' is empty: expected photos, face folders or a video of the "
            "identity shown in the input")
      .Range("sheet-frames", sheet_frames, 1, 256)
      .OneOf("sheet-by", sheet_by, {"landmark-error", "seam"})
      .Range("ref-frames", ref_frames, 1, 1000)
      .Range("change-threshold", change_threshold, 0, 254)
      .Range("hull-growth", hull_growth, 1.0, 3.0)
      .Range("seam-width", seam_width, 1, 32)
      .Range("threads", threads, 0, 256)
      .Error();
}

PooledValue Pool(const std::vector<double>& values) {
  PooledValue p;
  p.mean = FiniteMean(values);
  p.median = FiniteMedian(values);
  p.count = std::count_if(values.begin(), values.end(), [](double v) { return std::isfinite(v); });
  return p;
}

bool FrameScore::undetected() const {
  return std::any_of(faces.begin(), faces.end(), [](const FaceScore& f) { return f.output_face < 0; });
}

double FrameScore::worst_landmark_error() const {
  double worst = NAN;
  for (const auto& f : faces) {
    if (std::isfinite(f.landmark_error) && !(f.landmark_error <= worst)) worst = f.landmark_error;
  }
  return worst;
}

ScorePooled PoolFrames(const std::vector<FrameScore>& frames) {
  ScorePooled p;
  std::vector<double> d_target, d_source, in_target, in_source, lm, jin, jout, pin, pout, seam, step;
  std::array<std::vector<double>, kNumLandmarkRegions> regions;
  int64_t described = 0, below = 0, above = 0, both = 0;
  for (const auto& s : frames) {
    if (!s.paired()) continue;
    pin.push_back(s.psnr_inside);
    pout.push_back(s.psnr_outside);
    seam.push_back(s.seam.ratio);
    step.push_back(s.seam.step);
    for (const auto& f : s.faces) {
      ++p.input_faces;
      in_target.push_back(f.input_d_target);
      in_source.push_back(f.input_d_source);
      if (f.output_face < 0) continue;
      ++p.detected_faces;
      lm.push_back(f.landmark_error);
      for (int r = 0; r < kNumLandmarkRegions; ++r) regions[r].push_back(f.region_error[r]);
      if (std::isfinite(f.jitter_input) && std::isfinite(f.jitter_output)) {
        jin.push_back(f.jitter_input);
        jout.push_back(f.jitter_output);
      }
      d_target.push_back(f.output_d_target);
      d_source.push_back(f.output_d_source);
      if (std::isfinite(f.output_d_target) && std::isfinite(f.output_d_source)) {
        ++described;
        const bool is_target = f.output_d_target < kSamePersonDistance;
        const bool not_source = f.output_d_source > kSamePersonDistance;
        below += is_target, above += not_source, both += is_target && not_source;
      }
    }
  }
  if (p.input_faces > 0) p.detected = static_cast<double>(p.detected_faces) / p.input_faces;
  p.output_d_target = Pool(d_target);
  p.output_d_source = Pool(d_source);
  p.input_d_target = Pool(in_target);
  p.input_d_source = Pool(in_source);
  if (described > 0) {
    p.target_below = static_cast<double>(below) / described;
    p.source_above = static_cast<double>(above) / described;
    p.both = static_cast<double>(both) / described;
  }
  p.landmark_error = Pool(lm);
  for (int r = 0; r < kNumLandmarkRegions; ++r) p.region_error[r] = Pool(regions[r]);
  p.jitter_triplets = static_cast<int64_t>(jin.size());
  p.jitter_input = FiniteMean(jin);
  p.jitter_output = FiniteMean(jout);
  if (p.jitter_input > 0) {
    p.jitter_ratio = p.jitter_output / p.jitter_input;
  } else if (p.jitter_input == 0 && p.jitter_output == 0) {
    p.jitter_ratio = 1.0;  // Both perfectly still.
  }
  p.psnr_inside = Pool(pin);
  p.psnr_outside = Pool(pout);
  p.seam_ratio = Pool(seam);
  p.seam_step = Pool(step);
  return p;
}

ScoreReport RunScore(const ScoreOptions& options, const StageRegistry& registry) {
  const auto start = std::chrono::steady_clock::now();
  CheckScoreOptions(options);

  ScoreReport report;
  report.options = options;
  report.mask_source = options.masks.empty() ? "derived" : "masks";
  ProbeVideos(options, report);

  // References first: a bad one fails before the long passes.
  const FaceDescriptor net;
  const References refs = LoadBothReferences(options, registry, net, report);

  const auto in = DetectVideo(options.input, options, registry, "score: input faces");
  const auto out = DetectVideo(options.output, options, registry, "score: output faces");
  RecordFrameCounts(options, in, out, report);

  std::map<int64_t, FrameScore> scores = MatchFrames(in, out);
  MeasureJitter(in, out, scores);

  WorstTiles tiles(options.sheet.empty() ? 0 : options.sheet_frames);
  PixelPass(options, in, out, net, refs, scores, tiles);

  CollectFrames(scores, report);
  report.pooled = PoolFrames(report.frames);
  report.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  WriteScoreFiles(options, report, tiles);
  return report;
}

nlohmann::json ScoreJson(const ScoreReport& r) {
  nlohmann::json frames = nlohmann::json::array();
  for (const auto& s : r.frames) frames.push_back(FrameScoreJson(s));
  const ScoreOptions& o = r.options;
  return {
      {"faceswap_version", kFaceswapVersion},
      {"input", {{"path", o.input}, {"frames", r.input_frames}, {"fps", r.input_fps},
                 {"width", r.width}, {"height", r.height}, {"audio", r.input_audio}}},
      {"output", {{"path", o.output}, {"frames", r.output_frames}, {"fps", r.output_fps},
                  {"audio", r.output_audio}}},
      {"paired_frames", r.paired_frames},
      {"frame_counts_match", r.input_frames == r.output_frames},
      {"max_time_difference", r.max_time_difference},
      {"audio_kept", r.audio_kept ? nlohmann::json(*r.audio_kept) : nlohmann::json(nullptr)},
      {"mask_source", r.mask_source},
      {"references",
       {{"target", {{"paths", o.target_refs}, {"faces", r.target_ref_faces}}},
        {"source", {{"paths", o.source_refs}, {"faces", r.source_ref_faces}}},
        {"distance", r.ref_distance}}},
      {"settings",
       {{"detector", o.detector}, {"masks", o.masks}, {"change_threshold", o.change_threshold},
        {"hull_growth", o.hull_growth}, {"seam_width", o.seam_width},
        {"ref_frames", o.ref_frames}}},
      {"seconds", r.seconds},
      {"pooled", PooledSectionJson(r.pooled)},
      {"frames", std::move(frames)}};
}

std::string ScoreTable(const ScoreReport& r) {
  const ScorePooled& p = r.pooled;
  std::string t = fmt::format("score: {} against {}: {} frames paired, change mask {}\n",
                              r.options.output, r.options.input, r.paired_frames, r.mask_source);
  auto row = [&t](const std::string& name, const PooledValue& v, const char* spec) {
    t += fmt::format("  {:<28} {:>9} {:>9} {:>7}\n", name, Num(v.mean, spec), Num(v.median, spec),
                     v.count);
  };
  auto line = [&t](const std::string& name, const std::string& value) {
    t += fmt::format("  {:<28} {}\n", name, value);
  };
  t += fmt::format("  {:<28} {:>9} {:>9} {:>7}\n", "metric", "mean", "median", "n");
  line("detected", fmt::format("{} ({}/{} input faces)", Num(p.detected), p.detected_faces,
                               p.input_faces));
  row("d_target (output)", p.output_d_target, "{:.3f}");
  row("d_source (output)", p.output_d_source, "{:.3f}");
  row("d_target (input)", p.input_d_target, "{:.3f}");
  row("d_source (input)", p.input_d_source, "{:.3f}");
  line("target_below/source_above/both",
       Num(p.target_below) + " / " + Num(p.source_above) + " / " + Num(p.both));
  row("landmark error (/IOD)", p.landmark_error, "{:.4f}");
  line("jitter in/out (/IOD)", Num(p.jitter_input, "{:.4f}") + " / " +
                                   Num(p.jitter_output, "{:.4f}") + " over " +
                                   std::to_string(p.jitter_triplets) + " triplets");
  line("jitter ratio (out/in)", Num(p.jitter_ratio));
  row("PSNR inside mask (dB)", p.psnr_inside, "{:.2f}");
  row("PSNR outside mask (dB)", p.psnr_outside, "{:.2f}");
  row("seam ratio", p.seam_ratio, "{:.3f}");
  row("seam step (grey/px)", p.seam_step, "{:.2f}");
  line("frames in/out", fmt::format("{} / {}{}", r.input_frames, r.output_frames,
                                    r.input_frames == r.output_frames ? "" : "  MISMATCH"));
  line("max timestamp difference", Num(r.max_time_difference, "{:.4f}") + " s");
  line("audio kept", r.audio_kept ? (*r.audio_kept ? "yes" : "NO") : "n/a (input has no audio)");
  return t;
}

}  // namespace faceswap
