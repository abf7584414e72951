// `faceswap score`: how good a swap is, measured on the input video and the output `faceswap
// convert` made from it (README "Scoring a swap" defines every number):
//
//   pass 1  input video  -> detect + align/dlib-68 -> input faces per frame
//   pass 2  output video -> detect + align/dlib-68 -> output faces per frame
//   pass 3  both videos in step, frames paired by index: faces matched by IoU, landmark error,
//           jitter, identity (dlib ResNet descriptors against the target/source refs), PSNR
//           inside/outside the change mask, seam energy; the worst frames' tiles (--sheet)
//
// The detection passes are the extract pipeline's stages (StageRegistry), run by a Runner.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>

#include "pipeline/progress.h"
#include "pipeline/stage.h"
#include "tools/score_metrics.h"

namespace faceswap {

struct ScoreOptions {
  std::string input;                     // Original video (or image folder).
  std::string output;                    // Its swapped version, made by convert.
  std::vector<std::string> target_refs;  // Photos/folders/videos of the identity swapped in.
  std::vector<std::string> source_refs;  // ... of the identity shown in the input.
  std::string masks;                     // convert --mask-out folder ("" = derived mask).
  std::string report;                    // JSON report path ("" = none).
  std::string sheet;                     // Contact sheet PNG path ("" = none).
  int sheet_frames = 8;                  // Tiles on the sheet (worst frames).
  std::string sheet_by = "landmark-error";  // landmark-error | seam (undetected frames first).
  std::string detector = "detect/dlib-hog";
  int ref_frames = 32;                   // Frames sampled from a reference video.
  int change_threshold = 12;             // Derived mask: changed when a channel differs more.
  double hull_growth = 1.2;              // Derived mask: face hull scale about its centroid.
  int seam_width = 3;                    // Seam ring half-width in px.
  int threads = 0;                       // Detection workers; 0 = all cores.
  ProgressMode progress = ProgressMode::kAuto;
  std::string Check() const;
};

// Mean and median over finite values, and how many there were.
struct PooledValue {
  double mean = NAN;
  double median = NAN;
  int64_t count = 0;
};
PooledValue Pool(const std::vector<double>& values);

struct FaceScore {
  int input_face = 0;  // Index among the frame's input faces (largest first).
  cv::Rect2f input_box;
  int output_face = -1;  // Matched output face, -1 = not detected in the output.
  cv::Rect2f output_box;
  double iou = 0.0;
  double landmark_error = NAN;  // LandmarkError(input, output).
  std::array<double, kNumLandmarkRegions> region_error{NAN, NAN, NAN, NAN, NAN};
  double jitter_input = NAN;    // LandmarkJitter over frames t-1, t, t+1 (same tracked face).
  double jitter_output = NAN;   // ... of the matched output faces of those input faces.
  double input_d_source = NAN, input_d_target = NAN;    // Descriptor distances (input face).
  double output_d_source = NAN, output_d_target = NAN;  // ... of the matched output face.
};

struct FrameScore {
  int64_t index = 0;
  double input_time = NAN, output_time = NAN;  // Seconds; NaN when the frame is missing.
  int output_faces = 0;                        // Faces found in the output frame.
  std::vector<FaceScore> faces;                // One per input face.
  int64_t mask_pixels = 0;                     // Change mask size.
  double psnr_inside = NAN, psnr_outside = NAN;
  SeamScore seam;
  bool paired() const { return std::isfinite(input_time) && std::isfinite(output_time); }
  bool undetected() const;  // An input face has no match in the output.
  double worst_landmark_error() const;  // Largest over faces (NaN without matches).
};

struct ScorePooled {
  int64_t input_faces = 0;  // Input face-frames of paired frames.
  int64_t detected_faces = 0;
  double detected = NAN;  // detected_faces / input_faces.
  PooledValue output_d_target, output_d_source, input_d_target, input_d_source;
  double target_below = NAN;  // Share of described output faces with d_target < 0.6,
  double source_above = NAN;  // ... with d_source > 0.6,
  double both = NAN;          // ... with both.
  PooledValue landmark_error;
  std::array<PooledValue, kNumLandmarkRegions> region_error;  // LandmarkRegionErrors pooled.
  int64_t jitter_triplets = 0;
  double jitter_input = NAN, jitter_output = NAN;  // Means over the triplets.
  double jitter_ratio = NAN;                       // jitter_output / jitter_input.
  PooledValue psnr_inside, psnr_outside, seam_ratio, seam_step;
};

struct ScoreReport {
  ScoreOptions options;
  int width = 0, height = 0;
  double input_fps = 0, output_fps = 0;
  int64_t input_frames = 0, output_frames = 0, paired_frames = 0;
  double max_time_difference = NAN;  // Max |t_out - t_in| over paired frames, seconds.
  bool input_audio = false, output_audio = false;
  std::optional<bool> audio_kept;    // Unset when the input has no audio.
  std::string mask_source;           // "masks" (--masks) or "derived".
  int64_t target_ref_faces = 0, source_ref_faces = 0;
  double ref_distance = NAN;         // Between the target and source reference means.
  ScorePooled pooled;
  std::vector<FrameScore> frames;    // Every frame index seen in either video, in order.
  double seconds = 0.0;
};

// Runs the three passes. Throws FatalError for missing inputs, videos of different sizes,
// references without a face, unreadable masks; a frame count mismatch is reported (frames
// are paired by index). Writes options.report and options.sheet when set.
ScoreReport RunScore(const ScoreOptions& options, const StageRegistry& registry);

// The pooled values of `frames`.
ScorePooled PoolFrames(const std::vector<FrameScore>& frames);

// The report as JSON ("pooled", "frames", ...; NaN as null).
nlohmann::json ScoreJson(const ScoreReport& report);
// The text summary printed by the command (a small table).
std::string ScoreTable(const ScoreReport& report);

}  // namespace faceswap
