#include "pipeline/runner.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>

#include "base/check.h"

namespace faceswap {
namespace {

// Emits `count` frames with index i and a 1x1 image holding i % 256.
class CountingSource : public FrameSource {
 public:
  explicit CountingSource(int count, int fail_at = -1) : count_(count), fail_at_(fail_at) {}
  StreamFormat Open() override {
    StreamFormat f;
    f.width = f.height = 1;
    f.frame_count = count_;
    return f;
  }
  bool Read(FrameBatch& batch, int max_frames) override {
    if (next_ >= count_) return false;
    for (int i = 0; i < max_frames && next_ < count_; ++i, ++next_) {
      if (next_ == fail_at_) throw FatalError("source failed at frame " + std::to_string(next_));
      Frame f;
      f.index = next_;
      f.image = cv::Mat(1, 1, CV_8UC1, cv::Scalar(next_ % 256));
      batch.frames.push_back(std::move(f));
    }
    return true;
  }

 private:
  int count_, fail_at_, next_ = 0;
};

// Makes two parallel workers finish every pair of batches out of order, by events, not by
// timing: the worker holding batch 2k waits inside Process until batch 2k+1 has finished (so
// both workers are busy at once, and 2k+1 reaches the next step first). The runner hands
// batches out in order, so while one worker waits in 2k the other is given 2k+1.
struct PairState {
  std::mutex mutex;
  std::condition_variable changed;
  std::set<int64_t> finished;  // First frame index of every finished batch.
  int concurrent = 0, peak = 0;
};

class SwapPairsStage : public Stage {
 public:
  SwapPairsStage(PairState* state, int batch_size, int frames)
      : state_(state), batch_size_(batch_size), frames_(frames) {}
  void Process(FrameBatch& batch) override {
    const int64_t first = batch.frames.front().index;
    const int64_t partner = first + batch_size_;
    const bool leads_pair = (first / batch_size_) % 2 == 0 && partner < frames_;
    std::unique_lock<std::mutex> lock(state_->mutex);
    state_->peak = std::max(state_->peak, ++state_->concurrent);
    if (leads_pair) {
      // A watchdog against a runner that deadlocks, not a synchronisation delay.
      const bool partner_done = state_->changed.wait_for(
          lock, std::chrono::minutes(2), [&] { return state_->finished.count(partner) > 0; });
      EXPECT_TRUE(partner_done) << "batch at frame " << partner << " never finished";
    }
    for (auto& f : batch.frames) f.timestamp = static_cast<double>(f.index) * 2;
    state_->finished.insert(first);
    --state_->concurrent;
    state_->changed.notify_all();
  }

 private:
  PairState* state_;
  int batch_size_, frames_;
};

// Passes batches through (several workers, no ordering constraint).
class PassStage : public Stage {
 public:
  void Process(FrameBatch& batch) override { (void)batch; }
};

// Records the order frames arrive in; optionally throws at one frame.
class RecorderStage : public Stage {
 public:
  RecorderStage(std::vector<int64_t>* seen, int64_t fail_at) : seen_(seen), fail_at_(fail_at) {}
  void Process(FrameBatch& batch) override {
    for (auto& f : batch.frames) {
      if (f.index == fail_at_) throw FatalError("disk full at frame " + std::to_string(f.index));
      seen_->push_back(f.index);
    }
  }

 private:
  std::vector<int64_t>* seen_;
  int64_t fail_at_;
};

// Holds every frame back and releases them all from Close(), like a smoothing window.
class HoldAllStage : public Stage {
 public:
  void Process(FrameBatch& batch) override {
    for (auto& f : batch.frames) held_.push_back(std::move(f));
    batch.frames.clear();
  }
  void Close(FrameBatch& tail) override { tail.frames = std::move(held_); }

 private:
  std::vector<Frame> held_;
};

TEST(Runner, OptionsRejectBadBatchSize) {
  RunnerOptions o;
  o.batch_size = 0;
  EXPECT_NE(o.Check().find("batch-size"), std::string::npos);
  EXPECT_THROW(Runner{o}, FatalError);
}

TEST(Runner, KeepsFrameOrderWithTwoParallelWorkers) {
  for (int batch : {1, 3}) {
    RunnerOptions o;
    o.batch_size = batch;
    o.progress = ProgressMode::kOff;
    Runner runner(o);
    PairState pairs;
    runner.AddStage(
        "swap-pairs", [&] { return std::make_unique<SwapPairsStage>(&pairs, batch, 200); }, 2);
    std::vector<int64_t> seen;
    runner.AddStage("record", [&] { return std::make_unique<RecorderStage>(&seen, -1); });
    std::vector<int64_t> consumed;
    runner.SetConsumer([&](FrameBatch& b) {
      for (auto& f : b.frames) {
        EXPECT_EQ(f.timestamp, f.index * 2.0);
        consumed.push_back(f.index);
      }
    });
    CountingSource source(200);
    const RunStats stats = runner.Run(source);
    EXPECT_EQ(stats.frames, 200);
    ASSERT_EQ(seen.size(), 200u);
    for (int i = 0; i < 200; ++i) ASSERT_EQ(seen[i], i) << "batch " << batch;
    EXPECT_EQ(consumed, seen);
    EXPECT_EQ(pairs.peak, 2) << "both workers should have run at once";
  }
}

TEST(Runner, StageFatalErrorStopsWithoutDeadlock) {
  RunnerOptions o;
  o.progress = ProgressMode::kOff;
  o.queue_capacity = 2;
  Runner runner(o);
  runner.AddStage(
      "pass", [] { return std::make_unique<PassStage>(); }, 2);
  std::vector<int64_t> seen;
  runner.AddStage("record", [&] { return std::make_unique<RecorderStage>(&seen, 50); });
  CountingSource source(100000);  // Far more than the queues hold: producers must be unblocked.
  try {
    runner.Run(source);
    FAIL() << "expected the stage's error";
  } catch (const FatalError& e) {
    EXPECT_STREQ(e.what(), "disk full at frame 50");
  }
  EXPECT_EQ(seen.size(), 50u);
}

TEST(Runner, SourceErrorPropagates) {
  RunnerOptions o;
  o.progress = ProgressMode::kOff;
  Runner runner(o);
  std::vector<int64_t> seen;
  runner.AddStage("record", [&] { return std::make_unique<RecorderStage>(&seen, -1); });
  CountingSource source(100, 10);
  EXPECT_THROW(runner.Run(source), FatalError);
  EXPECT_LE(seen.size(), 10u);
}

// Asks for batches of at least `frames` in Open, as a detector following faces does.
class LongBatchStage : public Stage {
 public:
  explicit LongBatchStage(int frames) : frames_(frames) {}
  void Open(StreamFormat& format) override { format.min_batch_frames = frames_; }
  void Process(FrameBatch& batch) override { (void)batch; }

 private:
  int frames_;
};

class BatchSizeRecorder : public Stage {
 public:
  explicit BatchSizeRecorder(std::vector<size_t>* sizes) : sizes_(sizes) {}
  void Process(FrameBatch& batch) override { sizes_->push_back(batch.size()); }

 private:
  std::vector<size_t>* sizes_;
};

TEST(Runner, ReadsBatchesAsLongAsAStageAsks) {
  for (int asked : {1, 5}) {
    RunnerOptions o;
    o.progress = ProgressMode::kOff;
    o.batch_size = 2;
    Runner runner(o);
    runner.AddStage("long", [asked] { return std::make_unique<LongBatchStage>(asked); });
    std::vector<size_t> sizes;
    runner.AddStage("record", [&] { return std::make_unique<BatchSizeRecorder>(&sizes); });
    CountingSource source(12);
    EXPECT_EQ(runner.Run(source).frames, 12);
    const std::vector<size_t> expected =
        asked == 5 ? std::vector<size_t>{5, 5, 2} : std::vector<size_t>(6, 2);
    EXPECT_EQ(sizes, expected) << "asked for " << asked;
  }
}

TEST(Runner, CloseEmitsHeldFramesInOrder) {
  RunnerOptions o;
  o.progress = ProgressMode::kOff;
  o.batch_size = 4;
  Runner runner(o);
  runner.AddStage("hold", [] { return std::make_unique<HoldAllStage>(); });
  std::vector<int64_t> seen;
  runner.AddStage("record", [&] { return std::make_unique<RecorderStage>(&seen, -1); });
  CountingSource source(37);
  EXPECT_EQ(runner.Run(source).frames, 37);
  ASSERT_EQ(seen.size(), 37u);
  for (int i = 0; i < 37; ++i) EXPECT_EQ(seen[i], i);
}

}  // namespace
}  // namespace faceswap
