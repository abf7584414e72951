// `faceswap train` on real faces: dlib's "johns" aligned face chips (150x150), two identities.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <numeric>
#include <sstream>

#include "models/trainer.h"
#include "pipeline/check.h"
#include "tests/testing/samples.h"
#include "tools/face_loader.h"

namespace faceswap {
namespace {

namespace fs = std::filesystem;
using testing::RunCommand;
const std::string kBin = FACESWAP_BIN;

std::string Johns(const std::string& who) { return testing::DlibExample("johns/" + who); }

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(TrainRealFaces, ReconstructionLossFalls) {
  // Tiny configuration: lite model, 4 faces per identity, 60 iterations (~20 s on 2 cores).
  std::vector<FaceSet> faces = {LoadFaces(Johns("John_Salley"), "salley"),
                                LoadFaces(Johns("John_Savage"), "savage")};
  ASSERT_EQ(faces[0].count, 11);
  ASSERT_EQ(faces[0].width, 150);
  TrainOptions o;
  o.architecture = "lite";
  o.batch_size = 4;
  o.learning_rate = 3e-4;
  o.seed = 11;
  o.device = "cpu";
  o.augment.coverage = 0.8;
  Trainer trainer(testing::ScratchDir("train_real"), o, faces);
  const double ssim_before = trainer.EvaluateSsim(faces[0], 0);
  std::vector<double> loss;
  for (int i = 0; i < 60; ++i) {
    const StepResult r = trainer.Step();
    ASSERT_FALSE(r.rolled_back) << r.message;
    loss.push_back(r.loss[0] + r.loss[1]);
  }
  const double first = std::accumulate(loss.begin(), loss.begin() + 10, 0.0) / 10;
  const double last = std::accumulate(loss.end() - 10, loss.end(), 0.0) / 10;
  EXPECT_LT(last, 0.85 * first) << "first 10 mean " << first << ", last 10 mean " << last;
  // The reconstruction got closer to the faces (unaugmented crops).
  EXPECT_GT(trainer.EvaluateSsim(faces[0], 0), ssim_before + 0.05);
}

TEST(TrainCommand, TrainsResumesAndWritesPreviews) {
  const std::string dir = testing::ScratchDir("train_cli");
  const std::string model = dir + "/model";
  const std::string base = kBin + " train -t lite -b 2 --seed 3 --coverage 0.8 -o " + model +
                           " --identity salley=" + Johns("John_Salley") +
                           " --identity savage=" + Johns("John_Savage");
  std::string out;
  ASSERT_EQ(RunCommand(base + " --iterations 3 --preview-every 2 --timelapse " + dir + "/tl", &out),
            0)
      << out;
  EXPECT_NE(out.find("created model"), std::string::npos) << out;
  for (const char* f : {"model.json", "preview.png", "loss.png", "ckpt-000000003/encoder.pt",
                        "ckpt-000000003/decoder1.pt", "ckpt-000000003/optimizer.pt"}) {
    EXPECT_TRUE(fs::exists(fs::path(model) / f)) << f;
  }
  EXPECT_TRUE(fs::exists(dir + "/tl/preview_000000002.png"));
  EXPECT_TRUE(fs::exists(dir + "/tl/preview_000000003.png"));
  const std::string json = ReadFile(fs::path(model) / "model.json");
  EXPECT_NE(json.find("\"iteration\": 3"), std::string::npos) << json;
  EXPECT_NE(json.find("\"identities\": [\"salley\", \"savage\"]"), std::string::npos) << json;

  // Re-running on the folder resumes.
  ASSERT_EQ(RunCommand(base + " --iterations 2", &out), 0) << out;
  EXPECT_NE(out.find("resuming model"), std::string::npos) << out;
  EXPECT_NE(ReadFile(fs::path(model) / "model.json").find("\"iteration\": 5"), std::string::npos);

  // A different architecture on the same folder is a clear error.
  EXPECT_EQ(RunCommand(kBin + " train -t original -o " + model + " --identity salley=" +
                           Johns("John_Salley") + " --identity savage=" + Johns("John_Savage") +
                           " --iterations 1",
                       &out),
            1);
  EXPECT_NE(out.find("'lite' model"), std::string::npos) << out;
}

TEST(TrainCommand, InterruptSavesCleanly) {
  const std::string dir = testing::ScratchDir("train_int");
  std::string out;
  // SIGINT after a few seconds: the run saves and exits 0.
  const int rc = RunCommand("timeout --preserve-status -s INT 6 " + kBin + " train -t lite -b 2 -o " + dir +
                                "/m -A " + Johns("John_Salley") + " -B " + Johns("John_Simm"),
                            &out);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("interrupted: saving"), std::string::npos) << out;
  EXPECT_NE(out.find("saved at iteration"), std::string::npos) << out;
  EXPECT_TRUE(fs::exists(dir + "/m/model.json"));
}

TEST(TrainCommand, BadInputsAreOneLineErrors) {
  const std::string dir = testing::ScratchDir("train_bad");
  std::string out;
  EXPECT_EQ(RunCommand(kBin + " train -o " + dir + "/m -A " + Johns("John_Salley"), &out), 1);
  EXPECT_NE(out.find("at least 2 identities"), std::string::npos) << out;
  EXPECT_EQ(RunCommand(kBin + " train -o " + dir + "/m -A " + Johns("John_Salley") +
                           " -B /no/such/folder",
                       &out),
            1);
  EXPECT_NE(out.find("/no/such/folder"), std::string::npos) << out;
  EXPECT_EQ(RunCommand(kBin + " train -o " + dir + "/m --identity justaname", &out), 1);
  EXPECT_NE(out.find("NAME=FOLDER"), std::string::npos) << out;
  EXPECT_FALSE(fs::exists(dir + "/m"));
}

TEST(PackFaces, PackedSetTrainsLikeTheFolder) {
  const std::string dir = testing::ScratchDir("pack");
  std::string out;
  ASSERT_EQ(RunCommand(kBin + " pack-faces -i " + Johns("John_Shimkus") + " -o " + dir +
                           "/shimkus.faces",
                       &out),
            0)
      << out;
  const FaceSet packed = LoadFaces(dir + "/shimkus.faces", "x");
  const FaceSet folder = LoadFaces(Johns("John_Shimkus"), "x");
  EXPECT_EQ(packed.count, folder.count);
  EXPECT_EQ(packed.pixels, folder.pixels);
  EXPECT_THROW(LoadFaces(Johns("John_Shimkus") + "/000373_03228153.jpg", "x"), FatalError);
}

}  // namespace
}  // namespace faceswap
