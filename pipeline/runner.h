// Runs a source and a chain of stages on worker threads joined by bounded, ordered queues.
//
//   Runner runner(options);
//   runner.AddStage("detect/dlib-hog", [&] { return registry.Get(...).create(opts); }, 2);
//   runner.AddStage("writer/video", make_writer);          // 1 worker: sees frames in order
//   RunStats stats = runner.Run(source);                   // throws the first fatal error
//
// Every step sees batches in frame order (a step with several workers hands them out in
// order; their results are re-ordered before the next step). The first exception thrown
// by the source or any stage aborts all queues, joins every thread and is re-thrown by
// Run(); stages are then destroyed without Close(), so writers discard partial output.
// Ctrl-C (pipeline/interrupt.h) stops the source before its next read: Run() throws
// Interruption.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "pipeline/progress.h"
#include "pipeline/stage.h"

namespace faceswap {

// Produces frames. Open() once, then Read() until it returns false.
class FrameSource {
 public:
  virtual ~FrameSource() = default;
  virtual StreamFormat Open() = 0;
  // Appends up to `max_frames` frames to `batch`; false at end of stream (batch untouched).
  virtual bool Read(FrameBatch& batch, int max_frames) = 0;
  // Drops the next `count` frame indices (decode errors included) without delivering them;
  // returns how many were dropped (fewer at end of stream). The default reads and discards;
  // readers override it to skip colour conversion (VideoReader) or decoding (image folders).
  virtual int64_t Skip(int64_t count);
  // Frames (or images) skipped so far because they could not be decoded; sources that wrap
  // another forward it. Run() reports it at the end ("3 frames lost to decode errors").
  virtual int64_t lost_frames() const { return 0; }
};

// A FrameSource that produces one frame at a time; Read() gathers them into batches.
class SingleFrameSource : public FrameSource {
 public:
  // Next frame; false at end of stream.
  virtual bool ReadFrame(Frame& frame) = 0;
  bool Read(FrameBatch& batch, int max_frames) final;
};

struct RunnerOptions {
  int batch_size = 1;      // Frames per batch read from the source.
  int queue_capacity = 4;  // Batches in flight between two steps.
  ProgressMode progress = ProgressMode::kAuto;
  std::string progress_label = "frames";
  std::string Check() const;
};

struct RunStats {
  int64_t frames = 0;
  double seconds = 0.0;
  double source_seconds = 0.0;  // Time spent in FrameSource::Read (decoding).
  int64_t lost_frames = 0;      // FrameSource::lost_frames() at the end (undecodable frames).
  // Per step, in AddStage order: name and time spent in Process/Close, summed over workers.
  std::vector<std::pair<std::string, double>> stage_seconds;
  double fps() const { return seconds > 0 ? static_cast<double>(frames) / seconds : 0.0; }
};

class Runner {
 public:
  using StageFactory = std::function<std::unique_ptr<Stage>()>;

  explicit Runner(RunnerOptions options);
  // `factory` is called once per worker. Use workers > 1 only for StageInfo::parallel stages.
  void AddStage(std::string name, StageFactory factory, int workers = 1);
  // Optional: called on the last step's thread with every finished batch, in order.
  void SetConsumer(std::function<void(FrameBatch&)> consumer) { consumer_ = std::move(consumer); }
  RunStats Run(FrameSource& source);

 private:
  struct Step {
    std::string name;
    StageFactory factory;
    int workers;
  };
  using Instances = std::vector<std::vector<std::unique_ptr<Stage>>>;  // Per step, per worker.
  Instances OpenStages(StreamFormat& format) const;
  RunnerOptions options_;
  std::vector<Step> steps_;
  std::function<void(FrameBatch&)> consumer_;
};

// Number of worker threads to use: `requested` if > 0, else the machine's core count.
int ResolveThreads(int requested);

}  // namespace faceswap
