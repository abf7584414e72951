// `faceswap extract`: options of the command and of the chosen plugins, then RunExtract.
#include <spdlog/spdlog.h>

#include <memory>
#include <opencv2/core.hpp>

#include "base/check.h"
#include "pipeline/plugin_options.h"
#include "tools/cli_binder.h"
#include "tools/command.h"
#include "tools/extract.h"

namespace faceswap {

CommandSetup ExtractCommand() {
  return [](CLI::App& sub, AppContext& context) -> CommandRun {
    auto options = std::make_shared<ExtractOptions>();
    sub.add_option("-i,--input", options->input, "Input video file or image folder")->required();
    sub.add_option("-o,--output", options->output,
                   "Output folder for aligned faces <source>_<frame>_<face>.png")
        ->required();
    sub.add_option("-a,--alignments", options->alignments,
                   "Alignments file to write (.json, or .json.gz for gzip); default "
                   "<output>/alignments.json")
        ->capture_default_str();
    const std::vector<std::string> detectors = context.registry.Names("detect");
    const std::vector<std::string> aligners = context.registry.Names("align");
    sub.add_option("--detector", options->detector, "Face detector plugin")
        ->check(CLI::IsMember(detectors))
        ->capture_default_str();
    sub.add_option("--aligner", options->aligner, "Landmark plugin")
        ->check(CLI::IsMember(aligners))
        ->capture_default_str();
    sub.add_option("--every", options->every, "Process every Nth frame")->capture_default_str();
    sub.add_option("--start", options->start, "First frame index to process")
        ->capture_default_str();
    sub.add_option("--end", options->end, "Stop before this frame index (-1 = end of input)")
        ->capture_default_str();
    sub.add_flag("--skip-existing", options->skip_existing,
                 "Resume: skip frames already in the alignments file (e.g. after an interruption)");
    sub.add_flag("--no-faces", options->no_faces, "Write the alignments file only, no face PNGs");
    sub.add_option("--checkpoint-seconds", options->checkpoint_seconds,
                   "Write the partial alignments file this often, for --skip-existing (0 = never)")
        ->capture_default_str();

    // Plugin options, one flag per name: every detector's --threshold is one flag, whichever
    // detector runs (plugin-specific ones carry their plugin's prefix, e.g. --haar-cascade).
    auto plugins = std::make_shared<PluginOptions>(context.registry);
    // detect/alignments reads -a as convert's -p; extract writes that file, so never binds it.
    CliOptionBinder detect_binder(sub, "", "Detection", {"alignments"});
    plugins->BindKind("detect", detect_binder);
    CliOptionBinder align_binder(sub, "", "Landmarks and alignment");
    plugins->BindKind("align", align_binder);
    CliOptionBinder writer_binder(sub, "", "Face images");
    plugins->Bind("writer/faces", writer_binder);
    CliOptionBinder filter_binder(sub, "", "Face filter (identity: needs samples/fetch-models.sh)");
    plugins->Bind("filter/faces", filter_binder);

    return [&context, options, plugins] {
      options->threads = context.threads;
      options->progress = context.progress;
      // Parallelism comes from the runner's workers; OpenCV's own pool would oversubscribe.
      cv::setNumThreads(1);
      const ExtractSummary s = RunExtract(*options, context.registry, *plugins);
      const std::string dropped =
          s.faces_dropped > 0 ? " (" + std::to_string(s.faces_dropped) + " dropped by the filter)"
                              : "";
      spdlog::info(
          "extract: {} frames ({} skipped as done), {} with faces, {} faces{}, {:.1f} fps; "
          "alignments: {}",
          s.frames, s.frames_skipped, s.frames_with_faces, s.faces, dropped, s.fps(),
          options->AlignmentsPath());
      return 0;
    };
  };
}

}  // namespace faceswap
