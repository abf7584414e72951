// Compiled with -O2 (and AVX2/FMA where available) even in Debug, like dlib_hog.cc: dlib's DNN
// templates are instantiated here, and this is the only file that includes <dlib/dnn.h> (it
// compiles slowly; see stages/CMakeLists.txt).
#include "stages/identity/face_descriptor.h"

#include <dlib/dnn.h>
#include <dlib/image_processing/full_object_detection.h>
#include <dlib/image_transforms/interpolation.h>
#include <dlib/opencv/cv_image.h>

#include <cmath>
#include <map>
#include <mutex>
#include <opencv2/imgproc.hpp>
#include <stdexcept>

#include "base/check.h"
#include "pipeline/data_cache.h"

namespace faceswap {
namespace {

// The network of dlib's examples/dnn_face_recognition_ex.cpp, verbatim (a ResNet-29 variant
// with loss_metric, input locked to 150x150 chips): the layout the model file was saved with.
namespace net {
using namespace dlib;
// clang-format off

template <template <int, template <typename> class, int, typename> class block, int N,
          template <typename> class BN, typename SUBNET>
using residual = add_prev1<block<N, BN, 1, tag1<SUBNET>>>;

template <template <int, template <typename> class, int, typename> class block, int N,
          template <typename> class BN, typename SUBNET>
using residual_down = add_prev2<avg_pool<2, 2, 2, 2, skip1<tag2<block<N, BN, 2, tag1<SUBNET>>>>>>;

template <int N, template <typename> class BN, int stride, typename SUBNET>
using block = BN<con<N, 3, 3, 1, 1, relu<BN<con<N, 3, 3, stride, stride, SUBNET>>>>>;

template <int N, typename SUBNET> using ares = relu<residual<block, N, affine, SUBNET>>;
template <int N, typename SUBNET> using ares_down = relu<residual_down<block, N, affine, SUBNET>>;

template <typename SUBNET> using alevel0 = ares_down<256, SUBNET>;
template <typename SUBNET> using alevel1 = ares<256, ares<256, ares_down<256, SUBNET>>>;
template <typename SUBNET> using alevel2 = ares<128, ares<128, ares_down<128, SUBNET>>>;
template <typename SUBNET> using alevel3 = ares<64, ares<64, ares<64, ares_down<64, SUBNET>>>>;
template <typename SUBNET> using alevel4 = ares<32, ares<32, ares<32, SUBNET>>>;

using anet_type = loss_metric<fc_no_bias<128, avg_pool_everything<
                            alevel0<
                            alevel1<
                            alevel2<
                            alevel3<
                            alevel4<
                            max_pool<3, 3, 2, 2, relu<affine<con<32, 7, 7, 2, 2,
                            input_rgb_image_sized<150>
                            >>>>>>>>>>>>;
// clang-format on
}  // namespace net

using Net = net::anet_type;
using Chip = dlib::matrix<dlib::rgb_pixel>;

constexpr int kChipSize = 150;         // The network's input edge.
constexpr double kChipPadding = 0.25;  // dlib's example (and the model's training) padding.
constexpr size_t kMaxBatch = 16;       // Chips per forward pass (bounds scratch memory).

// One loaded network per model file, and the copies workers run. A forward pass writes every
// layer's output into the network object, so concurrent calls each lease their own copy;
// copies are returned to the pool and reused (one per concurrent caller, made on demand).
struct NetPool {
  Net prototype;  // As loaded; only ever copied (under `mutex`).
  std::mutex mutex;
  std::vector<std::unique_ptr<Net>> idle;
};

std::shared_ptr<NetPool> SharedNetPool(const std::string& path) {
  static std::mutex mutex;
  static std::map<std::string, std::shared_ptr<NetPool>> cache;
  std::lock_guard<std::mutex> lock(mutex);
  auto it = cache.find(path);
  if (it != cache.end()) return it->second;
  RequireModelFile(path, "face descriptor model");
  auto pool = std::make_shared<NetPool>();
  try {
    dlib::deserialize(path) >> pool->prototype;
  } catch (const std::exception& e) {
    throw FatalError("face descriptor model '" + path + "' is not dlib's ResNet face " +
                     "recognition network (" + kFaceDescriptorModelFile +
                     "): " + OneLine(e.what(), 120));
  }
  cache.emplace(path, pool);
  return pool;
}

// A network copy for the duration of one call.
class NetLease {
 public:
  explicit NetLease(NetPool& pool) : pool_(pool) {
    std::lock_guard<std::mutex> lock(pool_.mutex);
    if (!pool_.idle.empty()) {
      net_ = std::move(pool_.idle.back());
      pool_.idle.pop_back();
    } else {
      net_ = std::make_unique<Net>(pool_.prototype);
    }
  }
  ~NetLease() {
    std::lock_guard<std::mutex> lock(pool_.mutex);
    pool_.idle.push_back(std::move(net_));
  }
  NetLease(const NetLease&) = delete;
  NetLease& operator=(const NetLease&) = delete;
  Net& net() { return *net_; }

 private:
  NetPool& pool_;
  std::unique_ptr<Net> net_;
};


// The 150x150 chip dlib's network expects: the 68 landmarks fitted to dlib's mean face
// (get_face_chip_details), sampled from the frame (extract_image_chip; outside is black).
Chip FaceChip(const dlib::cv_image<dlib::bgr_pixel>& image,
              const std::vector<cv::Point2f>& landmarks) {
  if (landmarks.size() != 68) {
    throw std::invalid_argument("FaceDescriptor: expected 68 landmarks, got " +
                                std::to_string(landmarks.size()));
  }
  std::vector<dlib::point> parts;
  parts.reserve(landmarks.size());
  long left = std::lround(landmarks[0].x), right = left;
  long top = std::lround(landmarks[0].y), bottom = top;
  for (const auto& p : landmarks) {
    const dlib::point q(std::lround(p.x), std::lround(p.y));
    left = std::min(left, q.x());
    right = std::max(right, q.x());
    top = std::min(top, q.y());
    bottom = std::max(bottom, q.y());
    parts.push_back(q);
  }
  const dlib::full_object_detection shape(dlib::rectangle(left, top, right, bottom), parts);
  Chip chip;
  dlib::extract_image_chip(image, dlib::get_face_chip_details(shape, kChipSize, kChipPadding),
                           chip);
  return chip;
}

std::vector<std::vector<float>> Forward(NetPool& pool, const std::vector<Chip>& chips) {
  std::vector<std::vector<float>> out;
  if (chips.empty()) return out;
  NetLease lease(pool);
  const std::vector<dlib::matrix<float, 0, 1>> codes = lease.net()(chips, kMaxBatch);
  out.reserve(codes.size());
  for (const auto& c : codes) out.emplace_back(c.begin(), c.end());
  return out;
}

}  // namespace

cv::Mat ToBgr8(const cv::Mat& image) {
  if (image.empty()) throw std::invalid_argument("empty image: expected an 8-bit picture");
  if (image.type() == CV_8UC3) return image;
  cv::Mat bgr;
  if (image.type() == CV_8UC1) {
    cv::cvtColor(image, bgr, cv::COLOR_GRAY2BGR);
  } else if (image.type() == CV_8UC4) {
    cv::cvtColor(image, bgr, cv::COLOR_BGRA2BGR);
  } else {
    throw std::invalid_argument("expected an 8-bit BGR, gray or BGRA image, got OpenCV type " +
                                std::to_string(image.type()));
  }
  return bgr;
}

struct FaceDescriptor::Impl {
  std::shared_ptr<NetPool> pool;
};

FaceDescriptor::FaceDescriptor(const std::string& model_path) : impl_(std::make_unique<Impl>()) {
  impl_->pool =
      SharedNetPool(model_path.empty() ? DlibModelPath(kFaceDescriptorModelFile) : model_path);
}
FaceDescriptor::~FaceDescriptor() = default;
FaceDescriptor::FaceDescriptor(FaceDescriptor&&) noexcept = default;
FaceDescriptor& FaceDescriptor::operator=(FaceDescriptor&&) noexcept = default;

std::vector<float> FaceDescriptor::Compute(const cv::Mat& bgr,
                                           const std::vector<cv::Point2f>& landmarks68) const {
  return Compute(bgr, std::vector<std::vector<cv::Point2f>>{landmarks68}).at(0);
}

std::vector<std::vector<float>> FaceDescriptor::Compute(
    const cv::Mat& bgr, const std::vector<std::vector<cv::Point2f>>& faces) const {
  if (faces.empty()) return {};
  const cv::Mat pixels = ToBgr8(bgr);
  const dlib::cv_image<dlib::bgr_pixel> image(pixels);
  std::vector<Chip> chips;
  chips.reserve(faces.size());
  for (const auto& landmarks : faces) chips.push_back(FaceChip(image, landmarks));
  return Forward(*impl_->pool, chips);
}

std::vector<float> FaceDescriptor::ComputeChip(const cv::Mat& chip_bgr) const {
  cv::Mat pixels = ToBgr8(chip_bgr);
  if (pixels.cols != kChipSize || pixels.rows != kChipSize) {
    cv::resize(pixels, pixels, cv::Size(kChipSize, kChipSize), 0, 0,
               pixels.cols > kChipSize ? cv::INTER_AREA : cv::INTER_LINEAR);
  }
  Chip chip;
  dlib::assign_image(chip, dlib::cv_image<dlib::bgr_pixel>(pixels));
  return Forward(*impl_->pool, {chip}).at(0);
}

double DescriptorDistance(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.size() != b.size() || a.empty()) {
    throw std::invalid_argument("DescriptorDistance: descriptors of sizes " +
                                std::to_string(a.size()) + " and " + std::to_string(b.size()));
  }
  double sum = 0.0;
  for (size_t i = 0; i < a.size(); ++i) {
    const double d = static_cast<double>(a[i]) - b[i];
    sum += d * d;
  }
  return std::sqrt(sum);
}

std::vector<float> MeanDescriptor(const std::vector<std::vector<float>>& descriptors) {
  if (descriptors.empty()) return {};
  std::vector<double> sum(descriptors[0].size(), 0.0);
  for (const auto& d : descriptors) {
    if (d.size() != sum.size()) {
      throw std::invalid_argument("MeanDescriptor: descriptors of different sizes");
    }
    for (size_t i = 0; i < d.size(); ++i) sum[i] += d[i];
  }
  std::vector<float> mean(sum.size());
  for (size_t i = 0; i < sum.size(); ++i) {
    mean[i] = static_cast<float>(sum[i] / static_cast<double>(descriptors.size()));
  }
  return mean;
}

}  // namespace faceswap
