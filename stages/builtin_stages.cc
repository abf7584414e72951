// The single registration list: every plugin is named here and nowhere else.
// Kinds: source, detect, align, mask, color, blend, sharpen, writer.
#include "stages/builtin_stages.h"

#include "stages/writer/images.h"
#include "stages/writer/video.h"

namespace faceswap {

void RegisterBuiltinStages(StageRegistry& registry) {
  (void)registry;
  registry.Add(ImageWriterStageInfo());
  registry.Add(VideoWriterStageInfo());
}

}  // namespace faceswap
