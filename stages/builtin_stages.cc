// The single registration list: every plugin is named here and nowhere else.
// Kinds: source, detect, align, mask, color, blend, sharpen, writer.
#include "stages/builtin_stages.h"

#include "stages/align/dlib_landmarks68.h"
#include "stages/detect/dlib_hog.h"
#include "stages/detect/opencv_haar.h"
#include "stages/writer/face_writer.h"
#include "stages/writer/images.h"
#include "stages/writer/video.h"

namespace faceswap {

void RegisterBuiltinStages(StageRegistry& registry) {
  (void)registry;
  registry.Add(DlibHogDetectorInfo());
  registry.Add(OpenCvHaarDetectorInfo());
  registry.Add(DlibLandmarks68Info());
  registry.Add(FaceWriterInfo());
  registry.Add(ImageWriterStageInfo());
  registry.Add(VideoWriterStageInfo());
}

}  // namespace faceswap
