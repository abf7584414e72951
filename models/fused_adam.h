// Adam with a single-pass update on CPU. torch::optim::Adam (LibTorch C++) updates each
// parameter in ~6 separate element-wise passes with two temporaries (sqrt, div); for the
// 82 M-parameter `original` model that is ~1.4 s of a ~7 s step on 2 cores (profiled). This
// class reads grad/param/moments once per element. Same state (AdamParamState) and
// serialisation as torch::optim::Adam, so checkpoints are interchangeable; falls back to
// torch::optim::Adam::step for non-CPU/non-float parameters, amsgrad or weight decay.
// Includes <torch/torch.h>.
#pragma once

#include <torch/torch.h>

namespace faceswap {

class FusedAdam : public torch::optim::Adam {
 public:
  using torch::optim::Adam::Adam;
  torch::Tensor step(LossClosure closure = nullptr) override;
};

}  // namespace faceswap
