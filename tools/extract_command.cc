// `faceswap extract`: options of the command and of the chosen plugins, then RunExtract.
#include <spdlog/spdlog.h>

#include <memory>
#include <opencv2/core.hpp>

#include "pipeline/check.h"
#include "stages/detect/detect_options.h"
#include "stages/filter/face_filter.h"
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

    // Plugin options: shared detector options at top level, plugin-specific ones with
    // their plugin's prefix (e.g. --haar-cascade), landmark and writer options as-is.
    auto detect_common = std::make_shared<DetectOptions>();
    CliOptionBinder detect_binder(sub, "", "Detection");
    detect_common->BindCommon(detect_binder);
    auto detect_options = std::make_shared<std::map<std::string, std::unique_ptr<StageOptions>>>();
    for (const auto& name : detectors) {
      auto o = context.registry.Get(name).default_options();
      if (auto* d = dynamic_cast<DetectOptions*>(o.get())) d->BindOwn(detect_binder);
      (*detect_options)[name] = std::move(o);
    }
    auto align_options = std::make_shared<std::map<std::string, std::unique_ptr<StageOptions>>>();
    CliOptionBinder align_binder(sub, "", "Landmarks and alignment");
    for (const auto& name : aligners) {
      auto o = context.registry.Get(name).default_options();
      o->Bind(align_binder);
      (*align_options)[name] = std::move(o);
    }
    auto writer_options = std::shared_ptr<StageOptions>(
        context.registry.Get("writer/faces").default_options().release());
    CliOptionBinder writer_binder(sub, "", "Face images");
    writer_options->Bind(writer_binder);
    auto filter_options = std::shared_ptr<StageOptions>(
        context.registry.Get("filter/faces").default_options().release());
    const std::string filter_group = "Face filter (identity: needs samples/fetch-models.sh)";
    CliOptionBinder filter_binder(sub, "", filter_group);
    filter_options->Bind(filter_binder);
    dynamic_cast<FaceFilterOptions&>(*filter_options)
        .BindPaths([&sub, filter_group](const std::string& name, std::vector<std::string>* value,
                                        const std::string& help) {
          sub.add_option("--" + name, *value, help)->group(filter_group);
        });

    return [&context, options, detect_common, detect_options, align_options, writer_options,
            filter_options] {
      options->threads = context.threads;
      options->progress = context.progress;
      StageOptions& detect = *detect_options->at(options->detector);
      if (auto* d = dynamic_cast<DetectOptions*>(&detect)) d->CopyCommon(*detect_common);
      // Parallelism comes from the runner's workers; OpenCV's own pool would oversubscribe.
      cv::setNumThreads(1);
      const ExtractSummary s =
          RunExtract(*options, context.registry, detect, *align_options->at(options->aligner),
                     *writer_options, filter_options.get());
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
