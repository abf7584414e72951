#include "pipeline/run_records.h"

#include <opencv2/core.hpp>

namespace faceswap {
namespace {

nlohmann::json MatrixJson(const cv::Matx23d& m) {
  return {{m(0, 0), m(0, 1), m(0, 2)}, {m(1, 0), m(1, 1), m(1, 2)}};
}

nlohmann::json FrameRecord(const Frame& frame) {
  nlohmann::json faces = nlohmann::json::array();
  for (const auto& f : frame.faces) {
    nlohmann::json lm = nlohmann::json::array();
    for (const auto& p : f.landmarks) lm.push_back({p.x, p.y});
    faces.push_back({{"box", {f.box.x, f.box.y, f.box.width, f.box.height}},
                     {"score", f.score},
                     {"landmarks", lm},
                     {"swapped", !f.swapped.empty()},
                     {"frame_to_aligned", MatrixJson(f.frame_to_aligned)},
                     {"frame_to_swapped", MatrixJson(f.frame_to_swapped)}});
  }
  return {{"index", frame.index},
          {"timestamp", frame.timestamp},
          {"passthrough", frame.passthrough},
          {"changed_pixels", frame.changed.empty() ? 0 : cv::countNonZero(frame.changed)},
          {"faces", faces}};
}

}  // namespace

void ChangeMaskSink::Open(StreamFormat& format) {
  (void)format;
  writer_ = std::make_unique<ImageFolderWriter>(folder_);
}

void ChangeMaskSink::Process(FrameBatch& batch) {
  for (const Frame& frame : batch.frames) {
    Frame m;
    m.index = frame.index;
    m.name = frame.name;
    m.image =
        frame.changed.empty() ? cv::Mat::zeros(frame.image.size(), CV_8UC1) : frame.changed;
    writer_->Write(m);
  }
}

void FrameRecords::Process(FrameBatch& batch) {
  for (const Frame& frame : batch.frames) {
    ++counts_.frames;
    bool swapped = false;
    for (const auto& f : frame.faces) {
      swapped |= !f.swapped.empty();
      counts_.faces += f.swapped.empty() ? 0 : 1;
    }
    counts_.frames_swapped += swapped ? 1 : 0;
    if (keep_) records_.push_back(FrameRecord(frame));
  }
}

}  // namespace faceswap
