// The single registration list: every plugin is named here and nowhere else.
// Kinds: source, detect, align, mask, color, blend, sharpen, writer.
#include "stages/builtin_stages.h"

namespace faceswap {

void RegisterBuiltinStages(StageRegistry& registry) {
  (void)registry;
}

}  // namespace faceswap
