// Training throughput of `original` at batch 16 on this machine, all figures from one run:
//   (a) reference loop written the way the Python tools train: fp32, one Adam per identity
//       over encoder + that decoder, one step per identity per iteration, augmentation on the
//       fly in the training thread;
//   (b) our Trainer end to end (joint step: both identities through the encoder at once, one
//       Adam; batches from background threads), fp32, and (b') bf16 where the CPU has bf16
//       dot products (what `--precision auto` picks there);
//   (c) our step on fixed tensors (no data pipeline) -> the pipeline's cost;
//   (d) matmul peaks fp32 / bf16, and `lite` vs `original` (ours) for the lite design.
// Quality: held-out SSIM of identity A (faces never trained on) after the same number of
// images; with --quality-iterations N the reference and our default (auto precision) trainer
// then go on to N iterations each (same images: 2 x batch per iteration) and are compared.
//
// Usage: train_bench [A.faces B.faces [HELDOUT_A.faces]] [--iterations N] [--batch N]
//                    [--quality-iterations N]
//   *.faces are packed face sets (`faceswap pack-faces`; tools/bench/train_faces.sh makes the
//   sample pair's). Without them, structured synthetic faces are used (throughput only;
//   quality figures then mean little).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "models/augment.h"
#include "models/autoencoder.h"
#include "models/conv.h"
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

// Mean per-face SSIM, as Trainer::EvaluateSsim computes it.
double HeldOutSsim(Autoencoder& model, const Augmenter& held_out, int identity) {
  torch::NoGradGuard no_grad;
  model->eval();
  double sum = 0;
  for (int start = 0; start < held_out.count(); start += 64) {
    auto indices = torch::arange(start, std::min(held_out.count(), start + 64), torch::kLong);
    auto target = held_out.Fixed(indices).target;
    auto out = model->Decode(identity, model->encoder->forward(target)).narrow(1, 0, 3);
    sum += SsimPerImage(out, target).sum().item<double>();
  }
  model->train();
  return sum / held_out.count();
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
    PlainConvolutionGuard plain;  // LibTorch's own convolution backward, as Python has it.
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
  int iterations = 12, batch = 16, warmup = 2, quality_iterations = 0;
  bool augment_only = false;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--iterations") && i + 1 < argc) {
      iterations = std::atoi(argv[++i]);
    } else if (!std::strcmp(argv[i], "--augment-only")) {
      augment_only = true;
    } else if (!std::strcmp(argv[i], "--quality-iterations") && i + 1 < argc) {
      quality_iterations = std::atoi(argv[++i]);
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
    runners.emplace_back("(b') ours bf16 (bf16 twin, fp32 master weights), end to end",
                         std::make_unique<OursRunner>(sets, "original", "bf16", false, batch, 3));
  }
  runners.emplace_back("(d) ours lite fp32, end to end",
                       std::make_unique<OursRunner>(sets, "lite", "fp32", false, batch, 4));
  if (bf16) {
    runners.emplace_back("(d') ours lite bf16, end to end",
                         std::make_unique<OursRunner>(sets, "lite", "bf16", false, batch, 5));
  }
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
    std::printf("bf16 vs fp32 (ours): %.2fx\n", rate(*runners[3].second) / ours_fp32);
  }
  const Runner& lite = *runners[bf16 ? 4 : 3].second;
  std::printf("lite vs original (ours fp32): %.2fx iterations/s\n", rate(lite) / ours_fp32);
  if (bf16) {
    std::printf("lite bf16 vs lite fp32: %.2fx\n", rate(*runners.back().second) / rate(lite));
  }
  if (quality_iterations > 0) {
    // Same number of images for the reference and our default trainer (bf16 where the CPU
    // has it, else fp32), counted from the start (warm-up included).
    Runner& reference = *runners[0].second;
    Runner& ours_default = *runners[bf16 ? 3 : 1].second;
    // Both did warmup + `iterations` steps so far; time the rest.
    double phase[2] = {0, 0};
    const int from = warmup + reference.steps;
    for (int k = 0; k < 2; ++k) {
      Runner* r = k == 0 ? &reference : &ours_default;
      const auto start = Clock::now();
      for (int i = from; i < quality_iterations; ++i) r->Step();
      phase[k] = Seconds(start);
    }
    const double ssim_ref = reference.HeldOutSsim(held_out);
    const double ssim_ours = ours_default.HeldOutSsim(held_out);
    std::printf("after %d iterations (%d images) each: held-out SSIM reference %.4f, ours (%s) "
                "%.4f, difference %+.4f; iterations %d-%d took %.0f s vs %.0f s (%.2fx)\n",
                quality_iterations, quality_iterations * 2 * batch, ssim_ref,
                bf16 ? "bf16" : "fp32", ssim_ours, ssim_ours - ssim_ref, from,
                quality_iterations, phase[0], phase[1], phase[0] / phase[1]);
  }
  return 0;
}
