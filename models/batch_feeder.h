// Background batch preparation: one thread per identity fills a bounded queue with augmented
// batches so the training thread does not wait on images. Includes <torch/torch.h>.
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>

#include "models/augment.h"

namespace faceswap {

class BatchFeeder {
 public:
  // Batches are drawn with a generator seeded by `seed`: one thread per feeder, so the
  // sequence of batches is reproducible.
  BatchFeeder(std::shared_ptr<const Augmenter> augmenter, int batch_size, uint64_t seed,
              int queue_depth = 3);
  ~BatchFeeder();  // Stops and joins the thread.
  BatchFeeder(const BatchFeeder&) = delete;
  BatchFeeder& operator=(const BatchFeeder&) = delete;

  // The next batch; blocks while the queue is empty. Rethrows a worker failure.
  TrainingBatch Next();
  // Total seconds Next() spent waiting (how much the pipeline stalled training).
  double wait_seconds() const;

 private:
  void Run();

  std::shared_ptr<const Augmenter> augmenter_;
  int batch_size_;
  size_t depth_;
  at::Generator generator_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<TrainingBatch> queue_;
  std::exception_ptr error_;
  bool stop_ = false;
  double wait_seconds_ = 0;
  std::thread thread_;
};

}  // namespace faceswap
