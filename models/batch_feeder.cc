#include "models/batch_feeder.h"

#include <chrono>

// OpenMP's per-thread team size. Declared weak so models/ does not link an OpenMP runtime
// itself: it resolves to the one LibTorch loaded (system libgomp, or the copy bundled with a
// pip LibTorch), and is skipped when LibTorch has none.
extern "C" void omp_set_num_threads(int) __attribute__((weak));

namespace faceswap {

BatchFeeder::BatchFeeder(std::shared_ptr<const Augmenter> augmenter, int batch_size,
                         uint64_t seed, int queue_depth)
    : augmenter_(std::move(augmenter)),
      batch_size_(batch_size),
      depth_(static_cast<size_t>(std::max(1, queue_depth))),
      generator_(MakeCpuGenerator(seed)) {
  thread_ = std::thread([this] { Run(); });
}

BatchFeeder::~BatchFeeder() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

void BatchFeeder::Run() {
  // Batch preparation is small work: keep it on this thread instead of opening a second
  // OpenMP team next to the training thread's (2 cores: oversubscription costs more).
  if (omp_set_num_threads) omp_set_num_threads(1);
  torch::NoGradGuard no_grad;
  try {
    while (true) {
      {
        std::unique_lock<std::mutex> lock(mutex_);
        changed_.wait(lock, [&] { return stop_ || queue_.size() < depth_; });
        if (stop_) return;
      }
      TrainingBatch batch = augmenter_->Random(batch_size_, generator_);
      {
        std::lock_guard<std::mutex> lock(mutex_);
        queue_.push_back(std::move(batch));
      }
      changed_.notify_all();
    }
  } catch (...) {
    std::lock_guard<std::mutex> lock(mutex_);
    error_ = std::current_exception();
    changed_.notify_all();
  }
}

TrainingBatch BatchFeeder::Next() {
  const auto start = std::chrono::steady_clock::now();
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait(lock, [&] { return !queue_.empty() || error_; });
  if (queue_.empty() && error_) std::rethrow_exception(error_);
  TrainingBatch batch = std::move(queue_.front());
  queue_.pop_front();
  wait_seconds_ +=
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  lock.unlock();
  changed_.notify_all();
  return batch;
}

double BatchFeeder::wait_seconds() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return wait_seconds_;
}

}  // namespace faceswap
