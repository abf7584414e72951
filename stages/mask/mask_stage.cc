#include "stages/mask/mask_stage.h"

#include "pipeline/check.h"

namespace faceswap {
namespace {

struct MaskOptions : StageOptions {
  MaskRefineOptions refine;
  std::string feather_type = "gaussian";  // gaussian or box.
  void Bind(OptionBinder& b) override {
    b.Add("erosion", &refine.erosion,
          "Erode the mask by this fraction of the face size (negative dilates)");
    b.Add("feather", &refine.feather, "Feather (blur) width as a fraction of the face size");
    b.Add("feather-type", &feather_type, "Feathering kernel: gaussian or box");
  }
  std::string Check() const override {
    return OptionCheck()
        .Range("erosion", refine.erosion, -0.3, 0.3)
        .Range("feather", refine.feather, 0.0, 0.5)
        .OneOf("feather-type", feather_type, {"gaussian", "box"})
        .Error();
  }
};

class LandmarkMaskStage : public Stage {
 public:
  LandmarkMaskStage(MaskShape shape, const MaskOptions& o) : shape_(shape), refine_(o.refine) {
    refine_.gaussian = o.feather_type == "gaussian";
  }
  void Process(FrameBatch& batch) override {
    for (auto& frame : batch.frames) {
      if (frame.passthrough) continue;
      for (auto& face : frame.faces) {
        if (face.swapped.empty() || face.landmarks.size() != 68) continue;
        face.mask = LandmarkMask(shape_, TransformPoints(face.landmarks, face.frame_to_swapped),
                                 face.swapped.size());
        RefineMask(face.mask, refine_);
      }
    }
  }

 private:
  MaskShape shape_;
  MaskRefineOptions refine_;
};

// mask/predicted: the model's own mask (decoders with a mask branch), eroded and feathered.
class PredictedMaskStage : public Stage {
 public:
  explicit PredictedMaskStage(const MaskOptions& o) : refine_(o.refine) {
    refine_.gaussian = o.feather_type == "gaussian";
  }
  void Process(FrameBatch& batch) override {
    for (auto& frame : batch.frames) {
      for (auto& face : frame.faces) {
        if (frame.passthrough || face.swapped.empty()) continue;
        if (face.mask.empty()) {
          throw FatalError("mask/predicted: the model has no mask branch (train with --mask); "
                           "use mask/hull or mask/components");
        }
        RefineMask(face.mask, refine_);
      }
    }
  }

 private:
  MaskRefineOptions refine_;
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
