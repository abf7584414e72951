#include "models/trainer.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "models/checkpoint.h"
#include "pipeline/check.h"
#include "tests/models/test_faces.h"
#include "tests/testing/samples.h"

namespace faceswap {
namespace {

TrainOptions Tiny() {
  TrainOptions o;
  o.architecture = "lite";
  o.batch_size = 4;
  o.learning_rate = 2e-4;
  o.seed = 7;
  o.device = "cpu";
  o.precision = "fp32";
  return o;
}

std::vector<FaceSet> Faces() {
  return {testing::PatternFaces("anna", 8, 128, 1), testing::PatternFaces("bob", 8, 128, 2)};
}

TEST(Trainer, ResumeContinuesTheIterationCount) {
  const std::string dir = testing::ScratchDir("trainer_resume");
  std::vector<double> losses;
  {
    Trainer trainer(dir, Tiny(), Faces());
    EXPECT_FALSE(trainer.resumed());
    for (int i = 0; i < 3; ++i) losses.push_back(trainer.Step().loss[0]);
    EXPECT_TRUE(trainer.Save());
    EXPECT_EQ(trainer.history().size(), 3u);
  }
  EXPECT_EQ(ReadModelInfo(dir).iteration, 3);
  Trainer trainer(dir, Tiny(), Faces());
  EXPECT_TRUE(trainer.resumed());
  EXPECT_EQ(trainer.iteration(), 3);
  EXPECT_EQ(trainer.history().size(), 3u);
  auto r = trainer.Step();
  EXPECT_EQ(r.iteration, 4);
  ASSERT_EQ(r.loss.size(), 2u);
  EXPECT_TRUE(std::isfinite(r.loss[0]) && std::isfinite(r.loss[1]));
  auto preview = trainer.Preview(3);
  // 2 identities x (input, reconstruction, 1 swap) rows of 3 faces, 64 px.
  EXPECT_EQ(preview.height, 6 * 64);
  EXPECT_EQ(preview.width, 3 * 64);
  EXPECT_EQ(preview.pixels.size(), 6u * 64 * 3 * 64 * 3);
}

TEST(Trainer, SeedMakesACpuRunReproducible) {
  std::vector<double> runs[2];
  for (auto& run : runs) {
    Trainer trainer(testing::ScratchDir("trainer_seed"), Tiny(), Faces());
    for (int i = 0; i < 2; ++i) {
      auto r = trainer.Step();
      run.insert(run.end(), r.loss.begin(), r.loss.end());
    }
  }
  EXPECT_EQ(runs[0], runs[1]);
}

TEST(Trainer, NanNeverReachesDiskAndRollsBack) {
  const std::string dir = testing::ScratchDir("trainer_nan");
  Trainer trainer(dir, Tiny(), Faces());
  trainer.Step();
  trainer.Step();
  ASSERT_TRUE(trainer.Save());  // Good checkpoint at iteration 2.
  trainer.Step();
  trainer.PoisonWeightsForTest();
  // Saving poisoned weights is refused and the model rolls back to iteration 2.
  EXPECT_FALSE(trainer.Save());
  EXPECT_EQ(trainer.iteration(), 2);
  EXPECT_EQ(ReadModelInfo(dir).iteration, 2);
  // A NaN loss is not stepped on: rolled back, and the next step is fine again.
  trainer.PoisonWeightsForTest();
  auto r = trainer.Step();
  EXPECT_TRUE(r.rolled_back);
  EXPECT_NE(r.message.find("NaN"), std::string::npos) << r.message;
  EXPECT_EQ(r.iteration, 2);
  r = trainer.Step();
  EXPECT_FALSE(r.rolled_back);
  EXPECT_TRUE(std::isfinite(r.loss[0]));
  EXPECT_EQ(r.iteration, 3);
}

TEST(Trainer, ResumeRefusesADifferentArchitectureOrIdentities) {
  const std::string dir = testing::ScratchDir("trainer_mismatch");
  { Trainer trainer(dir, Tiny(), Faces()); }
  TrainOptions other = Tiny();
  other.architecture = "original";
  EXPECT_THROW(Trainer(dir, other, Faces()), FatalError);
  auto faces = Faces();
  std::swap(faces[0], faces[1]);
  EXPECT_THROW(Trainer(dir, Tiny(), faces), FatalError);
}

TEST(Trainer, CudaRequestWithoutCudaIsAClearError) {
  if (torch::cuda::is_available()) GTEST_SKIP() << "CUDA present";
  TrainOptions o = Tiny();
  o.device = "cuda";
  try {
    Trainer trainer(testing::ScratchDir("trainer_cuda"), o, Faces());
    FAIL() << "no error";
  } catch (const FatalError& e) {
    EXPECT_NE(std::string(e.what()).find("--device cuda"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace faceswap
