// Assembles a run from registered stages: each with its options (checked here) and as many
// workers as the stage allows, then framework sinks the command keeps (the alignments
// collector, change masks, manifest records), then the run's context, which every stage
// receives through Open() (StreamFormat::output, crops, metadata).
//
//   PipelineBuilder pipeline(registry, runner_options, ResolveThreads(threads));
//   pipeline.context().output = options.output;
//   pipeline.Add(options.detector, plugins.Get(options.detector))
//           .Add(options.aligner, plugins.Get(options.aligner))
//           .AddSink("alignments", collector);
//   RunStats stats = pipeline.Run(frames);
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "pipeline/runner.h"
#include "pipeline/stage.h"

namespace faceswap {

// What a command tells every stage about the run (copied into StreamFormat).
struct RunContext {
  std::string output;                           // StreamFormat::output.
  bool crops = true;                            // StreamFormat::crops.
  std::map<std::string, std::string> metadata;  // StreamFormat::metadata.
};

class PipelineBuilder {
 public:
  PipelineBuilder(const StageRegistry& registry, RunnerOptions options, int workers);
  // Adds registered stage `name` configured by `options` (Check()ed now: FatalError naming
  // the bad value). A StageInfo::parallel stage runs `workers` instances, others one.
  PipelineBuilder& Add(const std::string& name, std::shared_ptr<StageOptions> options);
  // Adds a stage the caller owns and reads after the run (one worker: frames in order). It
  // must outlive Run().
  PipelineBuilder& AddSink(const std::string& name, Stage& sink);
  RunContext& context() { return context_; }
  // Names of the steps added, in order.
  const std::vector<std::string>& names() const { return names_; }
  RunStats Run(FrameSource& source);

 private:
  const StageRegistry& registry_;
  int workers_;
  Runner runner_;
  RunContext context_;
  std::vector<std::string> names_;
};

}  // namespace faceswap
