// The convert pipeline, shared by `faceswap convert`, its tests and the benchmark:
//
//   source (video / image folder; frames outside [start, end) marked passthrough)
//     -> faces: detect/alignments (from -p) or a detector + align/dlib-68 (N workers)
//     -> filter/faces: --ref, --exclude-ref, --min-size (N workers; keeps all by default)
//     -> smooth/landmarks (1 worker, holds window/2 frames; --smooth 1 passes through)
//     -> swap/autoencoder (1 worker; the model batches every face of a frame batch)
//     -> mask, color, sharpen, blend plugins (N workers each)
//     -> writer/video or writer/images (1 worker)
//     -> sinks, in frame order: change-masks (--mask-out PNGs), frame-records (counts, --manifest)
#pragma once

#include <cstdint>
#include <string>

#include "pipeline/frame_range.h"
#include "pipeline/plugin_options.h"
#include "pipeline/progress.h"
#include "pipeline/runner.h"
#include "pipeline/stage.h"

namespace faceswap {

struct ConvertOptions {
  std::string input;                       // Video file or image folder.
  std::string output;                      // Video file (.mp4/.mkv/...) or folder.
  std::string model;                       // Model folder from `faceswap train`.
  std::string from;                        // Identity shown in the input ("" = model's first).
  std::string to;                          // Identity to render ("" = the model's other one).
  std::string alignments;                  // Alignments file from extract ("" = detect).
  std::string detector = "detect/dlib-hog";
  std::string aligner = "align/dlib-68";
  std::string mask = "mask/hull";
  std::string color = "color/avg";
  std::string sharpen = "sharpen/none";
  std::string blend = "blend/alpha";
  int64_t start = 0;                       // Frames before this are copied untouched.
  int64_t end = -1;                        // Frames from this on are copied untouched (-1 = none).
  int batch = 16;                          // Frames per batch (their faces go through the model
                                           // together: 16 is ~20% faster than 4 on 2 cores).
  std::string device = "auto";             // auto | cpu | cuda.
  std::string mask_out;                    // Folder for per-frame changed-pixel PNGs ("" = none).
  std::string manifest;                    // JSON manifest path ("" = none).
  int seed = 0;                            // Seeds LibTorch (reproducible runs).
  int threads = 0;                         // Workers per parallel stage; 0 = all cores.
  ProgressMode progress = ProgressMode::kAuto;
  std::string Check() const;
  FrameRangeOptions Range() const;  // [start, end), the rest passed through.
};

struct ConvertSummary {
  int64_t frames = 0;
  int64_t frames_swapped = 0;  // Frames in which at least one face was replaced.
  int64_t faces = 0;
  RunStats run;                // Wall time and per-stage busy times.
  double fps() const { return run.seconds > 0 ? frames / run.seconds : 0.0; }
};

// Runs convert. Throws FatalError for bad input, a model without the identities asked for,
// an alignments file of another video, or unwritable output; nothing is left under the
// output name then.
// Plugins are configured by their objects in `plugins` (defaults for those not bound);
// convert sets the swap's model, to, device and seed and detect/alignments' file itself.
ConvertSummary RunConvert(const ConvertOptions& options, const StageRegistry& registry,
                          PluginOptions& plugins);

}  // namespace faceswap
