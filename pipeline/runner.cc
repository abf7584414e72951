#include "pipeline/runner.h"

#include <spdlog/spdlog.h>

#include <algorithm>
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
using BusyClock = std::atomic<int64_t>;  // Nanoseconds a step spent working, all workers.

template <typename F>
void Timed(BusyClock& total, F&& work) {
  const auto t0 = std::chrono::steady_clock::now();
  work();
  total +=
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0)
          .count();
}

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

// What the threads of one run share.
struct RunShared {
  // One queue per step's input (queues[s] feeds step s; one worker pushes into queues[0], the
  // source) and queues.back() collecting the last step's output.
  std::vector<std::unique_ptr<Queue>> queues;
  ErrorSlot error;
  std::vector<BusyClock> busy;  // Per step; busy.back() is the source's.

  RunShared(const std::vector<int>& workers, int capacity) : busy(workers.size() + 1) {
    queues.push_back(std::make_unique<Queue>(capacity, 1));
    for (int w : workers) queues.push_back(std::make_unique<Queue>(capacity, w));
  }
  // `body` as a thread function: an exception stops every queue and is kept for Run().
  template <typename F>
  std::function<void()> Guarded(F body) {
    return [this, body]() mutable {
      try {
        body();
      } catch (...) {
        error.Set(std::current_exception(), queues);
      }
    };
  }
};

void ReadSource(FrameSource& source, int batch_size, RunShared& run) {
  uint64_t seq = 0;
  for (;;) {
    FrameBatch batch;
    bool more = false;
    ThrowIfInterrupted();  // Ctrl-C: stop reading; Run() throws, writers discard their files.
    Timed(run.busy.back(), [&] { more = source.Read(batch, batch_size); });
    if (!more) break;
    if (!run.queues[0]->Push(seq++, std::move(batch))) return;
  }
  run.queues[0]->ProducerDone();
}

// One worker of step `s`. A step with one worker (`single`) may emit a tail batch from Close().
void WorkStage(Stage& stage, const std::string& name, bool single, size_t s, RunShared& run) {
  Queue* in = run.queues[s].get();
  Queue* out = run.queues[s + 1].get();
  uint64_t next_seq = 0;
  for (;;) {
    auto item = in->Pop();
    if (!item) break;
    Timed(run.busy[s], [&] { stage.Process(item->second); });
    next_seq = item->first + 1;
    if (!out->Push(item->first, std::move(item->second))) return;
  }
  if (run.error.Get()) return;
  FrameBatch tail;
  Timed(run.busy[s], [&] { stage.Close(tail); });
  if (!tail.empty()) {
    if (!single) {
      throw std::logic_error("stage '" + name + "' emitted frames from Close() but runs " +
                             "on several workers");
    }
    if (!out->Push(next_seq, std::move(tail))) return;
  }
  out->ProducerDone();
}

// Runs the consumer on every finished batch, in order, and counts progress.
void Collect(RunShared& run, const std::function<void(FrameBatch&)>& consumer, Progress& progress,
             std::atomic<int64_t>& frames_done) {
  Queue* last = run.queues.back().get();
  for (;;) {
    auto item = last->Pop();
    if (!item) break;
    if (consumer) consumer(item->second);
    frames_done += static_cast<int64_t>(item->second.size());
    progress.Add(static_cast<int64_t>(item->second.size()));
  }
}

}  // namespace

// Instantiates and opens every stage up front, on this thread, in pipeline order, so a bad
// option or unreadable model fails before any thread starts.
Runner::Instances Runner::OpenStages(StreamFormat& format) const {
  Instances instances(steps_.size());
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
  return instances;
}

RunStats Runner::Run(FrameSource& source) {
  const auto start = std::chrono::steady_clock::now();
  StreamFormat format = source.Open();
  Instances instances = OpenStages(format);
  std::vector<int> workers;
  for (const auto& step : steps_) workers.push_back(step.workers);
  // A stage may ask for longer batches (StreamFormat::min_batch_frames); fewer of them are then
  // queued, so the frames in flight (memory) stay about what the options allow.
  const int batch_size = std::max(options_.batch_size, format.min_batch_frames);
  const int capacity =
      std::min(options_.queue_capacity,
               std::max(2, options_.queue_capacity * options_.batch_size / batch_size));
  RunShared run(workers, capacity);
  Progress progress(options_.progress_label, format.frame_count, options_.progress);
  std::atomic<int64_t> frames_done{0};

  std::vector<std::thread> threads;
  threads.emplace_back(run.Guarded([&, batch_size] { ReadSource(source, batch_size, run); }));
  for (size_t s = 0; s < steps_.size(); ++s) {
    for (int w = 0; w < steps_[s].workers; ++w) {
      Stage* stage = instances[s][w].get();
      const bool single = steps_[s].workers == 1;
      threads.emplace_back(run.Guarded([&run, stage, name = steps_[s].name, single, s] {
        WorkStage(*stage, name, single, s, run);
      }));
    }
  }
  threads.emplace_back(run.Guarded([&] { Collect(run, consumer_, progress, frames_done); }));

  for (auto& t : threads) t.join();
  if (auto e = run.error.Get()) {
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
  stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  stats.source_seconds = 1e-9 * static_cast<double>(run.busy.back().load());
  for (size_t s = 0; s < steps_.size(); ++s) {
    stats.stage_seconds.emplace_back(steps_[s].name,
                                     1e-9 * static_cast<double>(run.busy[s].load()));
  }
  return stats;
}

}  // namespace faceswap
