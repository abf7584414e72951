#include "tools/score_sheet.h"

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>

namespace faceswap {
namespace {

constexpr int kLineHeight = 16;
constexpr int kMargin = 6;
constexpr double kFontScale = 0.42;

}  // namespace

cv::Mat FaceCrop(const cv::Mat& frame, const cv::Rect2f& box, int size) {
  const float edge = 1.8f * std::max(box.width, box.height);
  const cv::Point2f centre(box.x + box.width / 2, box.y + box.height / 2);
  const cv::Rect want(cvRound(centre.x - edge / 2), cvRound(centre.y - edge / 2),
                      std::max(1, cvRound(edge)), std::max(1, cvRound(edge)));
  cv::Mat crop(want.size(), CV_8UC3, cv::Scalar(96, 96, 96));
  const cv::Rect have = want & cv::Rect(0, 0, frame.cols, frame.rows);
  if (have.area() > 0) frame(have).copyTo(crop(have - want.tl()));
  cv::Mat out;
  cv::resize(crop, out, cv::Size(size, size), 0, 0,
             crop.cols > size ? cv::INTER_AREA : cv::INTER_LINEAR);
  return out;
}

cv::Mat SheetTile(const cv::Mat& input, const cv::Mat& output, const cv::Rect2f& box,
                  const std::vector<std::string>& lines) {
  const int width = 2 * kSheetCrop + 3 * kMargin;
  const int height = kSheetCrop + 2 * kMargin + kLineHeight * static_cast<int>(lines.size());
  cv::Mat tile(height, width, CV_8UC3, cv::Scalar(24, 24, 24));
  FaceCrop(input, box).copyTo(tile(cv::Rect(kMargin, kMargin, kSheetCrop, kSheetCrop)));
  FaceCrop(output, box).copyTo(
      tile(cv::Rect(2 * kMargin + kSheetCrop, kMargin, kSheetCrop, kSheetCrop)));
  for (size_t i = 0; i < lines.size(); ++i) {
    const cv::Point at(kMargin, kSheetCrop + kMargin + kLineHeight * static_cast<int>(i + 1) - 3);
    cv::putText(tile, lines[i], at, cv::FONT_HERSHEY_SIMPLEX, kFontScale,
                cv::Scalar(230, 230, 230), 1, cv::LINE_AA);
  }
  return tile;
}

cv::Mat ComposeSheet(const std::vector<cv::Mat>& tiles, int columns) {
  if (tiles.empty()) return {};
  int tile_w = 0, tile_h = 0;
  for (const auto& t : tiles) tile_w = std::max(tile_w, t.cols), tile_h = std::max(tile_h, t.rows);
  const int n = static_cast<int>(tiles.size());
  const int cols = std::min(columns, n), rows = (n + cols - 1) / cols;
  cv::Mat sheet(rows * tile_h, cols * tile_w, CV_8UC3, cv::Scalar(0, 0, 0));
  for (int i = 0; i < n; ++i) {
    tiles[i].copyTo(sheet(cv::Rect((i % cols) * tile_w, (i / cols) * tile_h, tiles[i].cols,
                                   tiles[i].rows)));
  }
  return sheet;
}

bool WorstTiles::Wants(double badness) const {
  if (capacity_ <= 0) return false;
  if (static_cast<int>(kept_.size()) < capacity_) return true;
  return badness > kept_.back().first;
}

void WorstTiles::Offer(double badness, cv::Mat tile) {
  if (!Wants(badness)) return;
  const auto at = std::find_if(kept_.begin(), kept_.end(),
                               [&](const auto& k) { return badness > k.first; });
  kept_.insert(at, {badness, std::move(tile)});
  if (static_cast<int>(kept_.size()) > capacity_) kept_.pop_back();
}

std::vector<cv::Mat> WorstTiles::Tiles() const {
  std::vector<cv::Mat> tiles;
  for (const auto& k : kept_) tiles.push_back(k.second);
  return tiles;
}

}  // namespace faceswap
