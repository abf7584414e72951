// The contact sheet of `faceswap score --sheet`: one tile per frame, input crop | output crop
// around a face, with the frame index and its numbers written under them (Hershey font).
#pragma once

#include <string>
#include <vector>

#include <opencv2/core.hpp>

namespace faceswap {

// Edge of each crop on a tile, in px.
constexpr int kSheetCrop = 160;

// Square crop of `frame` around `box` (1.8x its larger edge, centred; outside the frame
// filled grey), resized to `size` px.
cv::Mat FaceCrop(const cv::Mat& frame, const cv::Rect2f& box, int size = kSheetCrop);

// A tile: the two crops side by side, `lines` of text below them.
cv::Mat SheetTile(const cv::Mat& input, const cv::Mat& output, const cv::Rect2f& box,
                  const std::vector<std::string>& lines);

// Tiles in rows of `columns` on a dark background (empty Mat for no tile).
cv::Mat ComposeSheet(const std::vector<cv::Mat>& tiles, int columns = 2);

// Keeps the `capacity` tiles of highest badness offered so far (then in badness order).
class WorstTiles {
 public:
  explicit WorstTiles(int capacity) : capacity_(capacity) {}
  // True when a tile of this badness would be kept (make it only then).
  bool Wants(double badness) const;
  void Offer(double badness, cv::Mat tile);
  std::vector<cv::Mat> Tiles() const;  // Worst first.

 private:
  int capacity_;
  std::vector<std::pair<double, cv::Mat>> kept_;
};

}  // namespace faceswap
