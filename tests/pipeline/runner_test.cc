#include "pipeline/runner.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <random>
#include <set>
#include <thread>

#include "pipeline/check.h"

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

// Sleeps a random time so that parallel workers finish out of order.
class JitterStage : public Stage {
 public:
  explicit JitterStage(unsigned seed, std::atomic<int>* concurrent, std::atomic<int>* peak)
      : rng_(seed), concurrent_(concurrent), peak_(peak) {}
  void Process(FrameBatch& batch) override {
    const int now = ++*concurrent_;
    int p = peak_->load();
    while (now > p && !peak_->compare_exchange_weak(p, now)) {
    }
    std::this_thread::sleep_for(std::chrono::microseconds(rng_() % 2000));
    for (auto& f : batch.frames) f.timestamp = static_cast<double>(f.index) * 2;
    --*concurrent_;
  }

 private:
  std::mt19937 rng_;
  std::atomic<int>* concurrent_;
  std::atomic<int>* peak_;
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

TEST(Runner, KeepsFrameOrderWithTwoParallelWorkers) {
  for (int batch : {1, 3}) {
    RunnerOptions o;
    o.batch_size = batch;
    o.progress = ProgressMode::kOff;
    Runner runner(o);
    std::atomic<int> concurrent{0}, peak{0};
    unsigned seed = 1;
    runner.AddStage("jitter", [&] { return std::make_unique<JitterStage>(seed++, &concurrent, &peak); },
                    2);
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
    EXPECT_EQ(peak.load(), 2) << "both workers should have run at once";
  }
}

TEST(Runner, StageFatalErrorStopsWithoutDeadlock) {
  RunnerOptions o;
  o.progress = ProgressMode::kOff;
  o.queue_capacity = 2;
  Runner runner(o);
  std::atomic<int> concurrent{0}, peak{0};
  runner.AddStage("jitter", [&] { return std::make_unique<JitterStage>(7, &concurrent, &peak); }, 2);
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
