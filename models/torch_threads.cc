#include "models/torch_threads.h"

#include <cstdlib>
#include <thread>

#include <ATen/Parallel.h>  // Light header: <torch/torch.h> costs ~10 s per file.

namespace faceswap {

int ConfigureTorchThreads(int threads) {
  int n = threads;
  if (n <= 0) {
    if (const char* env = std::getenv("OMP_NUM_THREADS")) n = std::atoi(env);
  }
  if (n <= 0) n = static_cast<int>(std::thread::hardware_concurrency());
  if (n <= 0) n = 1;
  at::set_num_threads(n);
  return n;
}

}  // namespace faceswap
