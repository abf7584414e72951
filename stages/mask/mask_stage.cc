#include "stages/mask/mask_stage.h"

#include "base/check.h"

namespace faceswap {
namespace {

struct MaskOptions : StageOptions {
  MaskRefineOptions refine;
  std::string feather_type = "gaussian";  // gaussian or box.
  // CropFade width (landmark_mask.h); 0 = the crop's square edge. Off by default: measured
  // with `faceswap score` on the demo pair it moved identity toward the source (d_target
  // 0.406 -> 0.506 at 0.2) without lowering the seam ratio (1.107 -> 1.108).
  double crop_fade = 0.0;
  // mask/hull and mask/components only: where the decoder predicted a mask (a model trained
  // with --mask), keep only what both cover. The hull of the source face can reach past the
  // face the target's decoder renders (a wider face, a turned head): there the decoder paints
  // its training background, and pasting it made a coloured streak along the cheek.
  bool model_mask = true;
  void Bind(OptionBinder& b) override {
    b.Add("erosion", &refine.erosion,
          "Erode the mask by this fraction of the face size (negative dilates)");
    b.Add("feather", &refine.feather, "Feather (blur) width as a fraction of the face size");
    b.Add("feather-type", &feather_type, "Feathering kernel: gaussian or box");
    b.Add("crop-fade", &crop_fade,
          "Where the mask reaches past the face the model renders, cut it along a rounded "
          "square and fade it over this fraction of the crop's half-size (0 = the crop's edge; "
          "try 0.2 for a square-looking patch)");
    b.Add("model-mask", &model_mask,
          "mask/hull, mask/components: with a model trained with --mask, keep only the part "
          "of the landmark mask that the decoder's predicted mask also covers");
  }
  std::string Check() const override {
    return OptionCheck()
        .Range("erosion", refine.erosion, -0.3, 0.3)
        .Range("feather", refine.feather, 0.0, 0.5)
        .OneOf("feather-type", feather_type, {"gaussian", "box"})
        .Range("crop-fade", crop_fade, 0.0, 1.0)
        .Error();
  }
};

// Limits a mask in swap space to CropFade (cached: every face of a run has one of a few sizes).
class CropClip {
 public:
  explicit CropClip(double fade) : fade_(fade) {}
  void Apply(cv::Mat& mask) {
    if (fade_ <= 0) return;
    if (fade_mask_.size() != mask.size()) fade_mask_ = CropFade(mask.size(), fade_);
    cv::min(mask, fade_mask_, mask);
  }

 private:
  double fade_;
  cv::Mat fade_mask_;
};

class LandmarkMaskStage : public SwappedFaceStage {
 public:
  LandmarkMaskStage(MaskShape shape, const MaskOptions& o)
      : shape_(shape), refine_(o.refine), clip_(o.crop_fade), model_mask_(o.model_mask) {
    refine_.gaussian = o.feather_type == "gaussian";
  }

 protected:
  bool Wants(const Face& face) const override {
    return SwappedFaceStage::Wants(face) && face.landmarks.size() == 68;
  }
  void ProcessFace(Frame&, Face& face, int) override {
    cv::Mat mask = LandmarkMask(shape_, TransformPoints(face.landmarks, face.frame_to_swapped),
                                face.swapped.size());
    // Intersect before feathering, so the feather also softens the predicted edge.
    if (model_mask_ && face.mask.size() == mask.size()) cv::min(mask, face.mask, mask);
    RefineMask(mask, refine_);
    clip_.Apply(mask);
    face.mask = mask;
  }

 private:
  MaskShape shape_;
  MaskRefineOptions refine_;
  CropClip clip_;
  bool model_mask_;
};

// mask/predicted: the model's own mask (decoders with a mask branch), eroded and feathered.
class PredictedMaskStage : public SwappedFaceStage {
 public:
  explicit PredictedMaskStage(const MaskOptions& o) : refine_(o.refine), clip_(o.crop_fade) {
    refine_.gaussian = o.feather_type == "gaussian";
  }

 protected:
  void ProcessFace(Frame&, Face& face, int) override {
    if (face.mask.empty()) {
      throw FatalError(
          "mask/predicted: the model has no mask branch (train with --mask); "
          "use mask/hull or mask/components");
    }
    RefineMask(face.mask, refine_);
    clip_.Apply(face.mask);
  }

 private:
  MaskRefineOptions refine_;
  CropClip clip_;
};

}  // namespace

StageInfo PredictedMaskStageInfo(const std::string& description) {
  return MakeStageInfo<PredictedMaskStage, MaskOptions>("mask/predicted", description, true);
}

StageInfo LandmarkMaskStageInfo(MaskShape shape, const std::string& description) {
  StageInfo info;
  info.name = shape == MaskShape::kHull ? "mask/hull" : "mask/components";
  info.description = description;
  info.parallel = true;
  info.default_options = [] { return std::make_unique<MaskOptions>(); };
  info.create = [shape](const StageOptions& o) -> std::unique_ptr<Stage> {
    return std::make_unique<LandmarkMaskStage>(shape, dynamic_cast<const MaskOptions&>(o));
  };
  return info;
}

}  // namespace faceswap
