#include "models/checkpoint.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "pipeline/check.h"
#include "tests/testing/samples.h"

namespace faceswap {
namespace {

namespace fs = std::filesystem;

ModelInfo Info() {
  ModelInfo info;
  info.architecture = "lite";
  info.identities = {"a", "b"};
  return info;
}

torch::Tensor Outputs(Autoencoder& model, const torch::Tensor& x) {
  torch::NoGradGuard no_grad;
  auto latent = model->encoder->forward(x);
  return torch::cat({model->Decode(0, latent), model->Decode(1, latent)});
}

TEST(Checkpoint, SaveLoadGivesIdenticalOutputs) {
  const std::string dir = testing::ScratchDir("ckpt_roundtrip");
  torch::manual_seed(1);
  auto model = CreateAutoencoder({"lite", 2, true});
  torch::optim::Adam adam(model->parameters(), 1e-4);
  ModelInfo info = Info();
  info.mask_output = true;
  info.iteration = 17;
  SaveCheckpoint(dir, info, model, &adam, "1,0.5,0.6\n");
  EXPECT_EQ(info.checkpoint, "ckpt-000000017");

  const ModelInfo read = ReadModelInfo(dir);
  EXPECT_EQ(read.iteration, 17);
  EXPECT_EQ(read.identities, info.identities);
  EXPECT_TRUE(read.mask_output);
  torch::manual_seed(2);  // Different initial weights: the load must replace them all.
  auto loaded = CreateAutoencoder({"lite", 2, true});
  torch::optim::Adam adam2(loaded->parameters(), 1e-4);
  EXPECT_EQ(LoadCheckpoint(dir, read, loaded, &adam2, torch::kCPU), "1,0.5,0.6\n");
  auto x = torch::rand({2, 3, 64, 64});
  EXPECT_TRUE(torch::equal(Outputs(model, x), Outputs(loaded, x)));
}

TEST(Checkpoint, RotationKeepsTheLastK) {
  const std::string dir = testing::ScratchDir("ckpt_rotate");
  auto model = CreateAutoencoder({"lite", 2, false});
  ModelInfo info = Info();
  for (int i = 1; i <= 5; ++i) {
    info.iteration = i * 10;
    SaveCheckpoint(dir, info, model, nullptr, "", {/*keep=*/2});
  }
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename());
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"ckpt-000000040", "ckpt-000000050", "model.json"}));
}

TEST(Checkpoint, CrashDuringSaveLeavesThePreviousCheckpointLoadable) {
  const std::string dir = testing::ScratchDir("ckpt_crash");
  torch::manual_seed(3);
  auto model = CreateAutoencoder({"lite", 2, false});
  ModelInfo info = Info();
  info.iteration = 100;
  SaveCheckpoint(dir, info, model, nullptr, "");
  auto x = torch::rand({1, 3, 64, 64});
  const auto saved = Outputs(model, x);
  {
    torch::NoGradGuard no_grad;
    for (auto& p : model->parameters()) p.add_(0.1);
  }
  // Fail at every point of a save in turn: after each file, and just before model.json's rename.
  for (const char* fail_at : {"encoder.pt", "decoder0.pt", "decoder1.pt", "history.csv",
                              "model.json.tmp"}) {
    ModelInfo next = info;
    next.iteration = 200;
    SaveOptions options;
    options.after_file = [&](const std::string& file) {
      if (file == fail_at) throw std::runtime_error("simulated crash");
    };
    EXPECT_THROW(SaveCheckpoint(dir, next, model, nullptr, "", options), std::runtime_error);
    const ModelInfo read = ReadModelInfo(dir);
    EXPECT_EQ(read.iteration, 100) << fail_at;
    auto loaded = CreateAutoencoder({"lite", 2, false});
    LoadCheckpoint(dir, read, loaded, nullptr, torch::kCPU);
    EXPECT_TRUE(torch::equal(Outputs(loaded, x), saved)) << fail_at;
  }
}

TEST(Checkpoint, NonFiniteWeightsNeverReachDisk) {
  const std::string dir = testing::ScratchDir("ckpt_nan");
  auto model = CreateAutoencoder({"lite", 2, false});
  ModelInfo info = Info();
  info.iteration = 5;
  SaveCheckpoint(dir, info, model, nullptr, "");
  {
    torch::NoGradGuard no_grad;
    model->decoders[1]->parameters().back().view(-1)[0] = std::numeric_limits<float>::infinity();
  }
  info.iteration = 6;
  EXPECT_THROW(SaveCheckpoint(dir, info, model, nullptr, ""), NonFiniteError);
  EXPECT_EQ(ReadModelInfo(dir).iteration, 5);
  EXPECT_FALSE(fs::exists(fs::path(dir) / "ckpt-000000006"));
  EXPECT_FALSE(fs::exists(fs::path(dir) / "ckpt-000000006.tmp"));
}

TEST(Checkpoint, WrongArchitectureOrVersionIsAClearError) {
  const std::string dir = testing::ScratchDir("ckpt_arch");
  auto model = CreateAutoencoder({"lite", 2, false});
  ModelInfo info = Info();
  SaveCheckpoint(dir, info, model, nullptr, "");
  auto other = CreateAutoencoder({"original", 2, false});
  try {
    LoadCheckpoint(dir, ReadModelInfo(dir), other, nullptr, torch::kCPU);
    FAIL() << "no error";
  } catch (const FatalError& e) {
    EXPECT_NE(std::string(e.what()).find("'lite'"), std::string::npos) << e.what();
  }
  std::string json = ModelInfo(info).ToJson();
  json.replace(json.find("\"format_version\": 1"), 19, "\"format_version\": 99");
  std::ofstream(fs::path(dir) / "model.json") << json;
  try {
    ReadModelInfo(dir);
    FAIL() << "no error";
  } catch (const FatalError& e) {
    EXPECT_NE(std::string(e.what()).find("version 99"), std::string::npos) << e.what();
  }
  std::ofstream(fs::path(dir) / "model.json") << "{\"format_version\": 1, ";
  EXPECT_THROW(ReadModelInfo(dir), FatalError);
}

TEST(ModelInfo, JsonRoundTrip) {
  ModelInfo info = Info();
  info.identities = {"Franck \"F\"", "b\\c"};
  info.coverage = 0.7;
  info.iteration = 123456789012;
  info.loss = {0.25, 0.125};
  info.precision = "bf16";
  const ModelInfo back = ModelInfo::FromJson(info.ToJson(), "x");
  EXPECT_EQ(back.identities, info.identities);
  EXPECT_EQ(back.iteration, info.iteration);
  EXPECT_DOUBLE_EQ(back.coverage, 0.7);
  EXPECT_EQ(back.loss, info.loss);
  EXPECT_EQ(back.precision, "bf16");
}

}  // namespace
}  // namespace faceswap
