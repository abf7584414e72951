#include "tools/extract.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <exception>
#include <filesystem>

#include "base/check.h"
#include "pipeline/alignments_collector.h"
#include "pipeline/face_files.h"
#include "pipeline/frame_range.h"
#include "pipeline/interrupt.h"
#include "pipeline/pipeline_builder.h"
#include "pipeline/video_reader.h"

namespace faceswap {
namespace {

namespace fs = std::filesystem;

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


// Creates the output folders (removed again if the run fails) and returns the alignments
// path; fails on outputs before anything is decoded.
std::string PrepareOutputs(const ExtractOptions& options, CreatedFolders& created) {
  created.Create(options.output);
  const std::string path = options.AlignmentsPath();
  const fs::path parent = fs::path(path).parent_path();
  if (!parent.empty()) created.Create(parent.string());
  std::error_code ec;
  if (fs::equivalent(options.input, path, ec)) {
    throw FatalError("alignments file '" + path + "' is the input: choose another");
  }
  return path;
}

void WarnIfNoFaces(const ExtractSummary& s, const ExtractOptions& options,
                   const std::string& alignments_path) {
  if (s.frames > 0 && s.faces == 0 && s.faces_dropped > 0) {
    spdlog::warn(
        "all {} faces found in '{}' were dropped by the face filter (--min-size, --ref, "
        "--exclude-ref); '{}' lists the frames with no faces",
        s.faces_dropped, options.input, alignments_path);
  } else if (s.frames > 0 && s.faces == 0) {
    spdlog::warn(
        "no face found in any of the {} frames processed of '{}'; '{}' lists them "
        "with no faces",
        s.frames, options.input, alignments_path);
  }
}

}  // namespace

FrameRangeOptions ExtractOptions::Range() const {
  FrameRangeOptions range;
  range.start = start;
  range.end = end;
  range.every = every;
  return range;
}

std::string ExtractOptions::Check() const {
  return OptionCheck()
      .That(!input.empty(), "option 'input' is empty: expected a video file or image folder")
      .That(!output.empty(), "option 'output' is empty: expected a folder")
      .Include(Range().Check())
      .Range("threads", threads, 0, 256)
      .Min("checkpoint-seconds", checkpoint_seconds, 0.0)
      .Error();
}

std::string ExtractOptions::AlignmentsPath() const {
  return alignments.empty() ? (fs::path(output) / "alignments.json").string() : alignments;
}

ExtractSummary RunExtract(const ExtractOptions& options, const StageRegistry& registry,
                          PluginOptions& plugins) {
  ThrowIfInvalid(options.Check());
  RunnerOptions runner;
  // Detectors follow faces from frame to frame within a batch (stages/detect/face_search.h):
  // batches of several frames let most frames be searched only near the previous faces (a
  // longer --redetect-every makes the detector ask the runner for longer batches).
  runner.batch_size = kExtractBatchFrames;
  runner.queue_capacity = 8;
  runner.progress = options.progress;
  runner.progress_label = "extract";
  PipelineBuilder pipeline(registry, runner, ResolveThreads(options.threads));
  pipeline.context().output = options.output;
  pipeline.context().crops = !options.no_faces;
  pipeline.Add(options.detector, plugins.Get(options.detector))
      .Add(options.aligner, plugins.Get(options.aligner))
      .Add("filter/faces", plugins.Get("filter/faces"));  // Keeps all unless asked to filter.
  if (!options.no_faces) pipeline.Add("writer/faces", plugins.Get("writer/faces"));

  CreatedFolders created;
  const std::string alignments_path = PrepareOutputs(options, created);
  AlignmentsCollector collector({alignments_path, options.input, options.detector,
                                 options.aligner, options.checkpoint_seconds,
                                 options.skip_existing});
  pipeline.AddSink("alignments", collector);
  FrameRangeOptions range = options.Range();
  range.exclude = collector.done();
  FrameRange frames(OpenFrameSource(options.input), range);

  RunStats stats;
  try {
    stats = pipeline.Run(frames);
  } catch (const Interruption&) {
    // Face PNGs written so far are complete files; the partial alignments file lists the
    // frames collected, so --skip-existing resumes after them.
    collector.Write(false);
    throw Interruption("interrupted: " + std::to_string(collector.collected()) +
                       " frames saved to '" + alignments_path +
                       "' (incomplete); run again with --skip-existing to resume");
  }
  collector.Write(true);
  const CollectedCounts& counts = collector.counts();
  ExtractSummary summary{counts.frames, counts.frames_with_faces, counts.faces,
                         frames.excluded(), counts.faces_dropped, stats.seconds};
  WarnIfNoFaces(summary, options, alignments_path);
  return summary;
}

}  // namespace faceswap
