#include "models/trainer.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "base/check.h"
#include "models/checkpoint.h"
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

TEST(Trainer, LearningRateWarmupRampsLinearly) {
  EXPECT_DOUBLE_EQ(LearningRateScale(0, 0), 1.0);  // Off.
  EXPECT_DOUBLE_EQ(LearningRateScale(0, 10), 0.1);
  EXPECT_DOUBLE_EQ(LearningRateScale(4, 10), 0.5);
  EXPECT_DOUBLE_EQ(LearningRateScale(9, 10), 1.0);
  EXPECT_DOUBLE_EQ(LearningRateScale(500, 10), 1.0);
}

// The warm-up scales the rate the optimiser really uses: with a very long warm-up the second
// step's loss (same seed, so the same batches) is that of an untouched model (the smallest
// --lr), not that of a model that took a full step.
TEST(Trainer, LearningRateWarmupScalesTheFirstSteps) {
  auto second_loss = [](TrainOptions o) {
    Trainer trainer(testing::ScratchDir("trainer_warmup"), o, Faces());
    trainer.Step();
    return trainer.Step().loss[0];
  };
  TrainOptions warm = Tiny();
  warm.lr_warmup = 100000000;  // First step at 2e-4 / 1e8.
  TrainOptions still = Tiny();
  still.learning_rate = 1e-9;
  const double warmed = second_loss(warm), untouched = second_loss(still);
  const double stepped = second_loss(Tiny());
  EXPECT_NEAR(warmed, untouched, 1e-5);
  EXPECT_GT(std::abs(stepped - untouched), 1e-4) << "a full step should change the loss";
}

void ExpectNanNeverReachesDiskAndRollsBack(const TrainOptions& options) {
  const std::string dir = testing::ScratchDir("trainer_nan_" + options.precision);
  Trainer trainer(dir, options, Faces());
  EXPECT_EQ(trainer.precision(), options.precision);
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

TEST(Trainer, NanNeverReachesDiskAndRollsBack) { ExpectNanNeverReachesDiskAndRollsBack(Tiny()); }

bool CpuBf16() { return CpuHasBf16(nullptr, nullptr); }

// bf16 runs train a bf16 twin of the model; the poisoned fp32 weights must reach the twin
// (NaN loss) and the rollback must reach it too (finite loss after).
TEST(Trainer, NanRollbackAlsoHoldsForBf16Runs) {
  if (!CpuBf16()) GTEST_SKIP() << "CPU without bf16 instructions";
  TrainOptions o = Tiny();
  o.precision = "bf16";
  ExpectNanNeverReachesDiskAndRollsBack(o);
}

// A bf16 run saves fp32 weights that an fp32 model loads, is reproducible with a seed and
// learns about as much as the fp32 run (held-out SSIM gain on other faces of the same kind).
TEST(Trainer, Bf16RunSavesFp32WeightsAndLearnsLikeFp32) {
  if (!CpuBf16()) GTEST_SKIP() << "CPU without bf16 instructions";
  const FaceSet held_out = testing::PatternFaces("anna", 6, 128, 11);
  double gain[3] = {0, 0, 0};
  std::vector<double> losses[3];
  for (int run = 0; run < 3; ++run) {  // bf16, bf16 again, fp32
    TrainOptions o = Tiny();
    o.precision = run < 2 ? "bf16" : "fp32";
    o.learning_rate = 1e-3;  // Visible progress in few steps.
    // Colour transfer makes 20 steps' held-out gain noisy (measured: bf16 0.003 vs fp32 0.011
    // with it on); this test compares precisions, not augmentations.
    o.augment.color_transfer = 0;
    // So does the mask branch's loss at this learning rate (measured: fp32 gain -0.235 with
    // it on, 20 steps at 1e-3 on pattern faces; the 10-minute runs of README "Swap quality"
    // learn as well with it).
    o.mask_output = false;
    const std::string dir = testing::ScratchDir("trainer_bf16");
    Trainer trainer(dir, o, Faces());
    ASSERT_EQ(trainer.precision(), o.precision);
    const double before = trainer.EvaluateSsim(held_out, 0);
    for (int i = 0; i < 20; ++i) losses[run].push_back(trainer.Step().loss[0]);
    gain[run] = trainer.EvaluateSsim(held_out, 0) - before;
    ASSERT_TRUE(trainer.Save());
    const ModelInfo info = ReadModelInfo(dir);
    EXPECT_EQ(info.precision, o.precision);
    auto model = CreateAutoencoder({info.architecture, 2, info.mask_output});
    LoadCheckpoint(dir, info, model, nullptr, torch::kCPU);
    for (const auto& p : model->parameters()) ASSERT_EQ(p.scalar_type(), torch::kFloat32);
  }
  std::printf("held-out SSIM gain after 20 steps: bf16 %.4f, fp32 %.4f\n", gain[0], gain[2]);
  EXPECT_EQ(losses[0], losses[1]);
  EXPECT_GT(gain[2], 0.005);  // Measured ~0.012 for both precisions.
  EXPECT_GT(gain[0], 0.75 * gain[2]);
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
