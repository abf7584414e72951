// `faceswap score`: measures a swap (README "Scoring a swap"), prints a table, and writes a
// JSON report and a contact sheet of the worst frames when asked.
//
//   faceswap score --input clip.mp4 --output swapped.mp4 --target-refs faces_b/ \
//       --source-refs faces_a/ --masks masks/ -o report.json --sheet worst.png
#include <algorithm>
#include <iostream>
#include <memory>

#include <opencv2/core.hpp>
#include <spdlog/spdlog.h>

#include "tools/command.h"
#include "tools/score.h"

namespace faceswap {

CommandSetup ScoreCommand() {
  return [](CLI::App& sub, AppContext& context) -> CommandRun {
    auto o = std::make_shared<ScoreOptions>();
    sub.add_option("--input", o->input, "The original video (or image folder) convert read")
        ->required();
    sub.add_option("--output", o->output,
                   "The swapped video convert made from --input (same frame size)")
        ->required();
    sub.add_option("--target-refs", o->target_refs,
                   "Photos, face folders or a video of the identity swapped IN (the --to person)")
        ->required();
    sub.add_option("--source-refs", o->source_refs,
                   "Photos, face folders or a video of the identity shown in --input")
        ->required();
    sub.add_option("--masks", o->masks,
                   "Folder convert's --mask-out wrote (one PNG per frame); default: a change "
                   "mask derived from |output - input| inside the input's face hulls");
    sub.add_option("-o,--report", o->report,
                   "Write the JSON report (pooled numbers and one record per frame) here");
    sub.add_option("--sheet", o->sheet,
                   "Write a contact sheet PNG of the worst frames (input | output crops)");
    sub.add_option("--sheet-frames", o->sheet_frames, "Tiles on the contact sheet")
        ->capture_default_str();
    sub.add_option("--sheet-by", o->sheet_by,
                   "What makes a frame worst (frames with an undetected face come first)")
        ->check(CLI::IsMember({"landmark-error", "seam"}))
        ->capture_default_str();
    std::vector<std::string> detectors = context.registry.Names("detect");
    detectors.erase(std::remove(detectors.begin(), detectors.end(), "detect/alignments"),
                    detectors.end());  // Needs an alignments file: both videos are detected.
    sub.add_option("--detector", o->detector, "Face detector plugin (on both videos)")
        ->check(CLI::IsMember(detectors))
        ->capture_default_str();
    sub.add_option("--ref-frames", o->ref_frames,
                   "Frames sampled (evenly spaced) from a reference video")
        ->capture_default_str();
    sub.add_option("--change-threshold", o->change_threshold,
                   "Derived mask: a pixel changed when a channel differs by more than this")
        ->capture_default_str()
        ->group("Change mask and seam");
    sub.add_option("--hull-growth", o->hull_growth,
                   "Derived mask: input face hulls scaled by this about their centre")
        ->capture_default_str()
        ->group("Change mask and seam");
    sub.add_option("--seam-width", o->seam_width,
                   "Seam ring: px on each side of the change mask's boundary")
        ->capture_default_str()
        ->group("Change mask and seam");
    return [&context, o] {
      o->threads = context.threads;
      o->progress = context.progress;
      cv::setNumThreads(1);  // Parallelism comes from the runner's and the pixel pass's workers.
      const ScoreReport report = RunScore(*o, context.registry);
      std::cout << ScoreTable(report) << std::flush;
      if (!o->report.empty()) spdlog::info("score: report written to {}", o->report);
      if (!o->sheet.empty()) spdlog::info("score: contact sheet written to {}", o->sheet);
      return 0;
    };
  };
}

}  // namespace faceswap
