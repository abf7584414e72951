// Frames and the per-face records that travel through every stage.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

namespace faceswap {

struct Face {
  cv::Rect2f box;                       // Detector box in frame pixels.
  float score = 0.f;                    // Detector confidence (detector specific scale).
  std::vector<cv::Point2f> landmarks;   // 68 points, dlib/iBUG order, frame pixels; empty if none.
  cv::Matx23d frame_to_aligned = cv::Matx23d::zeros();  // Similarity: frame px -> aligned px.
  cv::Mat aligned;                      // Aligned BGR crop (CV_8UC3); empty if not made.
  cv::Mat mask;                         // CV_32FC1 in [0,1]; in swap space once `swapped` is set
                                        // (convert), else aligned space; empty if none.
  // Convert only: the generated face and the similarity from frame px to its pixels.
  cv::Mat swapped;                      // CV_8UC3, square; empty until a swap stage ran.
  cv::Matx23d frame_to_swapped = cv::Matx23d::zeros();
  std::string identity;                 // Optional identity tag.
  float identity_distance = -1.f;  // distance to --ref mean (filter/faces); -1 = not measured
};

struct Frame {
  int64_t index = 0;        // 0-based position in decode (presentation) order.
  int64_t pts = 0;          // Presentation timestamp in the stream's time base.
  double timestamp = 0.0;   // Seconds from the start of the stream.
  cv::Mat image;            // BGR, CV_8UC3.
  std::vector<Face> faces;
  bool passthrough = false; // Outside the requested range: stages leave it untouched.
  int faces_dropped = 0;    // Faces a filter stage removed from `faces` (counted in summaries).
  cv::Mat changed;          // CV_8UC1, frame size: 255 where a stage changed `image` (convert's
                            // --mask-out); empty when nothing changed.
  std::string name;         // Source name for images from a folder (file stem); empty for video.
  // Video input: the decoded YUV 4:2:0 planes `image` was made from (CV_8UC1, rows*3/2 x
  // cols: Y, then U, then V, back to back), in StreamFormat::yuv_colorspace. The video writer
  // writes them for every pixel outside `changed`: a stage that alters `image` must mark
  // what it altered in `changed` (or release this). Empty for other sources.
  cv::Mat source_yuv;
};

// What every description of a video stream holds. The reader's VideoInfo, the runner's
// StreamFormat and the alignments file's AlignmentsSource derive from it, so one is handed
// to another in one assignment (`source.stream() = format.stream()`), not field by field.
struct VideoStream {
  std::string path;          // The input as given: a video file or an image folder.
  int width = 0;             // Frame size in pixels (after rotation).
  int height = 0;
  double fps = 0.0;          // Average frame rate (0 if unknown; image folders: --fps).
  int64_t frame_count = -1;  // Frames, -1 if unknown (StreamFormat: the frames expected).
  int time_base_num = 1;     // Unit of Frame::pts.
  int time_base_den = 1;
  VideoStream& stream() { return *this; }
  const VideoStream& stream() const { return *this; }
};

// A group of consecutive frames handed to Stage::Process in one call.
struct FrameBatch {
  std::vector<Frame> frames;
  bool empty() const { return frames.empty(); }
  size_t size() const { return frames.size(); }
};

}  // namespace faceswap
