#include "models/fused_adam.h"

#include <cmath>
#include <sstream>
#include <type_traits>

#include <ATen/Parallel.h>

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

bool Fusable(const at::Tensor& t) {
  return t.device().is_cpu() && t.scalar_type() == at::kFloat && t.is_contiguous();
}

}  // namespace

torch::Tensor FusedAdam::step(LossClosure closure) {
  for (const auto& group : param_groups_) {
    const auto& o = static_cast<const torch::optim::AdamOptions&>(group.options());
    if (o.amsgrad() || o.weight_decay() != 0) return Adam::step(closure);
    for (const auto& p : group.params()) {
      if (p.grad().defined() && (!Fusable(p) || !Fusable(p.grad()))) return Adam::step(closure);
    }
  }
  torch::NoGradGuard no_grad;
  torch::Tensor loss = {};
  if (closure != nullptr) {
    at::AutoGradMode enable_grad(true);
    loss = closure();
  }
  for (auto& group : param_groups_) {
    const auto& o = static_cast<const torch::optim::AdamOptions&>(group.options());
    const float beta1 = static_cast<float>(std::get<0>(o.betas()));
    const float beta2 = static_cast<float>(std::get<1>(o.betas()));
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
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
      if (!Fusable(state.exp_avg()) || !Fusable(state.exp_avg_sq())) {
        state.exp_avg(state.exp_avg().to(at::kFloat).contiguous());
        state.exp_avg_sq(state.exp_avg_sq().to(at::kFloat).contiguous());
      }
      state.step(state.step() + 1);
      const double bias1 = 1 - std::pow(std::get<0>(o.betas()), state.step());
      const double bias2 = 1 - std::pow(std::get<1>(o.betas()), state.step());
      const float step_size = static_cast<float>(o.lr() / bias1);
      const float inv_sqrt_bias2 = static_cast<float>(1 / std::sqrt(bias2));
      const float eps = static_cast<float>(o.eps());
      float* param = p.data_ptr<float>();
      const float* grad = p.grad().data_ptr<float>();
      float* m = state.exp_avg().data_ptr<float>();
      float* v = state.exp_avg_sq().data_ptr<float>();
      at::parallel_for(0, p.numel(), 1 << 15, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) {
          const float g = grad[i];
          const float mi = beta1 * m[i] + (1 - beta1) * g;
          const float vi = beta2 * v[i] + (1 - beta2) * g * g;
          m[i] = mi;
          v[i] = vi;
          param[i] -= step_size * mi / (std::sqrt(vi) * inv_sqrt_bias2 + eps);
        }
      });
    }
  }
  return loss;
}

}  // namespace faceswap
