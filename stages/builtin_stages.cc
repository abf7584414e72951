// The single registration list: every plugin is named here and nowhere else.
// Kinds: source, detect, align, mask, color, blend, sharpen, writer.
#include "stages/builtin_stages.h"

#include "stages/align/dlib_landmarks68.h"
#include "stages/blend/blend_stage.h"
#include "stages/color/color_stage.h"
#include "stages/detect/dlib_hog.h"
#include "stages/detect/dlib_mmod.h"
#include "stages/detect/from_alignments.h"
#include "stages/detect/opencv_haar.h"
#include "stages/filter/face_filter.h"
#include "stages/mask/mask_stage.h"
#include "stages/sharpen/sharpen_stage.h"
#include "stages/smooth/landmark_smoothing.h"
#include "stages/swap/autoencoder_swap.h"
#include "stages/writer/face_writer.h"
#include "stages/writer/images.h"
#include "stages/writer/video.h"

namespace faceswap {

void RegisterBuiltinStages(StageRegistry& registry) {
  // detect: face boxes.
  registry.Add(DlibHogDetectorInfo());
  registry.Add(DlibMmodDetectorInfo());
  registry.Add(OpenCvHaarDetectorInfo());
  registry.Add(FromAlignmentsInfo());
  // align: 68 landmarks, alignment matrix and aligned crop.
  registry.Add(DlibLandmarks68Info());
  registry.Add(FaceFilterInfo());
  // smooth: temporal filtering of landmarks before alignment (convert).
  registry.Add(LandmarkSmoothingStageInfo());
  // swap: encode with the shared encoder, decode as the target identity.
  registry.Add(AutoencoderSwapInfo());
  // mask: where the generated face replaces the frame (swap space, [0,1]).
  registry.Add(LandmarkMaskStageInfo(MaskShape::kHull,
                                     "Landmark convex hull, forehead extended (default)"));
  registry.Add(LandmarkMaskStageInfo(MaskShape::kComponents,
                                     "Union of jaw/brow/nose/mouth part hulls"));
  registry.Add(PredictedMaskStageInfo("The model's predicted mask (needs a mask branch)"));
  // color: match the generated face to the frame.
  registry.Add(ColorStageInfo(ColorMethod::kNone, "Keep the decoder's colours"));
  registry.Add(ColorStageInfo(ColorMethod::kAverage, "Shift mean colour to the frame's (default)"));
  registry.Add(ColorStageInfo(ColorMethod::kReinhard, "Mean/std transfer in L*a*b* (Reinhard)"));
  registry.Add(ColorStageInfo(ColorMethod::kHistogram, "Per-channel histogram matching"));
  // sharpen: before blending.
  registry.Add(SharpenStageInfo(false, "No sharpening (default)"));
  registry.Add(SharpenStageInfo(true, "Unsharp mask"));
  // blend: paste back into the frame.
  registry.Add(BlendStageInfo(BlendMethod::kAlpha, "Feathered alpha blend (default)"));
  registry.Add(BlendStageInfo(BlendMethod::kSeamless, "Poisson blending (cv::seamlessClone)"));
  // writer: sinks.
  registry.Add(FaceWriterInfo());
  registry.Add(ImageWriterStageInfo());
  registry.Add(VideoWriterStageInfo());
}

}  // namespace faceswap
