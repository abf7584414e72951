// The pieces commands assemble runs from: FrameRange (over real video), PipelineBuilder
// (options checked, run context through Open, caller-owned sinks), PluginOptions, and the
// alignments collector's resume.
#include "pipeline/pipeline_builder.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "base/check.h"
#include "pipeline/alignments_collector.h"
#include "pipeline/frame_range.h"
#include "pipeline/option_values.h"
#include "pipeline/plugin_options.h"
#include "pipeline/video_reader.h"
#include "tests/testing/samples.h"

namespace faceswap {
namespace {

std::vector<int64_t> Indices(FrameSource& source, int batch = 4) {
  std::vector<int64_t> out;
  FrameBatch b;
  while (source.Read(b, batch)) {
    for (const auto& f : b.frames) out.push_back(f.passthrough ? -f.index - 1 : f.index);
    b.frames.clear();
  }
  return out;
}

TEST(FrameRange, DropsOutsideTheRangeEveryNthAndExcluded) {
  FrameRangeOptions o;
  o.start = 10;
  o.end = 30;
  o.every = 3;
  o.exclude = {13, 100};
  FrameRange range(std::make_unique<VideoReader>(testing::SampleMedia("franck.mp4")), o);
  const StreamFormat f = range.Open();
  EXPECT_EQ(f.frame_count, 6);  // 10 16 19 22 25 28 (13 excluded).
  EXPECT_GT(f.input_frame_count, 30);
  EXPECT_EQ(Indices(range), (std::vector<int64_t>{10, 16, 19, 22, 25, 28}));
  EXPECT_EQ(range.excluded(), 1);
}

TEST(FrameRange, PassthroughKeepsEveryFrameMarked) {
  FrameRangeOptions o;
  o.start = 2;
  o.end = 4;
  o.passthrough = true;
  FrameRange range(std::make_unique<VideoReader>(testing::SampleMedia("franck.mp4")), o);
  const StreamFormat f = range.Open();
  const std::vector<int64_t> got = Indices(range);
  ASSERT_EQ(static_cast<int64_t>(got.size()), f.frame_count);
  EXPECT_EQ(got[0], -1);  // Frame 0: passed through.
  EXPECT_EQ(got[2], 2);
  EXPECT_EQ(got[3], 3);
  EXPECT_EQ(got[4], -5);
}

TEST(FrameRange, BadRangeNamesTheOption) {
  FrameRangeOptions o;
  o.start = 10;
  o.end = 5;
  EXPECT_NE(o.Check().find("option 'end'"), std::string::npos) << o.Check();
  o.end = -1;
  o.every = 0;
  EXPECT_NE(o.Check().find("'every'"), std::string::npos) << o.Check();
}

// A test plugin: records what Open() told it, counts frames.
struct ProbeOptions : StageOptions {
  int limit = 10;
  std::string label = "probe";
  void Bind(OptionBinder& b) override {
    b.Add("limit", &limit, "frames allowed");
    b.Add("label", &label, "a name");
  }
  std::string Check() const override {
    return OptionCheck().Range("limit", limit, 0, 100).Error();
  }
};
struct Seen {
  std::string output;
  bool crops = true;
  std::string comment;
};
Seen seen;
class Probe : public Stage {
 public:
  explicit Probe(const ProbeOptions&) {}
  void Open(StreamFormat& f) override {
    seen = {f.output, f.crops, f.metadata.count("comment") ? f.metadata.at("comment") : ""};
  }
  void Process(FrameBatch&) override {}
};

class Count : public Stage {
 public:
  int64_t frames = 0, last = -1;
  bool ordered = true;
  void Process(FrameBatch& b) override {
    for (const auto& f : b.frames) {
      ordered &= f.index > last;
      last = f.index;
      ++frames;
    }
  }
};

StageRegistry ProbeRegistry() {
  StageRegistry r;
  r.Add(MakeStageInfo<Probe, ProbeOptions>("probe/a", "records its Open", true));
  r.Add(MakeStageInfo<Probe, ProbeOptions>("probe/b", "the same, second", false));
  return r;
}

TEST(PipelineBuilder, ContextReachesOpenAndSinksSeeFramesInOrder) {
  const StageRegistry registry = ProbeRegistry();
  PluginOptions plugins(registry);
  RunnerOptions ro;
  ro.batch_size = 3;
  ro.progress = ProgressMode::kOff;
  PipelineBuilder pipeline(registry, ro, 2);
  pipeline.context().output = "/out/here";
  pipeline.context().crops = false;
  pipeline.context().metadata["comment"] = "synthetic";
  Count count;
  pipeline.Add("probe/a", plugins.Get("probe/a")).AddSink("count", count);
  EXPECT_EQ(pipeline.names(), (std::vector<std::string>{"probe/a", "count"}));
  FrameRangeOptions o;
  o.end = 20;
  FrameRange frames(std::make_unique<VideoReader>(testing::SampleMedia("franck.mp4")), o);
  const RunStats stats = pipeline.Run(frames);
  EXPECT_EQ(stats.frames, 20);
  EXPECT_EQ(count.frames, 20);
  EXPECT_TRUE(count.ordered);
  EXPECT_EQ(seen.output, "/out/here");
  EXPECT_FALSE(seen.crops);
  EXPECT_EQ(seen.comment, "synthetic");
}

TEST(PipelineBuilder, AddChecksOptionsNamingTheBadValue) {
  const StageRegistry registry = ProbeRegistry();
  PluginOptions plugins(registry);
  SetOption(*plugins.Get("probe/b"), "limit", 500);
  RunnerOptions ro;
  PipelineBuilder pipeline(registry, ro, 1);
  try {
    pipeline.Add("probe/b", plugins.Get("probe/b"));
    FAIL() << "expected FatalError";
  } catch (const FatalError& e) {
    EXPECT_NE(std::string(e.what()).find("500"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("'limit'"), std::string::npos) << e.what();
  }
  EXPECT_THROW(pipeline.Add("probe/nope", plugins.Get("probe/b")), FatalError);
}

// A binder that sets every declared `limit` to 7: BindKind binds every plugin of the kind.
class SetLimits : public OptionBinder {
 public:
  int bound = 0;
  void Add(const std::string& n, int* v, const std::string&) override {
    if (n == "limit") *v = 7, ++bound;
  }
  void Add(const std::string&, double*, const std::string&) override {}
  void Add(const std::string&, bool*, const std::string&) override {}
  void Add(const std::string&, std::string*, const std::string&) override {}
  void Add(const std::string&, std::vector<std::string>*, const std::string&) override {}
};

TEST(PluginOptions, BindKindReachesEveryPluginOfTheKind) {
  const StageRegistry registry = ProbeRegistry();
  PluginOptions plugins(registry);
  SetLimits binder;
  plugins.BindKind("probe", binder);
  EXPECT_EQ(binder.bound, 2);
  for (const char* name : {"probe/a", "probe/b"}) {
    const auto values = plugins.Values(name);
    ASSERT_EQ(values.size(), 2u);
    EXPECT_EQ(values[0], (std::pair<std::string, std::string>{"limit", "7"})) << name;
  }
  EXPECT_EQ(plugins.Get("probe/a"), plugins.Get("probe/a")) << "one object per plugin";
  EXPECT_THROW(plugins.Get("probe/c"), FatalError);
}

TEST(AlignmentsCollector, ResumesItsFramesAndRefusesAnotherSize) {
  const std::string path = testing::ScratchDir("collector") + "/alignments.json";
  {
    AlignmentsCollector first({path, "clip.mp4", "detect/x", "align/y", 0, false});
    StreamFormat f;
    f.width = 64;
    f.height = 48;
    f.face_size = 128;
    first.Open(f);
    FrameBatch b;
    b.frames.resize(2);
    b.frames[0].index = 0;
    b.frames[1].index = 1;
    b.frames[1].faces.resize(1);
    b.frames[1].faces_dropped = 2;
    first.Process(b);
    EXPECT_EQ(first.counts().faces, 1);
    EXPECT_EQ(first.counts().faces_dropped, 2);
    first.Write(false);
  }
  AlignmentsCollector again({path, "clip.mp4", "detect/x", "align/y", 0, true});
  EXPECT_EQ(again.done(), (std::set<int64_t>{0, 1}));
  StreamFormat other;
  other.face_size = 256;
  try {
    again.Open(other);
    FAIL() << "expected FatalError";
  } catch (const FatalError& e) {
    EXPECT_NE(std::string(e.what()).find("--size 128"), std::string::npos) << e.what();
  }
  StreamFormat same;
  same.face_size = 128;
  again.Open(same);
  FrameBatch b;
  b.frames.resize(1);
  b.frames[0].index = 2;
  again.Process(b);
  again.Write(true);
  const Alignments a = ReadAlignments(path);
  EXPECT_TRUE(a.complete);
  ASSERT_EQ(a.sources.size(), 1u);
  ASSERT_EQ(a.sources[0].frames.size(), 3u);
  EXPECT_EQ(a.sources[0].frames[2].index, 2);
  EXPECT_EQ(a.convention.size, 128);
}

}  // namespace
}  // namespace faceswap
