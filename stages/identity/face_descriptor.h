// dlib's ResNet face descriptor (dlib_face_recognition_resnet_model_v1.dat, fetched by
// samples/fetch-models.sh): a 128-D code per face; two faces whose descriptors are closer than
// 0.6 (Euclidean) are the same person by dlib's calibration (99.38% on LFW).
//
//   FaceDescriptor net;                                        // default model path; throws
//   std::vector<float> d = net.Compute(frame_bgr, face.landmarks);   // 68 points, frame px
//   if (DescriptorDistance(d, reference) < kSamePersonDistance) ...
//
// The network is loaded once per process per path and shared; Compute is thread-safe
// (each call uses its own copy of the network's scratch state).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

namespace faceswap {

constexpr const char* kFaceDescriptorModelFile = "dlib_face_recognition_resnet_model_v1.dat";
constexpr double kSamePersonDistance = 0.6;

class FaceDescriptor {
 public:
  // "" = DlibModelPath(kFaceDescriptorModelFile). Throws FatalError for a missing file
  // (naming samples/fetch-models.sh) or one that is not this network.
  explicit FaceDescriptor(const std::string& model_path = "");
  ~FaceDescriptor();
  FaceDescriptor(FaceDescriptor&&) noexcept;
  FaceDescriptor& operator=(FaceDescriptor&&) noexcept;

  // Descriptor of the face with these 68 landmarks (dlib/iBUG order, pixels of `bgr`).
  std::vector<float> Compute(const cv::Mat& bgr, const std::vector<cv::Point2f>& landmarks68) const;
  // Descriptors of several faces of one image in one batch (faster than one by one).
  std::vector<std::vector<float>> Compute(
      const cv::Mat& bgr, const std::vector<std::vector<cv::Point2f>>& faces) const;
  // Descriptor of an image that already is dlib's face chip (get_face_chip_details(shape, 150,
  // 0.25), e.g. dlib's examples/johns); other sizes are resized to 150x150 first.
  std::vector<float> ComputeChip(const cv::Mat& chip_bgr) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// `image` as 8-bit BGR (a view when it already is; gray and BGRA are converted); throws
// std::invalid_argument for an empty image or another type.
cv::Mat ToBgr8(const cv::Mat& image);

// Euclidean distance of two descriptors (same length).
double DescriptorDistance(const std::vector<float>& a, const std::vector<float>& b);
// Element-wise mean of descriptors (the reference of a set of photos); empty in -> empty out.
std::vector<float> MeanDescriptor(const std::vector<std::vector<float>>& descriptors);

}  // namespace faceswap
