// Runs one registered plugin on frames a test builds, the way the runner drives it: options
// set by their declared names, Check(), create, Open(format), Process batch by batch in frame
// order, Close(tail). Header-only: only tests that link faceswap_stages include it.
//
//   auto out = testing::StageHarness("mask/hull").Set("erosion", 0.05).Run(frames);
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "pipeline/option_values.h"
#include "pipeline/stage.h"
#include "stages/builtin_stages.h"

namespace faceswap::testing {

inline const StageRegistry& BuiltinRegistry() {
  static const StageRegistry registry = [] {
    StageRegistry r;
    RegisterBuiltinStages(r);
    return r;
  }();
  return registry;
}

class StageHarness {
 public:
  explicit StageHarness(const std::string& name)
      : info_(BuiltinRegistry().Get(name)), options_(info_.default_options()) {}

  // Sets an option by its flag name (as `--name value` would); fails the test on a bad name.
  template <typename T>
  StageHarness& Set(const std::string& option, T value) {
    SetOption(*options_, option, value);
    return *this;
  }
  // The options' Check() message ("" when valid).
  std::string Check() const { return options_->Check(); }

  // Every frame the stage emitted, Process's then Close's, in order. A zero width or height
  // of `format` is taken from the first frame's image.
  std::vector<Frame> Run(std::vector<Frame> frames, StreamFormat format = {},
                         size_t batch_size = 4) {
    EXPECT_EQ(Check(), "") << info_.name;
    if (!frames.empty() && (format.width == 0 || format.height == 0)) {
      format.width = frames[0].image.cols;
      format.height = frames[0].image.rows;
    }
    if (format.frame_count < 0) format.frame_count = static_cast<int64_t>(frames.size());
    auto stage = info_.create(*options_);
    stage->Open(format);
    opened_ = format;
    std::vector<Frame> out;
    auto collect = [&out](FrameBatch& batch) {
      for (Frame& f : batch.frames) out.push_back(std::move(f));
    };
    for (size_t i = 0; i < frames.size(); i += batch_size) {
      FrameBatch batch;
      for (size_t k = i; k < std::min(frames.size(), i + batch_size); ++k) {
        batch.frames.push_back(std::move(frames[k]));
      }
      stage->Process(batch);
      collect(batch);
    }
    FrameBatch tail;
    stage->Close(tail);
    collect(tail);
    return out;
  }
  // The format as the stage left it after Open (stages may refine it).
  const StreamFormat& opened_format() const { return opened_; }

 private:
  const StageInfo& info_;
  std::unique_ptr<StageOptions> options_;
  StreamFormat opened_;
};

}  // namespace faceswap::testing
