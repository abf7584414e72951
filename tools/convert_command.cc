// `faceswap convert`: options of the command and of the chosen plugins, then RunConvert.
//
//   faceswap convert -i clip.mp4 -o swapped.mp4 -m model/ --from A --to B
//   faceswap convert -i clip.mp4 -o out.mp4 -m model/ -p faces/alignments.json \
//       --color color/reinhard --blend blend/seamless --mask-out masks/ --manifest run.json
#include <memory>
#include <set>

#include <opencv2/core.hpp>
#include <spdlog/spdlog.h>

#include "base/device_choice.h"
#include "pipeline/plugin_options.h"
#include "tools/cli_binder.h"
#include "tools/command.h"
#include "tools/convert.h"

namespace faceswap {
namespace {

// What to convert and with which model: input, output, model, identities, alignments, range.
void AddInputOutputOptions(CLI::App& sub, ConvertOptions& o) {
  sub.add_option("-i,--input", o.input, "Input video file or image folder")->required();
  sub.add_option("-o,--output", o.output,
                 "Output video (.mp4/.m4v/.mov/.mkv) or folder for images")
      ->required();
  sub.add_option("-m,--model", o.model, "Model folder written by faceswap train")->required();
  sub.add_option("--from", o.from, "Identity shown in the input (default: the model's first)");
  sub.add_option("--to", o.to,
                 "Identity to render (default: the model's other identity than --from)");
  sub.add_option("-p,--alignments", o.alignments,
                 "Alignments file from faceswap extract for this video (default: detect faces)");
  sub.add_option("--start", o.start, "Frames before this index are copied untouched")
      ->capture_default_str();
  sub.add_option("--end", o.end, "Frames from this index on are copied untouched (-1 = none)")
      ->capture_default_str();
}

// The plugin chosen for each stage, one of those registered for its kind.
void AddPluginChoices(CLI::App& sub, ConvertOptions& o, const StageRegistry& registry) {
  auto choice = [&](const char* flag, std::string& field, const char* kind, const char* help) {
    sub.add_option(flag, field, help)
        ->check(CLI::IsMember(registry.Names(kind)))
        ->capture_default_str()
        ->group("Plugins");
  };
  choice("--detector", o.detector, "detect", "Face detector (when no -p)");
  choice("--mask", o.mask, "mask", "Mask plugin: where the generated face replaces the frame");
  choice("--color", o.color, "color", "Colour matching plugin");
  choice("--sharpen", o.sharpen, "sharpen", "Sharpening plugin");
  choice("--blend", o.blend, "blend", "Blending plugin");
}

void AddRunOptions(CLI::App& sub, ConvertOptions& o) {
  sub.add_option("--batch", o.batch, "Frames per batch (their faces go through the model together)")
      ->capture_default_str();
  sub.add_option("--device", o.device, "auto (CUDA when available), cpu or cuda")
      ->check(CLI::IsMember(DeviceChoices()))
      ->capture_default_str();
}

void AddResearchOptions(CLI::App& sub, ConvertOptions& o) {
  sub.add_option("--mask-out", o.mask_out,
                 "Research: folder for one PNG per frame marking the pixels that were changed")
      ->group("Research");
  sub.add_option("--manifest", o.manifest,
                 "Research: JSON with model, identities, options and per-frame faces/matrices")
      ->group("Research");
  sub.add_option("--seed", o.seed, "Random seed (reproducible runs)")
      ->capture_default_str()
      ->group("Research");
}

// Plugin options. Each kind binds all its plugins to one binder, so --threshold (every
// detector) or --erosion (every mask) is one flag reaching whichever plugin is chosen.
// The swap's model/to/device/seed and detect/alignments' file are convert's own flags
// above, passed on by RunConvert.
std::shared_ptr<PluginOptions> BindPluginOptions(CLI::App& sub, const StageRegistry& registry) {
  auto plugins = std::make_shared<PluginOptions>(registry);
  const std::set<std::string> own = {"alignments", "model", "to", "device", "seed"};
  auto bind = [&](const std::string& kind_or_name, const char* group) {
    CliOptionBinder binder(sub, "", group, own);
    if (kind_or_name.find('/') == std::string::npos) {
      plugins->BindKind(kind_or_name, binder);
    } else {
      plugins->Bind(kind_or_name, binder);
    }
  };
  bind("detect", "Detection (when no -p)");
  bind("align", "Landmarks (when no -p)");
  bind("filter/faces", "Face filter (identity: needs samples/fetch-models.sh)");
  bind("smooth/landmarks", "Landmark smoothing");
  bind("swap/autoencoder", "Swap");
  bind("mask", "Mask");
  bind("color", "Colour");
  bind("sharpen", "Sharpening");
  bind("blend", "Blending");
  {
    CliOptionBinder binder(sub, "", "Output");  // One binder: both writers' flags.
    plugins->Bind("writer/video", binder);
    plugins->Bind("writer/images", binder);
  }
  return plugins;
}

}  // namespace

CommandSetup ConvertCommand() {
  return [](CLI::App& sub, AppContext& context) -> CommandRun {
    auto o = std::make_shared<ConvertOptions>();
    AddInputOutputOptions(sub, *o);
    AddPluginChoices(sub, *o, context.registry);
    AddRunOptions(sub, *o);
    AddResearchOptions(sub, *o);
    auto plugins = BindPluginOptions(sub, context.registry);

    return [&context, o, plugins] {
      o->threads = context.threads;
      o->progress = context.progress;
      cv::setNumThreads(1);  // Parallelism comes from the runner's workers.
      const ConvertSummary s = RunConvert(*o, context.registry, *plugins);
      spdlog::info("converted {} frames ({} with a swapped face, {} faces) in {:.1f} s, {:.1f} fps",
                   s.frames, s.frames_swapped, s.faces, s.run.seconds, s.fps());
      spdlog::info("wrote {}", o->output);
      if (s.frames_swapped == 0) {
        spdlog::warn("no face was swapped: no face found in {}", o->input);
      }
      return 0;
    };
  };
}

}  // namespace faceswap
