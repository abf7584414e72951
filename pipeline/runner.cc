#include "pipeline/runner.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "base/check.h"
#include "pipeline/interrupt.h"
#include "pipeline/ordered_queue.h"

namespace faceswap {

std::string RunnerOptions::Check() const {
  return OptionCheck()
      .Range("batch-size", batch_size, 1, 4096)
      .Range("queue-capacity", queue_capacity, 1, 4096)
      .Error();
}

bool SingleFrameSource::Read(FrameBatch& batch, int max_frames) {
  int n = 0;
  for (; n < max_frames; ++n) {
    Frame frame;
    if (!ReadFrame(frame)) break;
    batch.frames.push_back(std::move(frame));
  }
  return n > 0;
}

int64_t FrameSource::Skip(int64_t count) {
  int64_t skipped = 0;
  FrameBatch batch;
  while (skipped < count && Read(batch, 1)) {
    skipped += static_cast<int64_t>(batch.frames.size());
    batch.frames.clear();
  }
  return skipped;
}

int ResolveThreads(int requested) {
  if (requested > 0) return requested;
  const unsigned n = std::thread::hardware_concurrency();
  return n > 0 ? static_cast<int>(n) : 1;
}

Runner::Runner(RunnerOptions options) : options_(std::move(options)) {
  ThrowIfInvalid(options_.Check());
}

void Runner::AddStage(std::string name, StageFactory factory, int workers) {
  if (workers < 1) throw std::invalid_argument("stage '" + name + "': workers must be >= 1");
  steps_.push_back({std::move(name), std::move(factory), workers});
}

namespace {

using Queue = OrderedQueue<FrameBatch>;

// First error wins; everything else is stopped through the queues.
class ErrorSlot {
 public:
  void Set(std::exception_ptr e, std::vector<std::unique_ptr<Queue>>& queues) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!error_) error_ = std::move(e);
    }
    for (auto& q : queues) q->Abort();
  }
  std::exception_ptr Get() {
    std::lock_guard<std::mutex> lock(mutex_);
    return error_;
  }

 private:
  std::mutex mutex_;
  std::exception_ptr error_;
};

}  // namespace

RunStats Runner::Run(FrameSource& source) {
  const auto start = std::chrono::steady_clock::now();
  StreamFormat format = source.Open();

  // Instantiate and open every stage up front, on this thread, in pipeline order, so
  // a bad option or unreadable model fails before any thread starts.
  std::vector<std::vector<std::unique_ptr<Stage>>> instances(steps_.size());
  for (size_t s = 0; s < steps_.size(); ++s) {
    StreamFormat out = format;
    for (int w = 0; w < steps_[s].workers; ++w) {
      auto stage = steps_[s].factory();
      if (!stage) throw std::logic_error("stage '" + steps_[s].name + "' factory returned null");
      StreamFormat copy = format;
      stage->Open(copy);
      if (w == 0) out = copy;
      instances[s].push_back(std::move(stage));
    }
    format = out;
  }

  // queues[s] feeds step s; queues[steps] collects the last step's output.
  std::vector<std::unique_ptr<Queue>> queues;
  queues.push_back(std::make_unique<Queue>(options_.queue_capacity, 1));
  for (const auto& step : steps_) {
    queues.push_back(std::make_unique<Queue>(options_.queue_capacity, step.workers));
  }

  ErrorSlot error;
  // Busy time per step (index steps_.size() = the source), in nanoseconds.
  std::vector<std::atomic<int64_t>> busy(steps_.size() + 1);
  auto timed = [](std::atomic<int64_t>& total, auto&& work) {
    const auto t0 = std::chrono::steady_clock::now();
    work();
    total += std::chrono::duration_cast<std::chrono::nanoseconds>(
                 std::chrono::steady_clock::now() - t0)
                 .count();
  };
  Progress progress(options_.progress_label, format.frame_count, options_.progress);
  std::atomic<int64_t> frames_done{0};

  auto guarded = [&](auto&& body) {
    return [&, body]() mutable {
      try {
        body();
      } catch (...) {
        error.Set(std::current_exception(), queues);
      }
    };
  };

  std::vector<std::thread> threads;
  // Source thread.
  threads.emplace_back(guarded([&] {
    uint64_t seq = 0;
    for (;;) {
      FrameBatch batch;
      bool more = false;
      ThrowIfInterrupted();  // Ctrl-C: stop reading; Run() throws, writers discard their files.
      timed(busy[steps_.size()], [&] { more = source.Read(batch, options_.batch_size); });
      if (!more) break;
      if (!queues[0]->Push(seq++, std::move(batch))) return;
    }
    queues[0]->ProducerDone();
  }));

  // Stage workers. A step with one worker may emit a tail batch from Close().
  for (size_t s = 0; s < steps_.size(); ++s) {
    for (int w = 0; w < steps_[s].workers; ++w) {
      Stage* stage = instances[s][w].get();
      Queue* in = queues[s].get();
      Queue* out = queues[s + 1].get();
      const bool single = steps_[s].workers == 1;
      const std::string name = steps_[s].name;
      std::atomic<int64_t>* step_busy = &busy[s];
      threads.emplace_back(guarded([=, &error, &timed] {
        uint64_t next_seq = 0;
        for (;;) {
          auto item = in->Pop();
          if (!item) break;
          timed(*step_busy, [&] { stage->Process(item->second); });
          next_seq = item->first + 1;
          if (!out->Push(item->first, std::move(item->second))) return;
        }
        if (error.Get()) return;
        FrameBatch tail;
        timed(*step_busy, [&] { stage->Close(tail); });
        if (!tail.empty()) {
          if (!single) {
            throw std::logic_error("stage '" + name + "' emitted frames from Close() but runs " +
                                   "on several workers");
          }
          if (!out->Push(next_seq, std::move(tail))) return;
        }
        out->ProducerDone();
      }));
    }
  }

  // Collector: runs the consumer and counts progress, in order.
  threads.emplace_back(guarded([&] {
    Queue* last = queues.back().get();
    for (;;) {
      auto item = last->Pop();
      if (!item) break;
      if (consumer_) consumer_(item->second);
      frames_done += static_cast<int64_t>(item->second.size());
      progress.Add(static_cast<int64_t>(item->second.size()));
    }
  }));

  for (auto& t : threads) t.join();
  if (auto e = error.Get()) {
    instances.clear();  // Destroy stages (writers drop partial files) before reporting.
    std::rethrow_exception(e);
  }
  progress.Finish();
  RunStats stats;
  stats.frames = frames_done;
  stats.lost_frames = source.lost_frames();
  if (stats.lost_frames > 0) {
    spdlog::warn("{} frame{} lost to decode errors", stats.lost_frames,
                 stats.lost_frames == 1 ? "" : "s");
  }
  stats.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  stats.source_seconds = 1e-9 * static_cast<double>(busy[steps_.size()].load());
  for (size_t s = 0; s < steps_.size(); ++s) {
    stats.stage_seconds.emplace_back(steps_[s].name, 1e-9 * static_cast<double>(busy[s].load()));
  }
  return stats;
}

}  // namespace faceswap
