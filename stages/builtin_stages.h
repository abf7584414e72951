#pragma once

#include "pipeline/stage.h"

namespace faceswap {

// The single place that names every plugin. `faceswap <command> --help` lists choices from it.
void RegisterBuiltinStages(StageRegistry& registry);

}  // namespace faceswap
