// The model folder: model.json plus rotated checkpoint sub-folders of LibTorch archives.
//
//   <dir>/model.json                    ModelInfo; "checkpoint" names the newest complete one
//   <dir>/ckpt-000001200/encoder.pt     shared encoder
//   <dir>/ckpt-000001200/decoder0.pt    one per identity (model.json's order)
//   <dir>/ckpt-000001200/optimizer.pt   Adam state
//   <dir>/ckpt-000001200/history.csv    loss curve so far
//
// A save writes a new sub-folder under a temp name, fsyncs every file, renames it, then
// replaces model.json the same way (temp, fsync, rename). A kill at any moment leaves
// model.json pointing at a complete checkpoint. Includes <torch/torch.h>.
#pragma once

#include <functional>
#include <string>

#include "models/autoencoder.h"
#include "models/model_config.h"

namespace faceswap {

// Thrown by SaveCheckpoint when a parameter is NaN/Inf: nothing was written.
class NonFiniteError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};


struct SaveOptions {
  int keep = 3;  // Complete checkpoints kept (oldest deleted).
  // Test hook: called after each file is written (with its name; "model.json" when its
  // temporary file is written, before the rename); a throw simulates a crash mid-save.
  std::function<void(const std::string& file)> after_file;
};

// Saves model (+ optimizer when given) as checkpoint `info.iteration`, then updates
// info.checkpoint and model.json. Throws NonFiniteError before writing anything when a
// parameter is not finite.
void SaveCheckpoint(const std::string& dir, ModelInfo& info, Autoencoder& model,
                    torch::optim::Optimizer* optimizer, const std::string& history_csv,
                    const SaveOptions& options = {});

// Loads the checkpoint model.json names into `model` (and `optimizer` when given) on `device`;
// returns the history CSV text. Throws FatalError when the architecture differs.
std::string LoadCheckpoint(const std::string& dir, const ModelInfo& info, Autoencoder& model,
                           torch::optim::Optimizer* optimizer, const torch::Device& device);

// One file of a checkpoint, as LoadCheckpoint reads encoder.pt, decoder<i>.pt and
// optimizer.pt: throws FatalError naming `path` when it is not a LibTorch archive holding the
// state of `module` / `optimizer` (exposed for tests and tests/fuzz).
void LoadModuleFile(torch::nn::Module& module, const std::string& path,
                    const torch::Device& device);
void LoadOptimizerFile(torch::optim::Optimizer& optimizer, const std::string& path,
                       const torch::Device& device);

// True when every parameter is finite.
bool AllFinite(torch::nn::Module& module);

}  // namespace faceswap
