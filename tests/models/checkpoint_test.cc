#include "models/checkpoint.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <fstream>

#include "base/check.h"
#include "base/pending_file.h"
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
                              "model.json"}) {
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
    for (const auto& e : fs::directory_iterator(dir)) {
      EXPECT_FALSE(IsTempName(e.path().filename().string())) << fail_at << ": " << e.path();
    }
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
  for (const auto& e : fs::directory_iterator(dir)) {
    EXPECT_FALSE(IsTempName(e.path().filename().string())) << e.path() << " left behind";
  }
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

std::string ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void WriteBytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

// Replaces every `from` in `bytes` by `to` (same length: the zip and pickle framing stay valid;
// LibTorch's zip reader does not check CRCs).
std::string ReplaceAll(std::string bytes, const std::string& from, const std::string& to) {
  EXPECT_EQ(from.size(), to.size());
  size_t n = 0;
  for (size_t at = bytes.find(from); at != std::string::npos; at = bytes.find(from, at)) {
    bytes.replace(at, from.size(), to);
    ++n;
  }
  EXPECT_GT(n, 0u) << from;
  return bytes;
}

// Expects a one-line FatalError naming `path`; returns its message ("" if none).
std::string ExpectLoadError(const std::function<void()>& load, const std::string& path) {
  try {
    load();
    ADD_FAILURE() << "no error loading " << path;
  } catch (const FatalError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(path), std::string::npos) << what;
    EXPECT_EQ(what.find('\n'), std::string::npos) << what;
    return what;
  }
  return "";
}

// Found by tests/fuzz/checkpoint_fuzz: LibTorch's loaders throw more than c10::Error. A module
// archive whose TorchScript class record is missing gave a multi-line torch::jit::ErrorReport,
// an optimizer archive with a renamed key a std::out_of_range; both escaped LoadCheckpoint.
TEST(Checkpoint, DamagedArchivesAreOneLineFatalErrors) {
  const std::string dir = testing::ScratchDir("ckpt_damaged");
  torch::nn::Sequential module(torch::nn::Linear(2, 2));
  const std::string module_file = dir + "/module.pt";
  torch::save(module, module_file);
  // The child's class lives in code/__torch__/<name>.py; rename that record.
  std::string bytes = ReadBytes(module_file);
  const size_t at = bytes.find("code/__torch__/");
  ASSERT_NE(at, std::string::npos);
  const size_t py = bytes.find(".py", at);
  ASSERT_NE(py, std::string::npos);
  std::string record = bytes.substr(at, py + 3 - at), renamed = record;
  renamed[renamed.size() - 4] = renamed[renamed.size() - 4] == 'x' ? 'y' : 'x';
  WriteBytes(module_file, ReplaceAll(bytes, record, renamed));
  torch::nn::Sequential target(torch::nn::Linear(2, 2));
  ExpectLoadError([&] { LoadModuleFile(*target, module_file, torch::kCPU); }, module_file);

  torch::optim::Adam adam(module->parameters(), 1e-3);
  const std::string optimizer_file = dir + "/optimizer.pt";
  torch::save(adam, optimizer_file);
  WriteBytes(optimizer_file, ReplaceAll(ReadBytes(optimizer_file), "params/1", "params/x"));
  torch::optim::Adam other(target->parameters(), 1e-3);
  ExpectLoadError([&] { LoadOptimizerFile(other, optimizer_file, torch::kCPU); }, optimizer_file);
}

// Found by tests/fuzz/checkpoint_fuzz: LibTorch 1.13 compiles an archive's code/ entries on
// load, and malformed class code (here the fuzzer's "__annotations_ = []" in place of
// "__parameters__ = []") segfaulted its compiler (ScriptTypeParser::parseClassConstant).
// Code that torch::save never writes is refused before LibTorch sees the file; what it does
// write (modules, optimizers) still loads.
TEST(Checkpoint, UnexpectedArchiveCodeIsRefusedBeforeLibTorchCompilesIt) {
  const std::string dir = testing::ScratchDir("ckpt_code");
  torch::nn::Sequential module(torch::nn::Linear(2, 2), torch::nn::ReLU());
  const std::string file = dir + "/module.pt";
  torch::save(module, file);
  torch::nn::Sequential target(torch::nn::Linear(2, 2), torch::nn::ReLU());
  EXPECT_NO_THROW(LoadModuleFile(*target, file, torch::kCPU));
  torch::optim::Adam adam(module->parameters(), 1e-3);
  module->forward(torch::ones({1, 2})).sum().backward();
  adam.step();
  torch::save(adam, dir + "/optimizer.pt");
  torch::optim::Adam other(target->parameters(), 1e-3);
  EXPECT_NO_THROW(LoadOptimizerFile(other, dir + "/optimizer.pt", torch::kCPU));

  const std::string bytes = ReadBytes(file);
  ASSERT_NE(bytes.find("  __parameters__ = []"), std::string::npos);  // ReLU's class
  WriteBytes(file, ReplaceAll(bytes, "  __parameters__ = []", "  __annotations_ = []"));
  try {
    LoadModuleFile(*target, file, torch::kCPU);
    FAIL() << "no error";
  } catch (const FatalError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(file), std::string::npos) << what;
    EXPECT_NE(what.find("unexpected code"), std::string::npos) << what;
    EXPECT_NE(what.find("faceswap train"), std::string::npos) << what;
  }
}

// Found by tests/fuzz/checkpoint_fuzz: LibTorch's unpickler allocates what the numbers in a
// pickle claim (a memo index of ~800 M entries: a 12.7 GB malloc; a string length: that much
// reserved). A pickle whose string claims 2 GB in a file of a few KB is refused before LibTorch
// reads it, with a one-line error; the same file with its true length loads.
TEST(Checkpoint, PickleNumbersPastTheRecordAreRefused) {
  const std::string dir = testing::ScratchDir("ckpt_pickle");
  torch::nn::Sequential module(torch::nn::Linear(2, 2));
  torch::optim::Adam adam(module->parameters(), 1e-3);
  const std::string file = dir + "/optimizer.pt";
  torch::save(adam, file);
  torch::optim::Adam other(module->parameters(), 1e-3);
  ASSERT_NO_THROW(LoadOptimizerFile(other, file, torch::kCPU));
  // BINUNICODE 'X', 4-byte little-endian length 8, "params/0".
  const std::string string_op = std::string("X\x08\x00\x00\x00", 5) + "params/0";
  const std::string huge = std::string("X\xff\xff\xff\x7f", 5) + "params/0";
  WriteBytes(file, ReplaceAll(ReadBytes(file), string_op, huge));
  const std::string what =
      ExpectLoadError([&] { LoadOptimizerFile(other, file, torch::kCPU); }, file);
  EXPECT_NE(what.find("entry 'data.pkl' holds a string of 2147483647 bytes"), std::string::npos)
      << what;
}

// Found by tests/fuzz/checkpoint_fuzz: Adam's load took stored moments of any shape (the
// fuzzer changed one dimension of exp_avg); FusedAdam's single-pass step would then read and
// write past them. An optimizer file that does not fit the parameters is a FatalError.
TEST(Checkpoint, OptimizerStateOfOtherShapesIsRejected) {
  const std::string path = testing::ScratchDir("ckpt_adam") + "/optimizer.pt";
  torch::nn::Linear saved(2, 2);
  torch::optim::Adam adam(saved->parameters(), 1e-3);
  saved->forward(torch::ones({1, 2})).sum().backward();
  adam.step();
  torch::save(adam, path);
  torch::nn::Linear other(3, 2);  // Same number of parameters, other weight shape.
  torch::optim::Adam target(other->parameters(), 1e-3);
  try {
    LoadOptimizerFile(target, path, torch::kCPU);
    FAIL() << "no error";
  } catch (const FatalError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(path), std::string::npos) << what;
    EXPECT_NE(what.find("Adam moment"), std::string::npos) << what;
  }
}

// Found with tests/fuzz/model_info_fuzz (UBSan, ASan): out-of-range numbers were cast to
// int/int64 (undefined behaviour), "nan"/"inf" were taken as numbers, and deep nesting
// overflowed the stack. Each must be a one-line FatalError naming the file.
TEST(ModelInfo, MalformedNumbersAndNestingAreClearErrors) {
  const std::string good = Info().ToJson();
  auto with = [&](const std::string& from, const std::string& to) {
    std::string text = good;
    const size_t at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return at == std::string::npos ? text : text.replace(at, from.size(), to);
  };
  const std::vector<std::string> bad = {
      with("\"format_version\": 1", "\"format_version\": 1e300"),
      with("\"input_size\": 64", "\"input_size\": -1e30"),
      with("\"iteration\": 0", "\"iteration\": 1e30"),
      with("\"iteration\": 0", "\"iteration\": 2.5"),
      with("\"coverage\": 0.625", "\"coverage\": nan"),
      with("\"coverage\": 0.625", "\"coverage\": 1e999"),
      with("\"coverage\": 0.625", "\"coverage\": 0x1p3"),
      std::string(100000, '['),
  };
  for (const std::string& text : bad) {
    try {
      ModelInfo::FromJson(text, "dir/model.json");
      ADD_FAILURE() << "no error for " << text.substr(0, 200);
    } catch (const FatalError& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find("dir/model.json"), std::string::npos) << what;
      EXPECT_EQ(what.find('\n'), std::string::npos) << what;
    }
  }
  EXPECT_EQ(ModelInfo::FromJson(with("\"iteration\": 0", "\"iteration\": 1e3"), "x").iteration,
            1000);
}

}  // namespace
}  // namespace faceswap
