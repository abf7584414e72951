#include "pipeline/pipeline_builder.h"

#include "base/check.h"

namespace faceswap {
namespace {

// A caller-owned stage, driven through a unique_ptr the runner may destroy.
class Borrowed : public Stage {
 public:
  explicit Borrowed(Stage& stage) : stage_(stage) {}
  void Open(StreamFormat& format) override { stage_.Open(format); }
  void Process(FrameBatch& batch) override { stage_.Process(batch); }
  void Close(FrameBatch& tail) override { stage_.Close(tail); }

 private:
  Stage& stage_;
};

// The source, with the run's context written into the format it opens with.
class WithContext : public FrameSource {
 public:
  WithContext(FrameSource& inner, const RunContext& context) : inner_(inner), context_(context) {}
  StreamFormat Open() override {
    StreamFormat format = inner_.Open();
    format.output = context_.output;
    format.crops = context_.crops;
    format.metadata = context_.metadata;
    return format;
  }
  bool Read(FrameBatch& batch, int max_frames) override { return inner_.Read(batch, max_frames); }
  int64_t Skip(int64_t count) override { return inner_.Skip(count); }
  int64_t lost_frames() const override { return inner_.lost_frames(); }

 private:
  FrameSource& inner_;
  const RunContext& context_;
};

}  // namespace

PipelineBuilder::PipelineBuilder(const StageRegistry& registry, RunnerOptions options,
                                 int workers)
    : registry_(registry), workers_(workers < 1 ? 1 : workers), runner_(std::move(options)) {}

PipelineBuilder& PipelineBuilder::Add(const std::string& name,
                                      std::shared_ptr<StageOptions> options) {
  const StageInfo& info = registry_.Get(name);
  ThrowIfInvalid(options->Check());
  runner_.AddStage(
      name, [&info, options] { return info.create(*options); }, info.parallel ? workers_ : 1);
  names_.push_back(name);
  return *this;
}

PipelineBuilder& PipelineBuilder::AddSink(const std::string& name, Stage& sink) {
  runner_.AddStage(name, [&sink] { return std::make_unique<Borrowed>(sink); }, 1);
  names_.push_back(name);
  return *this;
}

RunStats PipelineBuilder::Run(FrameSource& source) {
  WithContext with_context(source, context_);
  return runner_.Run(with_context);
}

}  // namespace faceswap
