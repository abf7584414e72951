// Writing BGR pixels into YUV 4:2:0 planes, only where a mask says they changed: the video
// writer keeps every other pixel as the decoder gave it (Frame::source_yuv), so outside a
// swapped face the output is the source re-encoded, not the source after a YUV -> BGR -> YUV
// round trip (bit-exact at --crf 0).
#pragma once

#include <cstdint>

#include <opencv2/core.hpp>

namespace faceswap {

enum class YuvMatrix { kBt601, kBt709 };

struct YuvPlanes {  // Views of the three planes of one frame (strides in bytes).
  uint8_t* y;
  uint8_t* u;
  uint8_t* v;
  int y_stride, u_stride, v_stride;
};

// Converts the pixels of `bgr` (CV_8UC3, even width and height) where `changed` (CV_8UC1,
// same size; empty = every pixel) is non-zero into `planes`: luma of each changed pixel, and
// the chroma of each 2x2 block holding a changed pixel (the mean of the block's four BGR
// pixels). Everything else in `planes` is left as it is. Limited range (16-235/240) unless
// `full_range`.
void PasteBgrIntoYuv420(const cv::Mat& bgr, const cv::Mat& changed, YuvMatrix matrix,
                        bool full_range, const YuvPlanes& planes);

}  // namespace faceswap
