// Thread set-up for LibTorch. LibTorch 1.13 uses half the cores by default, which is 1 on a
// 2-core machine: training runs 1.9x slower (shared/STACK.md trap 1). Call once at start-up.
#pragma once

namespace faceswap {

// Sets intra-op threads to `threads` (> 0) or, when 0, to $OMP_NUM_THREADS if set, else the
// core count. Returns the number set.
int ConfigureTorchThreads(int threads);

}  // namespace faceswap
