#include "tools/convert.h"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <mutex>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "models/model_config.h"
#include "pipeline/check.h"
#include "pipeline/image_folder_writer.h"
#include "pipeline/pending_file.h"
#include "pipeline/runner.h"
#include "pipeline/video_reader.h"
#include "pipeline/video_writer.h"
#include "stages/align/dlib_landmarks68.h"
#include "stages/detect/from_alignments.h"
#include "stages/filter/face_filter.h"
#include "stages/smooth/landmark_smoothing.h"
#include "stages/swap/autoencoder_swap.h"
#include "stages/writer/images.h"
#include "stages/writer/video.h"
#include "tools/interrupt.h"
#include "tools/version.h"

namespace faceswap {
namespace fs = std::filesystem;

std::string ConvertOptions::Check() const {
  return OptionCheck()
      .That(!input.empty(), "option 'input' is empty: expected a video file or image folder")
      .That(!output.empty(), "option 'output' is empty: expected a video file or folder")
      .That(!model.empty(), "option 'model' is empty: expected a folder written by faceswap train")
      .Range("smooth", smooth_window, 1, 61)
      .That(smooth_window % 2 == 1, "invalid value " + std::to_string(smooth_window) +
                                        " for option 'smooth': expected an odd number")
      .Min("start", start, int64_t{0})
      .That(end < 0 || end > start, "invalid frame range: --end " + std::to_string(end) +
                                        " must be greater than --start " + std::to_string(start))
      .Range("batch", batch, 1, 256)
      .OneOf("device", device, {"auto", "cpu", "cuda"})
      .Range("threads", threads, 0, 256)
      .Error();
}

namespace {

// All frames of the input; those outside [start, end) are marked passthrough (copied as-is).
class PassthroughRange : public FrameSource {
 public:
  PassthroughRange(std::unique_ptr<FrameSource> inner, int64_t start, int64_t end)
      : inner_(std::move(inner)), start_(start), end_(end) {}
  StreamFormat Open() override { return inner_->Open(); }
  bool Read(FrameBatch& batch, int max_frames) override {
    ThrowIfInterrupted();  // Ctrl-C: the run fails and the writers remove their partial files.
    const size_t first = batch.size();
    if (!inner_->Read(batch, max_frames)) return false;
    for (size_t i = first; i < batch.size(); ++i) {
      Frame& f = batch.frames[i];
      f.passthrough = f.index < start_ || (end_ >= 0 && f.index >= end_);
    }
    return true;
  }
  int64_t lost_frames() const override { return inner_->lost_frames(); }

 private:
  std::unique_ptr<FrameSource> inner_;
  int64_t start_, end_;
};

// 64-bit FNV-1a over model.json and the checkpoint's files (names and bytes, sorted): ties a
// manifest to the exact weights used.
std::string HashModel(const std::string& dir, const ModelInfo& info) {
  uint64_t h = 1469598103934665603ull;
  auto feed = [&h](const char* p, size_t n) {
    for (size_t i = 0; i < n; ++i) h = (h ^ static_cast<unsigned char>(p[i])) * 1099511628211ull;
  };
  std::vector<fs::path> files{fs::path(dir) / kModelFile};
  const fs::path ckpt = fs::path(dir) / info.checkpoint;
  if (!info.checkpoint.empty() && fs::is_directory(ckpt)) {
    for (const auto& e : fs::directory_iterator(ckpt)) files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  std::vector<char> buf(1 << 16);
  for (const auto& f : files) {
    const std::string name = f.filename().string();
    feed(name.data(), name.size());
    std::ifstream in(f, std::ios::binary);
    while (in.read(buf.data(), static_cast<std::streamsize>(buf.size())) || in.gcount() > 0) {
      feed(buf.data(), static_cast<size_t>(in.gcount()));
    }
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return hex;
}

void ResolveIdentities(const ModelInfo& info, const std::string& model, std::string& from,
                       std::string& to) {
  std::string list;
  for (const auto& id : info.identities) list += (list.empty() ? "" : ", ") + id;
  auto has = [&](const std::string& id) {
    return std::find(info.identities.begin(), info.identities.end(), id) !=
           info.identities.end();
  };
  if (from.empty()) from = info.identities.at(0);
  auto unknown = [&](const char* option, const std::string& id) {
    return FatalError("unknown identity '" + id + "' for option '" + option + "': model '" + model +
                      "' has identities " + list);
  };
  if (!has(from)) throw unknown("--from", from);
  if (to.empty()) {
    for (const auto& id : info.identities) {
      if (id != from) {
        to = id;
        break;
      }
    }
  }
  if (!has(to)) throw unknown("--to", to);
  if (to == from) throw FatalError("--from and --to are both " + to + ": nothing to swap");
}

nlohmann::json MatrixJson(const cv::Matx23d& m) {
  return {{m(0, 0), m(0, 1), m(0, 2)}, {m(1, 0), m(1, 1), m(1, 2)}};
}

nlohmann::json FrameRecord(const Frame& frame) {
  nlohmann::json faces = nlohmann::json::array();
  for (const auto& f : frame.faces) {
    nlohmann::json lm = nlohmann::json::array();
    for (const auto& p : f.landmarks) lm.push_back({p.x, p.y});
    faces.push_back({{"box", {f.box.x, f.box.y, f.box.width, f.box.height}},
                     {"score", f.score},
                     {"landmarks", lm},
                     {"swapped", !f.swapped.empty()},
                     {"frame_to_aligned", MatrixJson(f.frame_to_aligned)},
                     {"frame_to_swapped", MatrixJson(f.frame_to_swapped)}});
  }
  return {{"index", frame.index},
          {"timestamp", frame.timestamp},
          {"passthrough", frame.passthrough},
          {"changed_pixels", frame.changed.empty() ? 0 : cv::countNonZero(frame.changed)},
          {"faces", faces}};
}

std::unique_ptr<StageOptions> OrDefault(std::unique_ptr<StageOptions>& given,
                                        const StageInfo& info) {
  return given ? std::move(given) : info.default_options();
}

}  // namespace

ConvertSummary RunConvert(const ConvertOptions& options_in, const StageRegistry& registry,
                          ConvertPluginOptions& plugins) {
  ConvertOptions options = options_in;
  ThrowIfInvalid(options.Check());
  if (!fs::exists(options.input)) throw FatalError("input " + options.input + " does not exist");
  std::error_code ec;
  if (fs::equivalent(options.input, options.output, ec)) {
    throw FatalError("output " + options.output + " is the input: choose another name");
  }
  const ModelInfo info = ReadModelInfo(options.model);
  ResolveIdentities(info, options.model, options.from, options.to);
  const bool video_out = HasVideoExtension(options.output);
  if (!video_out && fs::path(options.output).has_extension()) {
    throw FatalError("output " + options.output + ": unknown video extension " +
                     fs::path(options.output).extension().string() +
                     " (expected .mp4, .m4v, .mov or .mkv, or a folder for images)");
  }

  auto source = std::make_unique<PassthroughRange>(OpenFrameSource(options.input), options.start,
                                                   options.end);
  RunnerOptions runner_options;
  runner_options.batch_size = options.batch;
  runner_options.progress = options.progress;
  runner_options.progress_label = "convert";
  Runner runner(runner_options);
  const int workers = ResolveThreads(options.threads);

  // Keeps option objects alive for the factories below.
  std::vector<std::shared_ptr<StageOptions>> keep;
  auto add = [&](const std::string& name, std::unique_ptr<StageOptions> opts, int n) {
    const StageInfo& stage = registry.Get(name);
    ThrowIfInvalid(opts->Check());
    std::shared_ptr<StageOptions> shared(std::move(opts));
    keep.push_back(shared);
    runner.AddStage(name, [&stage, shared] { return stage.create(*shared); },
                    stage.parallel ? n : 1);
  };

  // Faces.
  if (!options.alignments.empty()) {
    auto o = std::make_unique<FromAlignmentsOptions>();
    o->path = options.alignments;
    add("detect/alignments", std::move(o), 1);
  } else {
    add(options.detector, OrDefault(plugins.detect, registry.Get(options.detector)), workers);
    auto align = OrDefault(plugins.align, registry.Get(options.aligner));
    if (auto* a = dynamic_cast<DlibLandmarksOptions*>(align.get())) a->crops = false;
    add(options.aligner, std::move(align), workers);
  }
  // Only the wanted faces are smoothed and swapped (--ref, --exclude-ref, --min-size).
  if (plugins.filter) ThrowIfInvalid(plugins.filter->Check());
  if (auto* f = dynamic_cast<FaceFilterOptions*>(plugins.filter.get()); f && f->Active()) {
    PrepareFaceFilter(*f);
    add("filter/faces", std::move(plugins.filter), workers);
  }
  if (options.smooth_window > 1) {
    auto o = std::make_unique<SmoothingOptions>();
    o->window = options.smooth_window;
    add("smooth/landmarks", std::move(o), 1);
  }
  // Swap.
  auto swap = std::make_unique<AutoencoderSwapOptions>();
  swap->model = options.model;
  swap->to = options.to;
  swap->device = options.device;
  swap->seed = options.seed;
  add("swap/autoencoder", std::move(swap), 1);
  // Finishing.
  add(options.mask, OrDefault(plugins.mask, registry.Get(options.mask)), workers);
  add(options.color, OrDefault(plugins.color, registry.Get(options.color)), workers);
  add(options.sharpen, OrDefault(plugins.sharpen, registry.Get(options.sharpen)), workers);
  add(options.blend, OrDefault(plugins.blend, registry.Get(options.blend)), workers);
  // Output.
  const std::string tag = std::string("Contains synthetic faces made with faceswap ") +
                          kFaceswapVersion + " (" + info.architecture + " model, " +
                          options.from + " -> " + options.to + ")";
  if (video_out) {
    auto w = OrDefault(plugins.writer, registry.Get("writer/video"));
    auto* vw = dynamic_cast<VideoWriterStageOptions*>(w.get());
    vw->output = options.output;
    vw->video.metadata["comment"] = tag;
    vw->video.metadata["synthetic"] = "faceswap";
    add("writer/video", std::move(w), 1);
  } else {
    auto w = registry.Get("writer/images").default_options();
    dynamic_cast<ImageWriterStageOptions&>(*w).output = options.output;
    add("writer/images", std::move(w), 1);
  }

  // Research outputs, written in frame order on the collector thread.
  std::unique_ptr<ImageFolderWriter> mask_writer;
  if (!options.mask_out.empty()) mask_writer = std::make_unique<ImageFolderWriter>(options.mask_out);
  nlohmann::json frames = nlohmann::json::array();
  ConvertSummary summary;
  runner.SetConsumer([&](FrameBatch& batch) {
    for (const Frame& frame : batch.frames) {
      ++summary.frames;
      bool swapped = false;
      for (const auto& f : frame.faces) {
        swapped |= !f.swapped.empty();
        summary.faces += f.swapped.empty() ? 0 : 1;
      }
      summary.frames_swapped += swapped ? 1 : 0;
      if (mask_writer) {
        Frame m;
        m.index = frame.index;
        m.name = frame.name;
        m.image = frame.changed.empty() ? cv::Mat::zeros(frame.image.size(), CV_8UC1)
                                        : frame.changed;
        mask_writer->Write(m);
      }
      if (!options.manifest.empty()) frames.push_back(FrameRecord(frame));
    }
  });

  spdlog::info("convert {} -> {}: {} -> {} with {} ({})", options.input, options.output,
               options.from, options.to, options.model, info.architecture);
  const RunStats stats = runner.Run(*source);
  summary.run = stats;

  if (!options.manifest.empty()) {
    std::ifstream model_json(fs::path(options.model) / kModelFile);
    nlohmann::json manifest = {
        {"faceswap_version", kFaceswapVersion},
        {"synthetic", true},
        {"input", options.input},
        {"output", options.output},
        {"model", {{"folder", options.model},
                   {"hash_fnv1a64", HashModel(options.model, info)},
                   {"model_json", nlohmann::json::parse(model_json, nullptr, false)}}},
        {"identities", {{"from", options.from}, {"to", options.to}}},
        {"options", {{"alignments", options.alignments}, {"detector", options.detector},
                     {"aligner", options.aligner}, {"mask", options.mask},
                     {"color", options.color}, {"sharpen", options.sharpen},
                     {"blend", options.blend}, {"smooth", options.smooth_window},
                     {"start", options.start}, {"end", options.end}, {"batch", options.batch},
                     {"device", options.device}, {"seed", options.seed},
                     {"mask_out", options.mask_out}}},
        {"frames", std::move(frames)}};
    PendingFile pending(options.manifest);
    {
      std::ofstream out(pending.temp_path());
      out << manifest.dump(1) << "\n";
      if (!out) throw FatalError("cannot write manifest " + options.manifest);
    }
    pending.Commit();
  }
  return summary;
}

}  // namespace faceswap
