// The extract pipeline, shared by `faceswap extract` and the benchmark:
//
//   source (video / image folder, frame selection) -> detect (N workers)
//     -> landmarks + alignment (N workers) -> [filter/faces: --min-size, --ref (N workers)]
//     -> aligned-face PNGs (N workers)
//     -> alignments file (collector: in order, checkpointed, written atomically at the end)
//
// Detection runs on a frame resized by the detection scale (detect_options.h); landmarks
// run on the full-resolution frame.
#pragma once

#include <cstdint>
#include <string>

#include "pipeline/frame_range.h"
#include "pipeline/plugin_options.h"
#include "pipeline/progress.h"
#include "pipeline/stage.h"

namespace faceswap {

// Frames per runner batch: detectors follow faces within a batch, so longer batches need fewer
// whole-frame searches (DetectOptions::redetect_every, whose default is this; a longer one
// lengthens the batches, StreamFormat::min_batch_frames); 8 keeps ~8 batches of 720p in flight
// per queue under 200 MB.
constexpr int kExtractBatchFrames = 8;

struct ExtractOptions {
  std::string input;       // Video file or image folder.
  std::string output;      // Folder for aligned faces (and the default alignments).
  std::string alignments;  // Alignments file; "" = <output>/alignments.json.
  std::string detector = "detect/dlib-hog";  // Detect plugin.
  std::string aligner = "align/dlib-68";     // Landmark plugin.
  int every = 1;                             // Process every Nth frame.
  int64_t start = 0;                         // First frame index processed.
  int64_t end = -1;                          // One past the last frame index; -1 = to the end.
  bool skip_existing = false;                // Resume: skip frames already in the alignments file.
  bool no_faces = false;                     // Alignments only: no face PNGs.
  int threads = 0;                           // Workers per parallel stage; 0 = all cores.
  double checkpoint_seconds = 30.0;          // Partial alignments written this often (0 = never).
  ProgressMode progress = ProgressMode::kAuto;
  std::string Check() const;
  FrameRangeOptions Range() const;  // start, end, every.
  // The alignments path actually used.
  std::string AlignmentsPath() const;
};

struct ExtractSummary {
  int64_t frames = 0;  // Frames processed in this run.
  int64_t frames_with_faces = 0;
  int64_t faces = 0;
  int64_t frames_skipped = 0;  // Already in the alignments file (--skip-existing).
  int64_t faces_dropped = 0;   // Removed by filter/faces (--min-size, --ref, --exclude-ref).
  double seconds = 0.0;        // Wall time of the pipeline run.
  double fps() const { return seconds > 0 ? frames / seconds : 0.0; }
};

// Runs extract with the plugins named in `options` (and filter/faces, writer/faces),
// configured by their objects in `plugins` (defaults for those not bound). Throws
// FatalError for bad input or unwritable output, Interruption on Ctrl-C (the partial
// alignments file is kept for --skip-existing).
ExtractSummary RunExtract(const ExtractOptions& options, const StageRegistry& registry,
                          PluginOptions& plugins);

}  // namespace faceswap
