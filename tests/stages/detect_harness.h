// Runs one detector plugin from the registry on one image (detector tests of tests/stages).
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <opencv2/imgcodecs.hpp>
#include <string>
#include <vector>

#include "stages/builtin_stages.h"
#include "stages/detect/detect_options.h"
#include "tests/testing/samples.h"

namespace faceswap::testing {

// `stills`: photos are stills, for which the search climbs every rung of its scale ladder;
// false treats the image as a video frame (stops at the first rung with a face).
inline std::vector<Face> Detect(const std::string& plugin, const cv::Mat& image,
                                const std::function<void(DetectOptions&)>& configure = {},
                                bool stills = true) {
  StageRegistry registry;
  RegisterBuiltinStages(registry);
  const StageInfo& info = registry.Get(plugin);
  auto options = info.default_options();
  if (configure) configure(dynamic_cast<DetectOptions&>(*options));
  EXPECT_EQ(options->Check(), "");
  auto stage = info.create(*options);
  StreamFormat format;
  format.width = image.cols;
  format.height = image.rows;
  format.stills = stills;
  stage->Open(format);
  FrameBatch batch;
  batch.frames.emplace_back();
  batch.frames[0].image = image;
  stage->Process(batch);
  return batch.frames[0].faces;
}

// One of dlib's example photos (faces/<name>), decoded; fails the test when unreadable.
inline cv::Mat Photo(const std::string& name) {
  const std::string path = DlibExample("faces/" + name);
  cv::Mat image = cv::imread(path);
  EXPECT_FALSE(image.empty()) << path;
  return image;
}

}  // namespace faceswap::testing
