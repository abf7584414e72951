#include "tools/extract.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <exception>
#include <filesystem>
#include <opencv2/core.hpp>
#include <set>

#include "pipeline/alignments_file.h"
#include "pipeline/check.h"
#include "pipeline/runner.h"
#include "pipeline/video_reader.h"
#include "stages/align/dlib_landmarks68.h"
#include "stages/detect/detect_options.h"
#include "stages/filter/face_filter.h"
#include "stages/writer/face_writer.h"
#include "tools/interrupt.h"

namespace faceswap {
namespace {

namespace fs = std::filesystem;

// Passes on the frames extract should process: [start, end), every Nth, minus those
// already done. Stops decoding at `end`.
class SelectedFrames : public FrameSource {
 public:
  SelectedFrames(std::unique_ptr<FrameSource> inner, const ExtractOptions& options,
                 std::set<int64_t> done)
      : inner_(std::move(inner)), options_(options), done_(std::move(done)) {}

  StreamFormat Open() override {
    format_ = inner_->Open();
    StreamFormat out = format_;
    if (format_.frame_count >= 0) {
      const int64_t end =
          options_.end >= 0 ? std::min(options_.end, format_.frame_count) : format_.frame_count;
      const int64_t span = std::max<int64_t>(0, end - options_.start);
      out.frame_count = (span + options_.every - 1) / options_.every;
      out.frame_count = std::max<int64_t>(0, out.frame_count - static_cast<int64_t>(done_.size()));
    }
    return out;
  }

  bool Read(FrameBatch& batch, int max_frames) override {
    ThrowIfInterrupted();  // Ctrl-C: the run stops; RunExtract keeps what was done.
    while (static_cast<int>(batch.size()) < max_frames && !finished_) {
      FrameBatch one;
      if (!inner_->Read(one, 1) || one.empty()) {
        finished_ = true;
        break;
      }
      for (auto& frame : one.frames) {
        if (options_.end >= 0 && frame.index >= options_.end) {
          finished_ = true;
          break;
        }
        if (frame.index < options_.start || (frame.index - options_.start) % options_.every != 0) {
          continue;
        }
        if (done_.count(frame.index)) {
          ++skipped_;
          continue;
        }
        batch.frames.push_back(std::move(frame));
      }
    }
    return !batch.empty();
  }

  const StreamFormat& format() const { return format_; }
  int64_t skipped() const { return skipped_; }
  int64_t lost_frames() const override { return inner_->lost_frames(); }

 private:
  std::unique_ptr<FrameSource> inner_;
  const ExtractOptions& options_;
  std::set<int64_t> done_;
  StreamFormat format_;
  bool finished_ = false;
  int64_t skipped_ = 0;
};

AlignmentsFrame ToRecord(const Frame& frame) {
  AlignmentsFrame r;
  r.index = frame.index;
  r.pts = frame.pts;
  r.timestamp = frame.timestamp;
  r.name = frame.name;
  r.faces = frame.faces;
  for (auto& f : r.faces) {  // Pixels are not stored in the alignments file.
    f.aligned.release();
    f.mask.release();
  }
  return r;
}

void SortFrames(std::vector<AlignmentsFrame>& frames) {
  std::stable_sort(
      frames.begin(), frames.end(),
      [](const AlignmentsFrame& a, const AlignmentsFrame& b) { return a.index < b.index; });
}

// Folders this run creates, removed again (only while still empty, deepest first) when the
// run fails by an exception: a bad input must leave no empty output folder behind. Kept
// folders (faces written, an interrupted run's partial alignments) are not empty.
class CreatedFolders {
 public:
  void Create(const std::string& folder) {
    std::vector<fs::path> missing;
    std::error_code ec;
    for (fs::path p = fs::absolute(folder, ec); !p.empty() && !fs::exists(p, ec);
         p = p.parent_path()) {
      missing.push_back(p);
      if (p == p.parent_path()) break;
    }
    EnsureWritableFolder(folder);
    created_.insert(created_.end(), missing.begin(), missing.end());
  }
  ~CreatedFolders() {
    if (std::uncaught_exceptions() <= exceptions_) return;
    std::sort(created_.begin(), created_.end(), [](const fs::path& a, const fs::path& b) {
      return a.native().size() > b.native().size();
    });
    std::error_code ec;
    for (const auto& p : created_) fs::remove(p, ec);  // Fails (harmlessly) when not empty.
  }

 private:
  const int exceptions_ = std::uncaught_exceptions();
  std::vector<fs::path> created_;
};

}  // namespace

std::string ExtractOptions::Check() const {
  return OptionCheck()
      .That(!input.empty(), "option 'input' is empty: expected a video file or image folder")
      .That(!output.empty(), "option 'output' is empty: expected a folder")
      .Range("every", every, 1, 1000000)
      .Min("start", start, int64_t{0})
      .That(end < 0 || end > start, "invalid value " + std::to_string(end) +
                                        " for option 'end': expected -1 (to the end) or > start (" +
                                        std::to_string(start) + ")")
      .Range("threads", threads, 0, 256)
      .Min("checkpoint-seconds", checkpoint_seconds, 0.0)
      .Error();
}

std::string ExtractOptions::AlignmentsPath() const {
  return alignments.empty() ? (fs::path(output) / "alignments.json").string() : alignments;
}

ExtractSummary RunExtract(const ExtractOptions& options, const StageRegistry& registry,
                          StageOptions& detect, StageOptions& align, StageOptions& writer,
                          StageOptions* filter) {
  ThrowIfInvalid(options.Check());
  const StageInfo& detect_info = registry.Get(options.detector);
  const StageInfo& align_info = registry.Get(options.aligner);
  const StageInfo& writer_info = registry.Get("writer/faces");
  auto* landmarks = dynamic_cast<DlibLandmarksOptions*>(&align);
  if (landmarks) {
    landmarks->crops = !options.no_faces;
  }
  auto* face_writer = dynamic_cast<FaceWriterOptions*>(&writer);
  if (face_writer) {
    face_writer->folder = options.output;
    const fs::path in(options.input);
    face_writer->source_name = (in.has_filename() ? in : in.parent_path()).stem().string();
  }
  ThrowIfInvalid(detect.Check());
  ThrowIfInvalid(align.Check());
  ThrowIfInvalid(writer.Check());
  if (filter) ThrowIfInvalid(filter->Check());
  auto* face_filter = dynamic_cast<FaceFilterOptions*>(filter);
  const bool filtering = face_filter && face_filter->Active();
  if (filtering) {
    // References are found with the same landmark model as the frames' faces.
    if (face_filter->landmark_model.empty() && landmarks) {
      face_filter->landmark_model = landmarks->model;
    }
    PrepareFaceFilter(*face_filter);  // A bad --ref fails before any output exists.
  }

  // Fail on outputs before decoding anything.
  CreatedFolders created;
  created.Create(options.output);
  const std::string alignments_path = options.AlignmentsPath();
  {
    const fs::path parent = fs::path(alignments_path).parent_path();
    if (!parent.empty()) created.Create(parent.string());
  }
  std::error_code same_ec;
  if (fs::equivalent(options.input, alignments_path, same_ec)) {
    throw FatalError("alignments file '" + alignments_path + "' is the input: choose another");
  }

  Alignments alignments;
  if (landmarks) alignments.convention = landmarks->Convention();
  AlignmentsSource source;
  std::set<int64_t> done;
  std::vector<AlignmentsFrame> previous;
  if (options.skip_existing && fs::exists(alignments_path)) {
    Alignments old = ReadAlignments(alignments_path);
    if (!(old.convention == alignments.convention)) {
      throw FatalError("alignments file '" + alignments_path + "' was made with aligned size " +
                       std::to_string(old.convention.size) + ": pass --size " +
                       std::to_string(old.convention.size) + " to resume it, or remove it");
    }
    for (auto& s : old.sources) {
      if (s.path == options.input || old.sources.size() == 1) {
        previous = std::move(s.frames);
        break;
      }
    }
    for (const auto& f : previous) done.insert(f.index);
    spdlog::info("resuming: {} frames already in '{}'", done.size(), alignments_path);
  }

  SelectedFrames frames(OpenFrameSource(options.input), options, done);

  RunnerOptions runner_options;
  // Detectors follow faces from frame to frame within a batch (stages/detect/face_search.h):
  // batches of several frames let most frames be searched only near the previous faces.
  runner_options.batch_size = kExtractBatchFrames;
  runner_options.queue_capacity = 8;
  runner_options.progress = options.progress;
  runner_options.progress_label = "extract";
  Runner runner(runner_options);
  const int workers = ResolveThreads(options.threads);
  runner.AddStage(
      detect_info.name, [&] { return detect_info.create(detect); },
      detect_info.parallel ? workers : 1);
  runner.AddStage(
      align_info.name, [&] { return align_info.create(align); }, align_info.parallel ? workers : 1);
  if (filtering) {
    const StageInfo& filter_info = registry.Get("filter/faces");
    runner.AddStage(
        filter_info.name, [&] { return filter_info.create(*filter); },
        filter_info.parallel ? workers : 1);
  }
  if (!options.no_faces) {
    runner.AddStage(
        writer_info.name, [&] { return writer_info.create(writer); },
        writer_info.parallel ? workers : 1);
  }

  ExtractSummary summary;
  auto fill_source = [&] {
    const StreamFormat& f = frames.format();
    source.path = options.input;
    source.width = f.width;
    source.height = f.height;
    source.fps = f.fps;
    source.frame_count = f.frame_count;
    source.time_base_num = f.time_base_num;
    source.time_base_den = f.time_base_den;
    source.detector = detect_info.name;
    source.landmarker = align_info.name;
  };
  auto snapshot = [&](bool complete) {
    fill_source();
    Alignments out = alignments;
    out.complete = complete;
    AlignmentsSource s = source;
    s.frames.insert(s.frames.end(), previous.begin(), previous.end());
    SortFrames(s.frames);
    out.sources.push_back(std::move(s));
    WriteAlignments(alignments_path, out);
  };

  auto last_checkpoint = std::chrono::steady_clock::now();
  runner.SetConsumer([&](FrameBatch& batch) {
    for (const auto& frame : batch.frames) {
      source.frames.push_back(ToRecord(frame));
      ++summary.frames;
      if (!frame.faces.empty()) ++summary.frames_with_faces;
      summary.faces += static_cast<int64_t>(frame.faces.size());
    }
    const auto now = std::chrono::steady_clock::now();
    if (options.checkpoint_seconds > 0 &&
        std::chrono::duration<double>(now - last_checkpoint).count() >=
            options.checkpoint_seconds) {
      snapshot(false);  // Lets --skip-existing resume after an interruption.
      last_checkpoint = now;
    }
  });

  const int64_t dropped_before = filtering ? face_filter->Counts().dropped() : 0;
  RunStats stats;
  try {
    stats = runner.Run(frames);
  } catch (const Interruption&) {
    // Face PNGs written so far are complete files; the partial alignments file lists the
    // frames collected, so --skip-existing resumes after them.
    snapshot(false);
    throw Interruption("interrupted: " + std::to_string(source.frames.size()) +
                       " frames saved to '" + alignments_path +
                       "' (incomplete); run again with --skip-existing to resume");
  }
  summary.seconds = stats.seconds;
  summary.frames_skipped = frames.skipped();
  if (filtering) summary.faces_dropped = face_filter->Counts().dropped() - dropped_before;
  snapshot(true);

  if (summary.frames > 0 && summary.faces == 0 && summary.faces_dropped > 0) {
    spdlog::warn(
        "all {} faces found in '{}' were dropped by the face filter (--min-size, --ref, "
        "--exclude-ref); '{}' lists the frames with no faces",
        summary.faces_dropped, options.input, alignments_path);
  } else if (summary.frames > 0 && summary.faces == 0) {
    spdlog::warn(
        "no face found in any of the {} frames processed of '{}'; '{}' lists them "
        "with no faces",
        summary.frames, options.input, alignments_path);
  }
  return summary;
}

}  // namespace faceswap
