#include <gtest/gtest.h>

#include "base/check.h"
#include "pipeline/stage.h"

namespace faceswap {
namespace {

struct NopOptions : StageOptions {
  int level = 1;
  void Bind(OptionBinder& b) override { b.Add("level", &level, "A level"); }
  std::string Check() const override { return OptionCheck().Range("level", level, 0, 9).Error(); }
};
class NopStage : public Stage {
 public:
  explicit NopStage(const NopOptions& o) : level_(o.level) {}
  void Process(FrameBatch& b) override {
    for (auto& f : b.frames) f.index += level_;
  }

 private:
  int level_;
};

TEST(StageRegistry, AddGetAndListByKind) {
  StageRegistry r;
  r.Add(MakeStageInfo<NopStage, NopOptions>("color/avg", "mean shift", true));
  r.Add(MakeStageInfo<NopStage, NopOptions>("color/none", "nothing", true));
  r.Add(MakeStageInfo<NopStage, NopOptions>("blend/alpha", "alpha", true));
  EXPECT_EQ(r.Names("color"), (std::vector<std::string>{"color/avg", "color/none"}));
  EXPECT_EQ(r.Names().size(), 3u);
  const StageInfo& info = r.Get("color/avg");
  auto opts = info.default_options();
  static_cast<NopOptions&>(*opts).level = 3;
  auto stage = info.create(*opts);
  FrameBatch b;
  b.frames.resize(1);
  stage->Process(b);
  EXPECT_EQ(b.frames[0].index, 3);
}

TEST(StageRegistry, UnknownNameListsChoicesOfThatKind) {
  StageRegistry r;
  r.Add(MakeStageInfo<NopStage, NopOptions>("color/avg", "", true));
  r.Add(MakeStageInfo<NopStage, NopOptions>("blend/alpha", "", true));
  try {
    r.Get("color/rainbow");
    FAIL() << "expected FatalError";
  } catch (const FatalError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("color/rainbow"), std::string::npos) << m;
    EXPECT_NE(m.find("color/avg"), std::string::npos) << m;
    EXPECT_EQ(m.find("blend/alpha"), std::string::npos) << m;
  }
}

TEST(StageRegistry, RejectsDuplicatesAndBadNames) {
  StageRegistry r;
  r.Add(MakeStageInfo<NopStage, NopOptions>("color/avg", "", true));
  EXPECT_THROW(r.Add(MakeStageInfo<NopStage, NopOptions>("color/avg", "", true)),
               std::logic_error);
  EXPECT_THROW(r.Add(MakeStageInfo<NopStage, NopOptions>("noslash", "", true)), std::logic_error);
}

}  // namespace
}  // namespace faceswap
