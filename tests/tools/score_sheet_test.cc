// The contact sheet of `faceswap score --sheet` (tools/score_sheet.h): crops, tiles, layout and
// which frames are kept.
#include "tools/score_sheet.h"

#include <gtest/gtest.h>

namespace faceswap {
namespace {

TEST(ScoreSheet, FaceCropIsSquareAndFillsOutsideTheFrameGrey) {
  const cv::Mat frame(100, 200, CV_8UC3, cv::Scalar(0, 0, 255));
  const cv::Mat crop = FaceCrop(frame, cv::Rect2f(0, 0, 40, 40), 80);
  ASSERT_EQ(crop.size(), cv::Size(80, 80));
  EXPECT_EQ(crop.at<cv::Vec3b>(2, 2), cv::Vec3b(96, 96, 96));  // Above-left of the frame.
  EXPECT_EQ(crop.at<cv::Vec3b>(60, 60), cv::Vec3b(0, 0, 255));
}

TEST(ScoreSheet, TilesHoldBothCropsAndTheirText) {
  const cv::Mat in(120, 160, CV_8UC3, cv::Scalar(255, 0, 0));
  const cv::Mat out(120, 160, CV_8UC3, cv::Scalar(0, 255, 0));
  const cv::Mat tile = SheetTile(in, out, cv::Rect2f(60, 40, 40, 40), {"frame 3", "lm 0.01"});
  EXPECT_GT(tile.cols, 2 * kSheetCrop);
  EXPECT_GT(tile.rows, kSheetCrop + 2 * 12);
  EXPECT_EQ(tile.at<cv::Vec3b>(kSheetCrop / 2, kSheetCrop / 2), cv::Vec3b(255, 0, 0));
  EXPECT_EQ(tile.at<cv::Vec3b>(kSheetCrop / 2, kSheetCrop * 3 / 2), cv::Vec3b(0, 255, 0));
  const cv::Mat text = tile(cv::Rect(0, kSheetCrop + 8, tile.cols, tile.rows - kSheetCrop - 8));
  double lightest = 0;
  cv::minMaxLoc(text.reshape(1), nullptr, &lightest);
  EXPECT_GT(lightest, 200) << "no text drawn under the crops";
}

TEST(ScoreSheet, ComposeLaysTilesOutInRows) {
  const std::vector<cv::Mat> tiles(5, cv::Mat(10, 20, CV_8UC3, cv::Scalar(1, 2, 3)));
  EXPECT_EQ(ComposeSheet(tiles, 2).size(), cv::Size(40, 30));
  EXPECT_EQ(ComposeSheet(tiles, 8).size(), cv::Size(100, 10));
  EXPECT_TRUE(ComposeSheet({}).empty());
}

TEST(ScoreSheet, WorstTilesKeepsTheHighestBadnessInOrder) {
  WorstTiles worst(3);
  for (double b : {0.2, 0.9, 0.1, 0.5, 0.7}) {
    worst.Offer(b, cv::Mat(1, 1, CV_64F, cv::Scalar(b)));
  }
  EXPECT_FALSE(worst.Wants(0.4));
  EXPECT_TRUE(worst.Wants(0.6));
  const std::vector<cv::Mat> kept = worst.Tiles();
  ASSERT_EQ(kept.size(), 3u);
  EXPECT_DOUBLE_EQ(kept[0].at<double>(0), 0.9);
  EXPECT_DOUBLE_EQ(kept[1].at<double>(0), 0.7);
  EXPECT_DOUBLE_EQ(kept[2].at<double>(0), 0.5);
  EXPECT_FALSE(WorstTiles(0).Wants(1.0));
}

}  // namespace
}  // namespace faceswap
