#include "models/trainer.h"

#include <cmath>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include <ATen/autocast_mode.h>
#include <torch/cuda.h>
#include <torch/torch.h>
#include <torch/version.h>

#include "base/check.h"
#include "models/augment.h"
#include "models/autoencoder.h"
#include "models/batch_feeder.h"
#include "models/checkpoint.h"
#include "models/device.h"
#include "models/fused_adam.h"
#include "models/losses.h"

namespace faceswap {
namespace {

// Autocast on/off for one device type, valid for LibTorch 1.13 and 2.x.
void SetAutocast(const torch::Device& device, bool enabled) {
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
  const auto type = device.is_cuda() ? at::kCUDA : at::kCPU;
  at::autocast::set_autocast_dtype(type, at::kBFloat16);
  at::autocast::set_autocast_enabled(type, enabled);
#else
  if (device.is_cuda()) {
    at::autocast::set_autocast_gpu_dtype(at::kBFloat16);
    at::autocast::set_enabled(enabled);
  } else {
    at::autocast::set_autocast_cpu_dtype(at::kBFloat16);
    at::autocast::set_cpu_enabled(enabled);
  }
#endif
  if (!enabled) at::autocast::clear_cache();
}

class AutocastScope {
 public:
  AutocastScope(const torch::Device& device, bool enabled) : device_(device), enabled_(enabled) {
    if (enabled_) SetAutocast(device_, true);
  }
  ~AutocastScope() {
    if (enabled_) SetAutocast(device_, false);
  }

 private:
  torch::Device device_;
  bool enabled_;
};

std::string HistoryCsv(const std::vector<std::vector<double>>& history) {
  std::ostringstream os;
  os.precision(7);
  for (const auto& row : history) {
    for (size_t i = 0; i < row.size(); ++i) os << (i ? "," : "") << row[i];
    os << '\n';
  }
  return os.str();
}

std::vector<std::vector<double>> ParseHistory(const std::string& text) {
  std::vector<std::vector<double>> rows;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::vector<double> row;
    std::istringstream cells(line);
    std::string cell;
    while (std::getline(cells, cell, ',')) row.push_back(std::atof(cell.c_str()));
    if (!row.empty()) rows.push_back(row);
  }
  return rows;
}

// A CPU training step frees and reallocates the same few hundred MB of activations and
// gradients every iteration. glibc returns big blocks to the kernel (mmap/munmap, heap trim),
// so each step page-faults them back in: measured 0.55-0.65 s of system time per `original`
// step at batch 16 on 2 cores. Keeping blocks up to 32 MB (the maximum) in the heap and not
// trimming it cuts that to ~0.1 s. Process-wide, set once.
void KeepFreedMemoryForReuse() {
#if defined(__GLIBC__)
  static const bool done = [] {
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
    return true;
  }();
  (void)done;
#endif
}

// Checks the options and the face sets; returns the identity names in order.
std::vector<std::string> CheckedIdentityNames(const TrainOptions& o,
                                              const std::vector<FaceSet>& identities) {
  if (auto e = o.Check(); !e.empty()) throw FatalError(e);
  if (identities.size() < 2) {
    throw FatalError("training needs at least 2 identities, got " +
                     std::to_string(identities.size()));
  }
  std::vector<std::string> names;
  for (const auto& set : identities) {
    if (auto e = set.Check(); !e.empty()) throw FatalError(e);
    names.push_back(set.name);
  }
  return names;
}

// Gives augmenters[i] its colour and landmark pools, from the other identities.
void SetOtherIdentityPools(const std::vector<std::shared_ptr<Augmenter>>& augmenters, size_t i) {
  // Colour transfer draws from the other identities' faces.
  std::vector<torch::Tensor> others;
  for (size_t j = 0; j < augmenters.size(); ++j) {
    if (j != i) others.push_back(augmenters[j]->color_stats());
  }
  augmenters[i]->SetColorPool(torch::cat(others));
  std::vector<torch::Tensor> shapes;  // Warp-to-landmarks draws from the others' landmarks.
  for (size_t j = 0; j < augmenters.size(); ++j) {
    if (j != i && augmenters[j]->landmarks().defined()) {
      shapes.push_back(augmenters[j]->landmarks());
    }
  }
  if (!shapes.empty()) augmenters[i]->SetLandmarkPool(torch::cat(shapes));
}

}  // namespace

bool CpuHasBf16(std::string* features, bool* has_amx) {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  bool amx = false, avx512 = false;
  while (std::getline(in, line)) {
    if (line.rfind("flags", 0) != 0) continue;
    std::istringstream words(line);
    std::string w;
    while (words >> w) {
      amx |= w == "amx_bf16";
      avx512 |= w == "avx512_bf16";
    }
    break;
  }
  if (features) {
    *features = amx && avx512 ? "amx_bf16 avx512_bf16"
                : amx         ? "amx_bf16"
                : avx512      ? "avx512_bf16"
                              : "no bf16 instructions";
  }
  if (has_amx) *has_amx = amx;
  return amx || avx512;
}

struct Trainer::Impl {
  std::string dir;
  TrainOptions options;
  ModelInfo info;
  bool resumed = false;
  torch::Device device{torch::kCPU};
  bool bf16 = false;
  std::string precision_reason;
  Autoencoder model{nullptr};    // fp32 weights: what is saved, previewed and evaluated.
  // What the training step runs: `model` itself, or on a bf16 CPU run its bf16 twin, whose
  // gradients the optimiser applies to `model` and which it then rewrites (fused_adam.h).
  Autoencoder compute{nullptr};
  std::unique_ptr<FusedAdam> optimizer;
  std::vector<std::shared_ptr<const Augmenter>> augmenters;
  std::vector<std::unique_ptr<BatchFeeder>> feeders;
  std::vector<std::vector<double>> history;
  int rollbacks_in_a_row = 0;
  bool fixed_batches = false;
  std::vector<TrainingBatch> last_batches;

  // Resumes the model in `dir` (which must match) or describes a new one; sets the sizes.
  void ResolveModelInfo(const std::vector<std::string>& names) {
    TrainOptions& o = options;
    if (HasModel(dir)) {
      info = ReadModelInfo(dir);
      resumed = true;
      if (info.architecture != o.architecture) {
        throw FatalError("model in '" + dir + "' is a '" + info.architecture +
                         "' model but --model " + o.architecture + " was given");
      }
      if (info.identities != names) {
        throw FatalError("model in '" + dir + "' was trained on identities " +
                         Join(info.identities) +
                         " (in this order); give the same identities to resume");
      }
      o.mask_output = info.mask_output;
      o.augment.coverage = info.coverage;
    } else {
      info.architecture = o.architecture;
      info.mask_output = o.mask_output;
      info.coverage = o.augment.coverage;
      info.identities = names;
    }
    const ArchitectureSpec spec = GetArchitecture(o.architecture);
    info.input_size = spec.input_size;
    o.augment.output_size = spec.input_size;
  }

  // The device from --device, then bf16 or fp32 from --precision and what the device has.
  void ChooseDeviceAndPrecision() {
    const TrainOptions& o = options;
    device = PickDevice(o.device);
    std::string features;
    bool amx = false;
    const bool cpu_bf16 = CpuHasBf16(&features, &amx);
    if (o.precision == "bf16") {
      bf16 = true;
      precision_reason = "requested";
      if (device.is_cpu() && !cpu_bf16) {
        throw FatalError("--precision bf16: this CPU has no bf16 instructions (" + features +
                         "); use fp32");
      }
    } else if (o.precision == "auto" && device.is_cpu()) {
      // bf16 pays wherever the CPU has bf16 dot products: on AVX512-BF16 without AMX the
      // `original` step runs 1.9-2.0x faster than fp32 and `lite` 1.6-1.7x, at the same held-out
      // SSIM (train_bench); shared/STACK.md measured larger bf16 gains with AMX. CPUs without
      // either get fp32 (not measured here: oneDNN has no native bf16 kernels for them).
      bf16 = cpu_bf16;
      precision_reason = "CPU: " + features + (cpu_bf16 ? " -> bf16 weights, fp32 master copy"
                                                        : " -> fp32");
    } else {
      precision_reason = o.precision == "fp32" ? "requested" : "GPU default";
    }
    info.precision = bf16 ? "bf16" : "fp32";
  }

  // The fp32 model and its optimiser: loaded from the last checkpoint, or saved as iteration 0.
  void CreateOrLoadModel(int identity_count) {
    const TrainOptions& o = options;
    model = CreateAutoencoder({o.architecture, identity_count, o.mask_output});
    model->to(device);
    if (device.is_cpu()) KeepFreedMemoryForReuse();
    optimizer = std::make_unique<FusedAdam>(
        model->parameters(),
        torch::optim::AdamOptions(o.learning_rate).betas(std::make_tuple(o.beta1, o.beta2)));
    if (resumed) {
      // The learning rate given now applies from now on (Step() sets it each step).
      history = ParseHistory(LoadCheckpoint(dir, info, model, optimizer.get(), device));
    } else {
      SaveCheckpoint(dir, info, model, optimizer.get(), "", {o.keep});
    }
  }

  // What the training step runs: `model`, or its bf16 twin on a bf16 CPU run.
  void CreateCompute(int identity_count) {
    const TrainOptions& o = options;
    compute = model;
    if (bf16 && device.is_cpu()) {
      // CPU autocast would cast every weight to bf16 and every gradient back, each step.
      compute = CreateAutoencoder({o.architecture, identity_count, o.mask_output});
      compute->to(torch::kBFloat16);
      optimizer->SetBf16Copies(compute->parameters());
    }
  }

  // One augmenter and one background batch feeder per identity.
  void StartFeeders(const std::vector<FaceSet>& identities, uint64_t seed) {
    const TrainOptions& o = options;
    std::vector<std::shared_ptr<Augmenter>> made;
    for (const auto& set : identities) {
      made.push_back(std::make_shared<Augmenter>(set, o.augment));
    }
    for (size_t i = 0; i < made.size(); ++i) {
      SetOtherIdentityPools(made, i);
      augmenters.push_back(made[i]);
      // Distinct stream per identity and per resumed iteration count.
      feeders.push_back(std::make_unique<BatchFeeder>(
          augmenters.back(), o.batch_size, seed * 1000003 + i * 7919 + info.iteration,
          o.queue_depth));
    }
  }

  // One batch per identity, on the device (in the benchmark's fixed mode, the last ones again).
  std::vector<TrainingBatch> NextBatches() {
    if (fixed_batches && !last_batches.empty()) return last_batches;
    std::vector<TrainingBatch> batches;
    for (auto& feeder : feeders) {
      batches.push_back(feeder->Next());
      auto& b = batches.back();
      if (!device.is_cpu()) {
        b.input = b.input.to(device, /*non_blocking=*/true);
        b.target = b.target.to(device, true);
        b.regions = b.regions.to(device, true);
      }
    }
    if (fixed_batches) last_batches = batches;
    return batches;
  }

  void Rollback(StepResult& result, const std::string& why) {
    if (++rollbacks_in_a_row > 3) {
      throw FatalError("training diverges (" + why + ") again after " +
                       std::to_string(rollbacks_in_a_row - 1) +
                       " rollbacks: lower --lr or use --precision fp32");
    }
    const std::string precision = info.precision;
    info = ReadModelInfo(dir);
    info.precision = precision;
    const std::string text = LoadCheckpoint(dir, info, model, optimizer.get(), device);
    optimizer->SyncBf16Copies();
    history = ParseHistory(text);
    result.rolled_back = true;
    result.iteration = info.iteration;
    result.message = why + "; rolled back to the last good checkpoint (iteration " +
                     std::to_string(info.iteration) + ")";
  }
};

Trainer::Trainer(const std::string& model_dir, const TrainOptions& options_in,
                 const std::vector<FaceSet>& identities)
    : impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  m.dir = model_dir;
  m.options = options_in;
  const std::vector<std::string> names = CheckedIdentityNames(m.options, identities);
  m.ResolveModelInfo(names);

  uint64_t seed = m.options.seed >= 0 ? static_cast<uint64_t>(m.options.seed)
                                      : std::random_device{}();
  torch::manual_seed(seed);

  m.ChooseDeviceAndPrecision();
  const int identity_count = static_cast<int>(identities.size());
  m.CreateOrLoadModel(identity_count);
  m.CreateCompute(identity_count);
  m.StartFeeders(identities, seed);
}

double LearningRateScale(int64_t iteration, int64_t warmup) {
  if (warmup <= 0 || iteration >= warmup) return 1.0;
  return static_cast<double>(iteration + 1) / static_cast<double>(warmup);
}

Trainer::~Trainer() = default;

StepResult Trainer::Step() {
  Impl& m = *impl_;
  const int n = static_cast<int>(m.feeders.size());
  const std::vector<TrainingBatch> batches = m.NextBatches();
  std::vector<torch::Tensor> inputs;
  for (const auto& b : batches) inputs.push_back(b.input);
  const bool twin = m.compute.get() != m.model.get();
  m.compute->train();
  std::vector<torch::Tensor> outputs;
  {
    // Joint step: all identities' faces through the shared encoder in one batch.
    AutocastScope autocast(m.device, m.bf16 && !twin);
    auto input = torch::cat(inputs, 0);
    auto latent = m.compute->encoder->forward(twin ? input.to(torch::kBFloat16) : input);
    auto parts = latent.chunk(n, 0);
    for (int i = 0; i < n; ++i) outputs.push_back(m.compute->Decode(i, parts[i]));
  }
  torch::Tensor total;
  std::vector<torch::Tensor> losses;
  for (int i = 0; i < n; ++i) {
    auto out = outputs[i].to(torch::kFloat32);
    auto loss = ReconstructionLoss(out.narrow(1, 0, 3), batches[i].target, batches[i].regions,
                                   m.options.loss);
    if (m.options.mask_output) {
      loss = loss + m.options.loss.mask_weight *
                        (out.narrow(1, 3, 1) - batches[i].regions.narrow(1, 0, 1)).abs().mean();
    }
    losses.push_back(loss);
    total = total.defined() ? total + loss : loss;
  }
  StepResult result;
  auto values = torch::stack(losses).detach().to(torch::kCPU, torch::kFloat64);
  for (int i = 0; i < n; ++i) result.loss.push_back(values[i].item<double>());
  for (double l : result.loss) {
    if (!std::isfinite(l)) {
      m.Rollback(result, "loss is NaN/Inf at iteration " + std::to_string(m.info.iteration + 1));
      return result;
    }
  }
  // Zeros, not none: freeing and reallocating ~330 MB of gradients each step costs more in page
  // faults (measured: the whole process ~25 % slower) than backward's accumulate pass.
  m.compute->zero_grad(/*set_to_none=*/false);
  total.backward();
  const double lr =
      m.options.learning_rate * LearningRateScale(m.info.iteration, m.options.lr_warmup);
  for (auto& group : m.optimizer->param_groups()) {
    static_cast<torch::optim::AdamOptions&>(group.options()).lr(lr);
  }
  m.optimizer->step();
  m.rollbacks_in_a_row = 0;
  ++m.info.iteration;
  m.info.loss = result.loss;
  std::vector<double> row{static_cast<double>(m.info.iteration)};
  row.insert(row.end(), result.loss.begin(), result.loss.end());
  m.history.push_back(std::move(row));
  result.iteration = m.info.iteration;
  return result;
}

bool Trainer::Save() {
  Impl& m = *impl_;
  try {
    SaveCheckpoint(m.dir, m.info, m.model, m.optimizer.get(), HistoryCsv(m.history), {m.options.keep});
    return true;
  } catch (const NonFiniteError& e) {
    StepResult ignored;
    m.Rollback(ignored, e.what());
    return false;
  }
}

int64_t Trainer::iteration() const { return impl_->info.iteration; }
bool Trainer::resumed() const { return impl_->resumed; }
const ModelInfo& Trainer::info() const { return impl_->info; }
std::string Trainer::device() const { return impl_->device.str(); }
std::string Trainer::precision() const { return impl_->bf16 ? "bf16" : "fp32"; }
std::string Trainer::precision_reason() const { return impl_->precision_reason; }
const std::vector<std::vector<double>>& Trainer::history() const { return impl_->history; }

double Trainer::feeder_wait_seconds() const {
  double total = 0;
  for (const auto& f : impl_->feeders) total += f->wait_seconds();
  return total;
}

Image Trainer::Preview(int columns) {
  Impl& m = *impl_;
  torch::NoGradGuard no_grad;
  m.model->eval();
  const int n = static_cast<int>(m.augmenters.size());
  const int side = m.info.input_size;
  std::vector<torch::Tensor> rows;
  for (int i = 0; i < n; ++i) {
    const int count = m.augmenters[i]->count();
    auto indices = torch::linspace(0, count - 1, columns).round().to(torch::kLong);
    auto faces = m.augmenters[i]->Fixed(indices).target.to(m.device);
    auto latent = m.model->encoder->forward(faces);
    rows.push_back(faces);
    rows.push_back(m.model->Decode(i, latent).narrow(1, 0, 3));
    for (int j = 0; j < n; ++j) {
      if (j != i) rows.push_back(m.model->Decode(j, latent).narrow(1, 0, 3));
    }
  }
  // rows: R x (columns x 3 x S x S) -> (R*S) x (columns*S) x 3
  auto grid = torch::stack(rows).to(torch::kCPU, torch::kFloat32);  // R, C, 3, S, S
  const int64_t r = grid.size(0);
  grid = grid.permute({0, 3, 1, 4, 2}).reshape({r * side, columns * side, 3});
  grid = grid.mul(255).round().clamp(0, 255).to(torch::kUInt8).contiguous();
  Image image;
  image.height = static_cast<int>(grid.size(0));
  image.width = static_cast<int>(grid.size(1));
  image.pixels.assign(grid.data_ptr<uint8_t>(), grid.data_ptr<uint8_t>() + grid.numel());
  m.model->train();
  return image;
}

double Trainer::EvaluateSsim(const FaceSet& faces, int identity) {
  Impl& m = *impl_;
  torch::NoGradGuard no_grad;
  m.model->eval();
  Augmenter augmenter(faces, m.options.augment);
  double sum = 0;
  const int count = augmenter.count();
  for (int start = 0; start < count; start += 64) {
    auto indices = torch::arange(start, std::min(count, start + 64), torch::kLong);
    auto target = augmenter.Fixed(indices).target.to(m.device);
    auto out = m.model->Decode(identity, m.model->encoder->forward(target)).narrow(1, 0, 3);
    sum += SsimPerImage(out, target).sum().item<double>();
  }
  m.model->train();
  return sum / count;
}

void Trainer::UseFixedBatchesForBenchmark() { impl_->fixed_batches = true; }

void Trainer::PoisonWeightsForTest() {
  torch::NoGradGuard no_grad;
  impl_->model->encoder->parameters().front().view(-1)[0] = std::nan("");
  impl_->optimizer->SyncBf16Copies();
}

}  // namespace faceswap
