// Training throughput of `original` at batch 16 on this machine, all figures from one run:
//   (a) reference loop written the way the Python tools train: fp32, one Adam per identity
//       over encoder + that decoder, one step per identity per iteration, augmentation on the
//       fly in the training thread;
//   (b) our Trainer end to end (joint step: both identities through the encoder at once, one
//       Adam; batches from background threads), fp32 and bf16 autocast where the CPU has bf16;
//   (c) our step on fixed tensors (no data pipeline) -> the pipeline's cost;
//   (d) matmul peaks fp32 / bf16, and `lite` vs `original` (ours) for the lite design.
// Quality: held-out SSIM of identity A (faces never trained on) after the same number of
// images for (a) and (b).
//
// Usage: train_bench [A.faces B.faces [HELDOUT_A.faces]] [--iterations N] [--batch N]
//   *.faces are packed face sets (`faceswap pack-faces`). Without them, structured synthetic
//   faces are used (throughput only; quality figures then mean little).
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "models/augment.h"
#include "models/autoencoder.h"
#include "models/face_set.h"
#include "models/losses.h"
#include "models/torch_threads.h"
#include "models/trainer.h"

namespace faceswap {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

FaceSet Synthetic(const std::string& name, int count, uint64_t seed) {
  torch::manual_seed(seed);
  const int side = 128;
  auto y = torch::linspace(0, 1, side).view({side, 1, 1});
  auto x = torch::linspace(0, 1, side).view({1, side, 1});
  std::vector<torch::Tensor> images;
  for (int i = 0; i < count; ++i) {
    auto img = 0.3 * x * torch::rand({1, 1, 3}) + 0.3 * y * torch::rand({1, 1, 3}) + 0.2;
    for (int b = 0; b < 6; ++b) {
      auto p = torch::rand({2});
      auto d = (x - p[0]).pow(2) + (y - p[1]).pow(2);
      img = img + 0.4 * torch::exp(-d / 0.01) * torch::rand({1, 1, 3});
    }
    images.push_back(img.clamp(0, 1));
  }
  auto all = (torch::stack(images) * 255).round().to(torch::kUInt8).contiguous();
  FaceSet set{name, count, side, side, {}};
  set.pixels.assign(all.data_ptr<uint8_t>(), all.data_ptr<uint8_t>() + all.numel());
  return set;
}

double MatmulGflops(torch::ScalarType type) {
  auto a = torch::rand({2048, 2048}).to(type), b = torch::rand({2048, 2048}).to(type);
  torch::mm(a, b);
  const int reps = 6;
  const auto start = Clock::now();
  for (int i = 0; i < reps; ++i) torch::mm(a, b);
  return reps * 2.0 * 2048 * 2048 * 2048 / Seconds(start) / 1e9;
}

double HeldOutSsim(Autoencoder& model, const Augmenter& held_out, int identity) {
  torch::NoGradGuard no_grad;
  model->eval();
  auto target = held_out.Fixed(torch::arange(held_out.count(), torch::kLong)).target;
  auto out = model->Decode(identity, model->encoder->forward(target)).narrow(1, 0, 3);
  model->train();
  return Ssim(out, target).item<double>();
}

// One configuration under test; Step() runs one training iteration (both identities).
class Runner {
 public:
  virtual ~Runner() = default;
  virtual void Step() = 0;
  virtual double HeldOutSsim(const FaceSet& held_out) = 0;
  double seconds = 0;
  int steps = 0;
};

// (a) The Python tools' loop.
class ReferenceLoop : public Runner {
 public:
  ReferenceLoop(const std::vector<FaceSet>& sets, int batch) : batch_(batch) {
    torch::manual_seed(1);
    model_ = CreateAutoencoder({"original", 2, false});
    aug_.output_size = 64;
    for (int i = 0; i < 2; ++i) {
      augmenters_.push_back(std::make_unique<Augmenter>(sets[i], aug_));
      auto params = model_->encoder->parameters();
      auto dec = model_->decoders[i]->parameters();
      params.insert(params.end(), dec.begin(), dec.end());
      optimizers_.push_back(std::make_unique<torch::optim::Adam>(
          params, torch::optim::AdamOptions(5e-5).betas(std::make_tuple(0.5, 0.999))));
    }
  }
  void Step() override {
    for (int i = 0; i < 2; ++i) {
      TrainingBatch b = augmenters_[i]->Random(batch_, gen_);  // On the fly, in this thread.
      optimizers_[i]->zero_grad();
      auto out = model_->Decode(i, model_->encoder->forward(b.input));
      ReconstructionLoss(out, b.target, b.regions, loss_).backward();
      optimizers_[i]->step();
    }
  }
  double HeldOutSsim(const FaceSet& held_out) override {
    return faceswap::HeldOutSsim(model_, Augmenter(held_out, aug_), 0);
  }

 private:
  int batch_;
  Autoencoder model_{nullptr};
  AugmentOptions aug_;
  LossOptions loss_;
  std::vector<std::unique_ptr<Augmenter>> augmenters_;
  std::vector<std::unique_ptr<torch::optim::Adam>> optimizers_;
  at::Generator gen_ = MakeCpuGenerator(2);
};

// (b)/(c) Our trainer.
class OursRunner : public Runner {
 public:
  OursRunner(const std::vector<FaceSet>& sets, const std::string& arch,
             const std::string& precision, bool fixed, int batch, int index) {
    TrainOptions o;
    o.architecture = arch;
    o.batch_size = batch;
    o.device = "cpu";
    o.precision = precision;
    o.seed = 1;
    dir_ = (std::filesystem::temp_directory_path() /
            ("faceswap_train_bench_" + std::to_string(::getpid()) + "_" + std::to_string(index)))
               .string();
    std::filesystem::remove_all(dir_);
    trainer_ = std::make_unique<Trainer>(dir_, o, sets);
    if (fixed) trainer_->UseFixedBatchesForBenchmark();
  }
  ~OursRunner() override { std::filesystem::remove_all(dir_); }
  void Step() override { trainer_->Step(); }
  double HeldOutSsim(const FaceSet& held_out) override {
    return trainer_->EvaluateSsim(held_out, 0);
  }
  double wait() const { return trainer_->feeder_wait_seconds(); }

 private:
  std::string dir_;
  std::unique_ptr<Trainer> trainer_;
};

}  // namespace
}  // namespace faceswap

int main(int argc, char** argv) {
  using namespace faceswap;
  std::vector<std::string> files;
  int iterations = 12, batch = 16, warmup = 2;
  bool augment_only = false;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--iterations") && i + 1 < argc) {
      iterations = std::atoi(argv[++i]);
    } else if (!std::strcmp(argv[i], "--augment-only")) {
      augment_only = true;
    } else if (!std::strcmp(argv[i], "--batch") && i + 1 < argc) {
      batch = std::atoi(argv[++i]);
    } else {
      files.push_back(argv[i]);
    }
  }
  const int threads = ConfigureTorchThreads(0);
  std::vector<FaceSet> sets;
  FaceSet held_out;
  if (files.size() >= 2) {
    sets = {LoadFaceSet(files[0], "A"), LoadFaceSet(files[1], "B")};
    held_out = files.size() >= 3 ? LoadFaceSet(files[2], "A") : sets[0];
  } else {
    sets = {Synthetic("A", 64, 1), Synthetic("B", 64, 2)};
    held_out = Synthetic("A", 32, 3);
    std::printf("no packed face sets given: synthetic faces (quality figures not meaningful)\n");
  }
  std::string features;
  bool amx = false;
  const bool bf16 = CpuHasBf16(&features, &amx);
  std::printf("threads %d; CPU bf16: %s; batch %d per identity, %d timed iterations (+%d warm-up)\n",
              threads, features.c_str(), batch, iterations, warmup);
  std::printf("faces: A %d, B %d, held-out A %d\n", sets[0].count, sets[1].count, held_out.count);

  {
    // (e) Cost of preparing one batch (what the background threads do), this thread.
    AugmentOptions aug;
    Augmenter augmenter(sets[0], aug);
    auto gen = MakeCpuGenerator(5);
    torch::NoGradGuard no_grad;
    augmenter.Random(batch, gen);
    const auto start = Clock::now();
    for (int i = 0; i < 20; ++i) augmenter.Random(batch, gen);
    std::printf("(e) one augmented batch of %d: %.1f ms (%d torch threads)\n", batch,
                Seconds(start) / 20 * 1000, threads);
  }
  if (augment_only) return 0;
  const double mm32 = MatmulGflops(torch::kFloat32);
  const double mm16 = bf16 ? MatmulGflops(torch::kBFloat16) : 0;
  std::printf("matmul 2048^2: fp32 %.0f GFLOP/s, bf16 %s\n", mm32,
              bf16 ? (std::to_string(static_cast<int>(mm16)) + " GFLOP/s").c_str() : "n/a");

  // All configurations live at once and run in turns of `chunk` iterations, so load from
  // other processes on this shared machine hits them alike; ratios are per-runner time sums.
  std::vector<std::pair<std::string, std::unique_ptr<Runner>>> runners;
  runners.emplace_back("(a) reference: 2 Adams, step per identity, fp32, on-the-fly aug",
                       std::make_unique<ReferenceLoop>(sets, batch));
  runners.emplace_back("(b) ours fp32, end to end",
                       std::make_unique<OursRunner>(sets, "original", "fp32", false, batch, 1));
  runners.emplace_back("(c) ours fp32, fixed tensors",
                       std::make_unique<OursRunner>(sets, "original", "fp32", true, batch, 2));
  if (bf16) {
    runners.emplace_back("(b') ours bf16 autocast, end to end",
                         std::make_unique<OursRunner>(sets, "original", "bf16", false, batch, 3));
  }
  runners.emplace_back("(d) ours lite fp32, end to end",
                       std::make_unique<OursRunner>(sets, "lite", "fp32", false, batch, 4));
  for (auto& [name, r] : runners) {
    for (int i = 0; i < warmup; ++i) r->Step();
  }
  auto* ours = static_cast<OursRunner*>(runners[1].second.get());
  const double wait0 = ours->wait();
  const int chunk = 2;
  for (int done = 0; done < iterations; done += chunk) {
    for (auto& [name, r] : runners) {
      const auto start = Clock::now();
      for (int i = 0; i < chunk; ++i) r->Step();
      r->seconds += Seconds(start);
      r->steps += chunk;
    }
  }
  auto rate = [](const Runner& r) { return r.steps / r.seconds; };
  const double ref = rate(*runners[0].second), ours_fp32 = rate(*runners[1].second);
  for (auto& [name, r] : runners) {
    const double ssim = name[1] == 'c' ? -1 : r->HeldOutSsim(held_out);
    std::printf("%-66s %.3f it/s %6.1f img/s  %.2fx ref", name.c_str(), rate(*r),
                rate(*r) * 2 * batch, rate(*r) / ref);
    if (ssim >= 0) std::printf("  held-out SSIM %.4f", ssim);
    std::printf("\n");
  }
  std::printf("data pipeline cost (b vs c): %.1f%%; ours waited on the feeder %.1f%% of its time\n",
              100 * (1 - ours_fp32 / rate(*runners[2].second)),
              100 * (ours->wait() - wait0) / runners[1].second->seconds);
  if (bf16) {
    std::printf("bf16 autocast vs fp32 (ours): %.2fx\n", rate(*runners[3].second) / ours_fp32);
  }
  std::printf("lite vs original (ours fp32): %.2fx iterations/s\n",
              rate(*runners.back().second) / ours_fp32);
  return 0;
}
