#include "tools/convert.h"

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "base/check.h"
#include "base/device_choice.h"
#include "base/pending_file.h"
#include "models/model_config.h"
#include "pipeline/frame_range.h"
#include "pipeline/option_values.h"
#include "pipeline/pipeline_builder.h"
#include "pipeline/run_records.h"
#include "pipeline/video_reader.h"
#include "pipeline/video_writer.h"
#include "tools/version.h"

namespace faceswap {
namespace fs = std::filesystem;

std::string ConvertOptions::Check() const {
  return OptionCheck()
      .That(!input.empty(), "option 'input' is empty: expected a video file or image folder")
      .That(!output.empty(), "option 'output' is empty: expected a video file or folder")
      .That(!model.empty(), "option 'model' is empty: expected a folder written by faceswap train")
      .Include(Range().Check())
      .Range("batch", batch, 1, 256)
      .OneOf("device", device, DeviceChoices())
      .Range("threads", threads, 0, 256)
      .Error();
}

FrameRangeOptions ConvertOptions::Range() const {
  FrameRangeOptions range;
  range.start = start;
  range.end = end;
  range.passthrough = true;  // Frames outside [start, end) are copied untouched.
  return range;
}

namespace {

void CheckPaths(const ConvertOptions& options) {
  if (!fs::exists(options.input)) throw FatalError("input " + options.input + " does not exist");
  std::error_code ec;
  if (fs::equivalent(options.input, options.output, ec)) {
    throw FatalError("output " + options.output + " is the input: choose another name");
  }
  if (!HasVideoExtension(options.output) && fs::path(options.output).has_extension()) {
    throw FatalError("output " + options.output + ": unknown video extension " +
                     fs::path(options.output).extension().string() +
                     " (expected .mp4, .m4v, .mov or .mkv, or a folder for images)");
  }
}

// Faces: read from the alignments file (-p), or found by a detector and the aligner.
void AddFaces(PipelineBuilder& pipeline, const ConvertOptions& options, PluginOptions& plugins) {
  if (!options.alignments.empty()) {
    auto from = plugins.Get("detect/alignments");
    SetOption(*from, "alignments", options.alignments);
    pipeline.Add("detect/alignments", from);
  } else {
    pipeline.Add(options.detector, plugins.Get(options.detector))
        .Add(options.aligner, plugins.Get(options.aligner));
  }
}

std::shared_ptr<StageOptions> SwapOptions(const ConvertOptions& options, PluginOptions& plugins) {
  auto swap = plugins.Get("swap/autoencoder");
  SetOption(*swap, "model", options.model);
  SetOption(*swap, "to", options.to);
  SetOption(*swap, "device", options.device);
  SetOption(*swap, "seed", options.seed);
  return swap;
}

// The research manifest: what was run (command and plugin options), on what model, and per
// frame what was found and changed.
void WriteManifest(const ConvertOptions& options, const ModelInfo& info, PluginOptions& plugins,
                   const std::vector<std::string>& stages, nlohmann::json frames) {
  std::ifstream model_json(fs::path(options.model) / kModelFile);
  nlohmann::json plugin_options = nlohmann::json::object();
  for (const auto& name : stages) {
    if (name.find('/') == std::string::npos) continue;  // A framework sink: no options.
    nlohmann::json values = nlohmann::json::object();
    for (const auto& [option, value] : plugins.Values(name)) values[option] = value;
    plugin_options[name] = std::move(values);
  }
  const nlohmann::json manifest = {
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
                   {"blend", options.blend}, {"start", options.start}, {"end", options.end},
                   {"batch", options.batch}, {"device", options.device},
                   {"seed", options.seed}, {"mask_out", options.mask_out}}},
      {"stages", stages},
      {"plugin_options", std::move(plugin_options)},
      {"frames", std::move(frames)}};
  WriteFileAtomically(options.manifest, manifest.dump(1) + "\n",
                      "manifest '" + options.manifest + "'");
}

}  // namespace

ConvertSummary RunConvert(const ConvertOptions& options_in, const StageRegistry& registry,
                          PluginOptions& plugins) {
  ConvertOptions options = options_in;
  ThrowIfInvalid(options.Check());
  CheckPaths(options);
  const ModelInfo info = ReadModelInfo(options.model);
  ResolveIdentities(info, options.model, options.from, options.to);

  RunnerOptions runner;
  runner.batch_size = options.batch;
  runner.progress = options.progress;
  runner.progress_label = "convert";
  PipelineBuilder pipeline(registry, runner, ResolveThreads(options.threads));
  pipeline.context().output = options.output;
  pipeline.context().crops = false;  // The swap crops the frame itself.
  pipeline.context().metadata = {
      {"comment", std::string("Contains synthetic faces made with faceswap ") +
                      kFaceswapVersion + " (" + info.architecture + " model, " + options.from +
                      " -> " + options.to + ")"},
      {"synthetic", "faceswap"}};
  AddFaces(pipeline, options, plugins);
  // Only the wanted faces (--ref, --exclude-ref, --min-size) are smoothed and swapped.
  pipeline.Add("filter/faces", plugins.Get("filter/faces"))
      .Add("smooth/landmarks", plugins.Get("smooth/landmarks"))
      .Add("swap/autoencoder", SwapOptions(options, plugins))
      .Add(options.mask, plugins.Get(options.mask))
      .Add(options.color, plugins.Get(options.color))
      .Add(options.sharpen, plugins.Get(options.sharpen))
      .Add(options.blend, plugins.Get(options.blend));
  const std::string writer = HasVideoExtension(options.output) ? "writer/video" : "writer/images";
  pipeline.Add(writer, plugins.Get(writer));
  // Research outputs, in frame order after the writer.
  ChangeMaskSink masks(options.mask_out);
  if (!options.mask_out.empty()) pipeline.AddSink("change-masks", masks);
  FrameRecords records(!options.manifest.empty());
  pipeline.AddSink("frame-records", records);

  FrameRange frames(OpenFrameSource(options.input), options.Range());
  spdlog::info("convert {} -> {}: {} -> {} with {} ({})", options.input, options.output,
               options.from, options.to, options.model, info.architecture);
  ConvertSummary summary;
  summary.run = pipeline.Run(frames);
  summary.frames = records.counts().frames;
  summary.frames_swapped = records.counts().frames_swapped;
  summary.faces = records.counts().faces;
  if (!options.manifest.empty()) {
    WriteManifest(options, info, plugins, pipeline.names(), records.TakeRecords());
  }
  return summary;
}

}  // namespace faceswap
