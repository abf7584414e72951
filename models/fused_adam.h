// Adam with a single-pass update on CPU. torch::optim::Adam (LibTorch C++) updates each
// parameter in ~6 separate element-wise passes with two temporaries (sqrt, div); for the
// 82 M-parameter `original` model that is ~1.4 s of a ~7 s step on 2 cores (profiled). This
// class reads grad/param/moments once per element. Same state (AdamParamState) and
// serialisation as torch::optim::Adam, so checkpoints are interchangeable; falls back to
// torch::optim::Adam::step for non-CPU/non-float parameters, amsgrad or weight decay.
//
// Mixed precision (SetBf16Copies): the network runs on bf16 twins of the fp32 parameters;
// step() reads each twin's bf16 gradient, updates the fp32 parameter (the optimiser's master
// copy, the one that is saved) and rewrites the twin, all in the same pass. That replaces
// autocast's per-step casts (fp32 -> bf16 weights forward, bf16 -> fp32 gradients backward:
// ~130 ms of a 1.2 s `original` step, profiled) with nothing.
// Includes <torch/torch.h>.
#pragma once

#include <vector>

#include <torch/torch.h>

namespace faceswap {

class FusedAdam : public torch::optim::Adam {
 public:
  using torch::optim::Adam::Adam;
  // `copies[i]`: bf16 twin (same shape) of the i-th parameter over all param groups, in order.
  // Gradients are then taken from the twins. Empty: plain fp32 training.
  void SetBf16Copies(std::vector<torch::Tensor> copies);
  // Rewrites every twin from its fp32 parameter (after loading weights).
  void SyncBf16Copies();
  torch::Tensor step(LossClosure closure = nullptr) override;

 private:
  torch::Tensor StepUnfused(LossClosure closure);
  std::vector<torch::Tensor> copies_;
};

}  // namespace faceswap
