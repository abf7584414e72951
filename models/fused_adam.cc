#include "models/fused_adam.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <sstream>
#include <type_traits>

#include <ATen/Parallel.h>

#include "base/check.h"

namespace faceswap {
namespace {

// Optimizer state is keyed by a string in LibTorch 1.13 and by the TensorImpl pointer in 2.x.
template <typename Map>
typename Map::key_type StateKey(const Map&, const at::Tensor& p) {
  using Key = typename Map::key_type;
  if constexpr (std::is_same_v<Key, std::string>) {
    std::ostringstream os;  // What c10::guts::to_string(impl) produces.
    os << p.unsafeGetTensorImpl();
    return os.str();
  } else {
    return static_cast<Key>(p.unsafeGetTensorImpl());
  }
}

bool Fusable(const at::Tensor& t, at::ScalarType type) {
  return t.device().is_cpu() && t.scalar_type() == type && t.is_contiguous();
}

struct AdamConstants {
  float beta1, beta2, step_size, inv_sqrt_bias2, eps;
};

inline float Bf16ToFloat(uint16_t b) {
  const uint32_t bits = static_cast<uint32_t>(b) << 16;
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

// Round to nearest even, as c10::BFloat16 does for finite values.
inline uint16_t FloatToBf16(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, sizeof bits);
  bits += 0x7FFFu + ((bits >> 16) & 1u);
  return static_cast<uint16_t>(bits >> 16);
}

// The element loops, compiled for AVX-512, AVX2 and baseline x86-64 and picked at load time
// (the build machine's flags say nothing about the training machine's CPU). -fno-math-errno
// (CMakeLists.txt) lets sqrt vectorise.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define FACESWAP_CPU_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define FACESWAP_CPU_CLONES
#endif

FACESWAP_CPU_CLONES
void AdamFp32(const AdamConstants& c, int64_t n, const float* __restrict grad,
              float* __restrict param, float* __restrict m, float* __restrict v) {
  for (int64_t i = 0; i < n; ++i) {
    const float g = grad[i];
    const float mi = c.beta1 * m[i] + (1 - c.beta1) * g;
    const float vi = c.beta2 * v[i] + (1 - c.beta2) * g * g;
    m[i] = mi;
    v[i] = vi;
    param[i] -= c.step_size * mi / (std::sqrt(vi) * c.inv_sqrt_bias2 + c.eps);
  }
}

FACESWAP_CPU_CLONES
void AdamBf16(const AdamConstants& c, int64_t n, const uint16_t* __restrict grad,
              float* __restrict param, float* __restrict m, float* __restrict v,
              uint16_t* __restrict copy) {
  for (int64_t i = 0; i < n; ++i) {
    const float g = Bf16ToFloat(grad[i]);
    const float mi = c.beta1 * m[i] + (1 - c.beta1) * g;
    const float vi = c.beta2 * v[i] + (1 - c.beta2) * g * g;
    m[i] = mi;
    v[i] = vi;
    const float p = param[i] - c.step_size * mi / (std::sqrt(vi) * c.inv_sqrt_bias2 + c.eps);
    param[i] = p;
    copy[i] = FloatToBf16(p);
  }
}

}  // namespace

void FusedAdam::SetBf16Copies(std::vector<torch::Tensor> copies) {
  size_t count = 0;
  for (const auto& group : param_groups_) count += group.params().size();
  if (!copies.empty() && copies.size() != count) {
    throw FatalError("FusedAdam: " + std::to_string(copies.size()) + " bf16 copies for " +
                     std::to_string(count) + " parameters");
  }
  copies_ = std::move(copies);
  SyncBf16Copies();
}

void FusedAdam::SyncBf16Copies() {
  torch::NoGradGuard no_grad;
  size_t k = 0;
  for (auto& group : param_groups_) {
    for (auto& p : group.params()) {
      if (k < copies_.size()) copies_[k].copy_(p);
      ++k;
    }
  }
}

// Generic path: gradients cast to fp32 onto the parameters, torch's Adam, twins rewritten.
torch::Tensor FusedAdam::StepUnfused(LossClosure closure) {
  if (!copies_.empty()) {
    torch::NoGradGuard no_grad;
    size_t k = 0;
    for (auto& group : param_groups_) {
      for (auto& p : group.params()) {
        const auto& g = copies_[k++].grad();
        if (g.defined()) p.mutable_grad() = g.to(p.scalar_type());
      }
    }
  }
  auto loss = Adam::step(closure);
  SyncBf16Copies();
  return loss;
}

torch::Tensor FusedAdam::step(LossClosure closure) {
  const bool mixed = !copies_.empty();
  size_t k = 0;
  for (const auto& group : param_groups_) {
    const auto& o = static_cast<const torch::optim::AdamOptions&>(group.options());
    if (o.amsgrad() || o.weight_decay() != 0) return StepUnfused(closure);
    for (const auto& p : group.params()) {
      const auto& grad = mixed ? copies_[k].grad() : p.grad();
      const bool ok = Fusable(p, at::kFloat) &&
                      (!grad.defined() ||
                       (mixed ? Fusable(grad, at::kBFloat16) && Fusable(copies_[k], at::kBFloat16)
                              : Fusable(grad, at::kFloat)));
      if (!ok) return StepUnfused(closure);
      ++k;
    }
  }
  torch::NoGradGuard no_grad;
  torch::Tensor loss = {};
  if (closure != nullptr) {
    at::AutoGradMode enable_grad(true);
    loss = closure();
  }
  k = 0;
  for (auto& group : param_groups_) {
    const auto& o = static_cast<const torch::optim::AdamOptions&>(group.options());
    for (auto& p : group.params()) {
      torch::Tensor copy = mixed ? copies_[k] : torch::Tensor();
      ++k;
      const auto& grad = mixed ? copy.grad() : p.grad();
      if (!grad.defined()) continue;
      auto key = StateKey(state_, p);
      auto it = state_.find(key);
      if (it == state_.end()) {
        auto state = std::make_unique<torch::optim::AdamParamState>();
        state->step(0);
        state->exp_avg(torch::zeros_like(p, at::MemoryFormat::Contiguous));
        state->exp_avg_sq(torch::zeros_like(p, at::MemoryFormat::Contiguous));
        it = state_.emplace(key, std::move(state)).first;
      }
      auto& state = static_cast<torch::optim::AdamParamState&>(*it->second);
      if (!Fusable(state.exp_avg(), at::kFloat) || !Fusable(state.exp_avg_sq(), at::kFloat)) {
        state.exp_avg(state.exp_avg().to(at::kFloat).contiguous());
        state.exp_avg_sq(state.exp_avg_sq().to(at::kFloat).contiguous());
      }
      state.step(state.step() + 1);
      const double bias1 = 1 - std::pow(std::get<0>(o.betas()), state.step());
      const double bias2 = 1 - std::pow(std::get<1>(o.betas()), state.step());
      const AdamConstants c{static_cast<float>(std::get<0>(o.betas())),
                            static_cast<float>(std::get<1>(o.betas())),
                            static_cast<float>(o.lr() / bias1),
                            static_cast<float>(1 / std::sqrt(bias2)),
                            static_cast<float>(o.eps())};
      float* param = p.data_ptr<float>();
      float* m = state.exp_avg().data_ptr<float>();
      float* v = state.exp_avg_sq().data_ptr<float>();
      if (mixed) {
        const auto* g = reinterpret_cast<const uint16_t*>(grad.data_ptr<at::BFloat16>());
        auto* out = reinterpret_cast<uint16_t*>(copy.data_ptr<at::BFloat16>());
        at::parallel_for(0, p.numel(), 1 << 15, [&](int64_t begin, int64_t end) {
          AdamBf16(c, end - begin, g + begin, param + begin, m + begin, v + begin, out + begin);
        });
      } else {
        const float* g = grad.data_ptr<float>();
        at::parallel_for(0, p.numel(), 1 << 15, [&](int64_t begin, int64_t end) {
          AdamFp32(c, end - begin, g + begin, param + begin, m + begin, v + begin);
        });
      }
    }
  }
  return loss;
}

}  // namespace faceswap
