#include "stages/smooth/landmark_smoothing.h"

#include <cmath>
#include <deque>
#include <limits>

#include "base/check.h"

namespace faceswap {

void SmoothingOptions::Bind(OptionBinder& b) {
  b.Add("smooth", &window, "Frames averaged to smooth landmarks (odd; 1 = off)");
  b.Add("smooth-sigma", &sigma, "Gaussian weight sigma in frames (0 = window/4)");
}

std::string SmoothingOptions::Check() const {
  return OptionCheck()
      .Range("smooth", window, 1, 61)
      .That(window % 2 == 1, "invalid value " + std::to_string(window) +
                                 " for option 'smooth': expected an odd number")
      .Range("smooth-sigma", sigma, 0.0, 30.0)
      .Error();
}

std::vector<cv::Point2f> SmoothTrack(const std::vector<std::vector<cv::Point2f>>& neighbours,
                                     double sigma) {
  const int half = static_cast<int>(neighbours.size()) / 2;
  const auto& centre = neighbours[half];
  if (centre.empty()) return centre;
  std::vector<cv::Point2f> sum(centre.size(), cv::Point2f(0, 0));
  double total = 0;
  for (int k = 0; k < static_cast<int>(neighbours.size()); ++k) {
    if (neighbours[k].size() != centre.size()) continue;
    const double d = k - half;
    const double w = std::exp(-0.5 * d * d / (sigma * sigma));
    for (size_t i = 0; i < centre.size(); ++i) sum[i] += neighbours[k][i] * static_cast<float>(w);
    total += w;
  }
  for (auto& p : sum) p *= static_cast<float>(1.0 / total);
  return sum;
}

namespace {

cv::Point2f Centre(const Face& f) {
  return {f.box.x + f.box.width / 2, f.box.y + f.box.height / 2};
}

// Raw (unsmoothed) faces of one frame.
using RawFaces = std::vector<Face>;

class LandmarkSmoothingStage : public Stage {
 public:
  explicit LandmarkSmoothingStage(const SmoothingOptions& o)
      : half_(o.window / 2), sigma_(o.sigma > 0 ? o.sigma : std::max(0.5, o.window / 4.0)) {}

  void Process(FrameBatch& batch) override {
    for (auto& f : batch.frames) {
      raw_.push_back(f.faces);
      pending_.push_back(std::move(f));
    }
    batch.frames.clear();
    Emit(batch, false);
  }
  void Close(FrameBatch& tail) override { Emit(tail, true); }

 private:
  // raw_ holds frames [first_raw_, ...); pending_ holds frames [first_pending_, ...).
  void Emit(FrameBatch& out, bool final) {
    while (!pending_.empty()) {
      const int64_t newest = first_raw_ + static_cast<int64_t>(raw_.size()) - 1;
      if (!final && newest - first_pending_ < half_) break;
      Frame frame = std::move(pending_.front());
      pending_.pop_front();
      if (half_ > 0 && !frame.passthrough) SmoothFrame(frame, first_pending_);
      out.frames.push_back(std::move(frame));
      ++first_pending_;
      while (first_raw_ < first_pending_ - half_) {
        raw_.pop_front();
        ++first_raw_;
      }
    }
  }

  void SmoothFrame(Frame& frame, int64_t position) {
    for (auto& face : frame.faces) {
      if (face.landmarks.size() != 68) continue;
      const float reach = 0.5f * std::max(face.box.width, face.box.height);
      std::vector<std::vector<cv::Point2f>> track(2 * half_ + 1);
      for (int k = -half_; k <= half_; ++k) {
        const int64_t p = position + k;
        if (p < first_raw_ || p >= first_raw_ + static_cast<int64_t>(raw_.size())) continue;
        const Face* best = nullptr;
        float best_d = std::numeric_limits<float>::max();
        for (const auto& other : raw_[p - first_raw_]) {
          const cv::Point2f d = Centre(other) - Centre(face);
          const float dist = std::hypot(d.x, d.y);
          if (other.landmarks.size() == 68 && dist < reach && dist < best_d) {
            best = &other, best_d = dist;
          }
        }
        if (best) track[k + half_] = best->landmarks;
      }
      face.landmarks = SmoothTrack(track, sigma_);
    }
  }

  const int half_;
  const double sigma_;
  std::deque<RawFaces> raw_;
  std::deque<Frame> pending_;
  int64_t first_raw_ = 0, first_pending_ = 0;
};

}  // namespace

StageInfo LandmarkSmoothingStageInfo() {
  return MakeStageInfo<LandmarkSmoothingStage, SmoothingOptions>(
      "smooth/landmarks", "Gaussian temporal smoothing of landmarks (reduces jitter)", false);
}

}  // namespace faceswap
