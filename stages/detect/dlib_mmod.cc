// Compiled with -O2 (and AVX2/FMA where available) even in Debug, like dlib_hog.cc: dlib's DNN
// templates are instantiated here (see stages/CMakeLists.txt).
//
// The forward pass: dlib's CPU convolution allocates a fresh im2col buffer per layer per call
// (up to ~330 MB for a 720p frame's pyramid) and spends most of its time filling and
// page-faulting it: ~8 s per 720p frame on 2 cores. So by default the seven convolutions (with
// dlib's affine layers folded in) run through OpenCV's dnn module instead, ~13x faster with
// the same detections (outputs agree to ~3e-6); dlib still builds the input pyramid, maps
// the output back to image boxes and keeps the model. --mmod-dlib-forward runs dlib's own.
#include "stages/detect/dlib_mmod.h"

#include <dlib/dnn.h>

#include <algorithm>
#include <map>
#include <memory>
#include <mutex>
#include <opencv2/dnn.hpp>
#include <type_traits>

#include "base/check.h"
#include "pipeline/data_cache.h"
#include "stages/detect/dlib_detections.h"
#include "stages/detect/face_search.h"

namespace faceswap {
namespace {

// The network of dlib's examples/dnn_mmod_face_detection_ex.cpp, verbatim: the layout the
// model file was saved with (three 5x5 stride-2 convolutions, three 5x5 layers of 45 filters,
// a 9x9 detection layer over a tiled 5/6 image pyramid; one 80x80 detector window).
namespace net {
using namespace dlib;

template <long num_filters, typename SUBNET> using con5d = con<num_filters, 5, 5, 2, 2, SUBNET>;
template <long num_filters, typename SUBNET> using con5 = con<num_filters, 5, 5, 1, 1, SUBNET>;

template <typename SUBNET>
using downsampler =
    relu<affine<con5d<32, relu<affine<con5d<32, relu<affine<con5d<16, SUBNET>>>>>>>>>;
template <typename SUBNET> using rcon5 = relu<affine<con5<45, SUBNET>>>;

using net_type = loss_mmod<
    con<1, 9, 9, 1, 1, rcon5<rcon5<rcon5<downsampler<input_rgb_image_pyramid<pyramid_down<6>>>>>>>>;
}  // namespace net

using Net = net::net_type;
using RgbImage = dlib::matrix<dlib::rgb_pixel>;

// One convolution of the net as OpenCV dnn layer parameters (affine folded in).
struct ConvLayer {
  cv::dnn::LayerParams params;
  bool relu = false;
};

template <typename Con>
ConvLayer MakeConv(const Con& con, const dlib::affine_* affine, const std::string& name) {
  const dlib::tensor& p = con.get_layer_params();  // filters (nf x k x nr x nc), then biases.
  const int nf = static_cast<int>(con.num_filters());
  const int nr = static_cast<int>(con.nr()), nc = static_cast<int>(con.nc());
  const size_t per_filter = p.size() / nf - 1;
  const int k = static_cast<int>(per_filter / (nr * nc));
  if (con.bias_is_disabled() || per_filter != static_cast<size_t>(k) * nr * nc ||
      (affine && (affine->get_mode() != dlib::CONV_MODE ||
                  affine->get_gamma().get().size() != static_cast<size_t>(nf)))) {
    throw FatalError("MMOD face detector: unexpected convolution layout in layer " + name);
  }
  const float* w = p.host();
  const float* gamma = affine ? affine->get_gamma().get().host() : nullptr;
  const float* beta = affine ? affine->get_beta().get().host() : nullptr;
  cv::Mat weights({nf, k, nr, nc}, CV_32F), bias(1, nf, CV_32F);
  for (int f = 0; f < nf; ++f) {
    const float g = gamma ? gamma[f] : 1.f;
    float* out = weights.ptr<float>() + f * per_filter;
    for (size_t i = 0; i < per_filter; ++i) out[i] = g * w[f * per_filter + i];
    bias.at<float>(0, f) = g * w[nf * per_filter + f] + (beta ? beta[f] : 0.f);
  }
  ConvLayer layer;
  layer.params.name = name;
  layer.params.type = "Convolution";
  layer.params.set("kernel_h", nr);
  layer.params.set("kernel_w", nc);
  layer.params.set("stride_h", static_cast<int>(con.stride_y()));
  layer.params.set("stride_w", static_cast<int>(con.stride_x()));
  layer.params.set("pad_h", static_cast<int>(con.padding_y()));
  layer.params.set("pad_w", static_cast<int>(con.padding_x()));
  layer.params.set("num_output", nf);
  layer.params.set("bias_term", true);
  layer.params.blobs = {weights, bias};
  layer.relu = affine != nullptr;
  return layer;
}

// relu<affine<con<...>>> at dlib layers I-2, I-1, I: one OpenCV convolution + ReLU.
template <size_t I>
ConvLayer Block(const Net& n) {
  static_assert(std::is_same<std::decay_t<decltype(dlib::layer<I - 1>(n).layer_details())>,
                             dlib::affine_>::value &&
                    std::is_same<std::decay_t<decltype(dlib::layer<I - 2>(n).layer_details())>,
                                 dlib::relu_>::value,
                "the net is not relu<affine<con<...>>> here");
  return MakeConv(dlib::layer<I>(n).layer_details(), &dlib::layer<I - 1>(n).layer_details(),
                  "con" + std::to_string(I));
}

// The model as loaded (read-only, shared by every worker): dlib's net (input pyramid, box
// mapping, options; and the reference forward, on a copy) and its convolutions for OpenCV.
struct MmodModel {
  Net net;
  std::vector<ConvLayer> convs;  // Input to output.
};

std::shared_ptr<const MmodModel> SharedModel(const std::string& path) {
  static std::mutex mutex;
  static std::map<std::string, std::shared_ptr<const MmodModel>> cache;
  std::lock_guard<std::mutex> lock(mutex);
  auto it = cache.find(path);
  if (it != cache.end()) return it->second;
  RequireModelFile(path, "MMOD face detector model");
  auto model = std::make_shared<MmodModel>();
  try {
    dlib::deserialize(path) >> model->net;
  } catch (const std::exception& e) {
    throw FatalError("MMOD face detector model '" + path + "' is not dlib's " + kMmodModelFile +
                     " network: " + OneLine(e.what(), 120));
  }
  const dlib::mmod_options& options = model->net.loss_details().get_options();
  if (options.detector_windows.size() != 1 || options.use_bounding_box_regression) {
    throw FatalError("MMOD face detector model '" + path +
                     "': expected one detector window and no box regression");
  }
  // Layers from the output: 1 con 9x9; 2-4, 5-7, 8-10 rcon5; 11-13, 14-16, 17-19 con5d blocks.
  const Net& n = model->net;
  model->convs = {Block<19>(n), Block<16>(n), Block<13>(n), Block<10>(n), Block<7>(n),
                  Block<4>(n),  MakeConv(dlib::layer<1>(n).layer_details(), nullptr, "con1")};
  std::shared_ptr<const MmodModel> shared = std::move(model);
  cache.emplace(path, shared);
  return shared;
}

// A worker's forward pass through OpenCV's dnn (its own cv::dnn::Net: not thread-safe).
class OpenCvForward {
 public:
  explicit OpenCvForward(const MmodModel& model) {
    int previous = 0;  // The network's input.
    for (const ConvLayer& conv : model.convs) {
      cv::dnn::LayerParams params = conv.params;
      for (cv::Mat& blob : params.blobs) blob = blob.clone();  // Nothing shared between nets.
      int id = net_.addLayer(params.name, params.type, params);
      net_.connect(previous, 0, id, 0);
      if (conv.relu) {
        cv::dnn::LayerParams relu;
        relu.name = params.name + "_relu";
        relu.type = "ReLU";
        const int relu_id = net_.addLayer(relu.name, relu.type, relu);
        net_.connect(id, 0, relu_id, 0);
        id = relu_id;
      }
      previous = id;
    }
    net_.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
    net_.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
  }

  // What dlib's net.process(image, threshold) returns (loss_mmod_::to_label, no box regression).
  std::vector<dlib::mmod_rect> Detect(const MmodModel& model, const RgbImage& image,
                                      double threshold) {
    const Net& n = model.net;
    n.to_tensor(&image, &image + 1, input_);  // The tiled pyramid, 1 x 3 x NR x NC.
    net_.setInput(cv::Mat({1, 3, static_cast<int>(input_.nr()), static_cast<int>(input_.nc())},
                          CV_32F, input_.host()));
    const cv::Mat out = net_.forward();  // 1 x 1 x nr x nc scores.
    const int rows = out.size[2], cols = out.size[3];
    const dlib::mmod_options& options = n.loss_details().get_options();
    const auto& window = options.detector_windows[0];
    struct Hit {
      dlib::drectangle rect;
      double score;
    };
    std::vector<Hit> hits;
    const float* scores = out.ptr<float>();
    for (int r = 0; r < rows; ++r) {
      for (int c = 0; c < cols; ++c) {
        const double score = scores[r * cols + c];
        if (score <= threshold) continue;
        const dlib::dpoint p = dlib::output_tensor_to_input_tensor(n.subnet(), dlib::point(c, r));
        const dlib::drectangle rect = dlib::input_layer(n).tensor_space_to_image_space(
            input_, dlib::centered_drect(p, window.width, window.height));
        hits.push_back({rect, score});
      }
    }
    std::stable_sort(hits.begin(), hits.end(),
                     [](const Hit& a, const Hit& b) { return a.score > b.score; });
    std::vector<dlib::mmod_rect> kept;  // Non-maximum suppression, as dlib's.
    for (const Hit& hit : hits) {
      const dlib::rectangle rect = hit.rect;
      const bool overlaps = std::any_of(kept.begin(), kept.end(), [&](const dlib::mmod_rect& k) {
        return options.overlaps_nms(k.rect, rect);
      });
      if (!overlaps) kept.emplace_back(rect, hit.score, window.label);
    }
    return kept;
  }

 private:
  cv::dnn::Net net_;
  dlib::resizable_tensor input_;
};

// The net's RGB input from the search's grayscale image (R = G = B).
void GrayToRgb(const cv::Mat& gray, RgbImage& rgb) {
  rgb.set_size(gray.rows, gray.cols);
  for (int r = 0; r < gray.rows; ++r) {
    const unsigned char* in = gray.ptr<unsigned char>(r);
    for (int c = 0; c < gray.cols; ++c) rgb(r, c) = dlib::rgb_pixel(in[c], in[c], in[c]);
  }
}

class DlibMmodDetector : public Stage {
 public:
  explicit DlibMmodDetector(const DlibMmodOptions& options)
      : options_(options),
        search_(options_, kMmodMinFace),
        model_(SharedModel(DlibModelPath(kMmodModelFile))) {
    if (options_.dlib_forward) {
      dlib_net_ = std::make_unique<Net>(model_->net);
    } else {
      forward_ = std::make_unique<OpenCvForward>(*model_);
    }
  }

  void Open(StreamFormat& format) override { search_.Open(format); }

  void Process(FrameBatch& batch) override {
    // `band` is ignored: the input layer always builds the whole pyramid, and the levels a
    // band could skip (faces > 2x the window) are only ~1/6 of its pixels.
    search_.Process(batch, [this](const cv::Mat& gray, bool /*band*/) {
      if (gray.rows < 16 || gray.cols < 16) return std::vector<Face>{};  // Cannot hold a face.
      GrayToRgb(gray, rgb_);
      const std::vector<dlib::mmod_rect> found =
          dlib_net_ ? dlib_net_->process(rgb_, options_.threshold)
                    : forward_->Detect(*model_, rgb_, options_.threshold);
      return FacesFromDlib(found);
    });
  }

 private:
  DlibMmodOptions options_;
  FaceSearch search_;
  std::shared_ptr<const MmodModel> model_;
  std::unique_ptr<OpenCvForward> forward_;  // This worker's forward pass (default) ...
  std::unique_ptr<Net> dlib_net_;           // ... or its copy of dlib's net (forward mutates it).
  RgbImage rgb_;                            // Reused input buffer.
};

}  // namespace

void DlibMmodOptions::BindOwn(OptionBinder& binder) {
  binder.Add("mmod-dlib-forward", &dlib_forward,
             "detect/dlib-mmod: run dlib's own CPU forward pass (same faces, ~13x slower)");
}

StageInfo DlibMmodDetectorInfo() {
  return MakeStageInfo<DlibMmodDetector, DlibMmodOptions>(
      "detect/dlib-mmod",
      "dlib's CNN face detector: rolled/turned faces HOG misses, 2-7x slower; needs "
      "samples/fetch-models.sh",
      /*parallel=*/true);
}

}  // namespace faceswap
