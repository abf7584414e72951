#include "models/checkpoint.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

#include "base/check.h"
#include "base/pending_file.h"
#include "models/archive_check.h"

namespace faceswap {
namespace {

namespace fs = std::filesystem;

constexpr const char* kCheckpointExpected = "expected a file written by 'faceswap train'";

// Files inside a checkpoint's temporary folder: written and fsynced with base's checked writer
// (a full disk names the file and the reason, not the serialiser's generic message).
template <typename Value>
void SaveFile(const fs::path& path, const Value& value) {
  WriteStream(
      path.string(), [&](const ByteSink& sink) { torch::save(value, sink); },
      "'" + path.string() + "'", /*sync=*/true);
}

void WriteText(const fs::path& path, const std::string& text) {
  WriteBytes(path.string(), text.data(), text.size(), "'" + path.string() + "'", /*sync=*/true);
}

std::string CheckpointName(int64_t iteration) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "ckpt-%09lld", static_cast<long long>(iteration));
  return buf;
}

std::string ReadText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}

// Reads the LibTorch archive `path` into `target` (a module or an optimizer) after
// CheckArchiveCode; any exception of LibTorch's loaders (c10::Error, torch::jit::ErrorReport,
// std::out_of_range from the optimizer's, ...) becomes a one-line FatalError naming the file.
template <typename Target>
void LoadArchive(Target& target, const std::string& path, const torch::Device& device) {
  CheckArchiveCode(path, "checkpoint file", kCheckpointExpected);  // Before LibTorch compiles it.
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(path, device);
    target.load(archive);
  } catch (const std::exception& e) {
    throw FatalError("cannot load checkpoint file '" + path + "': " + kCheckpointExpected + " (" +
                     TorchErrorText(e) + ")");
  }
}

}  // namespace

bool AllFinite(torch::nn::Module& module) {
  torch::NoGradGuard no_grad;
  for (const auto& p : module.parameters()) {
    if (!torch::isfinite(p).all().item<bool>()) return false;
  }
  return true;
}

void SaveCheckpoint(const std::string& dir, ModelInfo& info, Autoencoder& model,
                    torch::optim::Optimizer* optimizer, const std::string& history_csv,
                    const SaveOptions& options) {
  if (!AllFinite(*model)) {
    throw NonFiniteError("model weights contain NaN/Inf at iteration " +
                         std::to_string(info.iteration) + "; not saved");
  }
  const fs::path root(dir);
  fs::create_directories(root);
  const std::string name = CheckpointName(info.iteration);
  const fs::path final_dir = root / name;
  // A killed earlier run's temporary folders and files (its process is gone).
  RemoveStaleTemps(root.string());
  const fs::path temp = CreateTempFolder(final_dir.string());
  // A failed save (full disk, I/O error) removes its temp folder: nothing partial is left and
  // model.json still names the previous, complete checkpoint.
  struct RemoveUnlessDone {
    fs::path path;
    bool done = false;
    ~RemoveUnlessDone() {
      std::error_code ec;
      if (!done) fs::remove_all(path, ec);
    }
  } temp_guard{temp};
  auto written = [&](const fs::path& file) {
    if (options.after_file) options.after_file(file.filename().string());
  };
  auto save = [&](const fs::path& file, const auto& value) {
    SaveFile(file, value);
    written(file);
  };
  save(temp / "encoder.pt", model->encoder);
  for (int i = 0; i < model->identities(); ++i) {
    save(temp / ("decoder" + std::to_string(i) + ".pt"), model->decoders[i]);
  }
  if (optimizer) save(temp / "optimizer.pt", *optimizer);
  WriteText(temp / "history.csv", history_csv);
  written(temp / "history.csv");
  SyncPath(temp.string());
  if (fs::exists(final_dir)) {
    // A re-save at the same iteration (e.g. the exit save right after a periodic one, or after
    // a rollback): model.json may name this folder, so swap old and new atomically instead of
    // removing first; a kill between the two steps would leave model.json pointing at nothing.
    if (renameat2(AT_FDCWD, temp.c_str(), AT_FDCWD, final_dir.c_str(), RENAME_EXCHANGE) == 0) {
      fs::remove_all(temp);  // Now the old one.
    } else if (errno == EINVAL || errno == ENOSYS) {
      // File systems without RENAME_EXCHANGE: the old, non-atomic way.
      temp_guard.done = true;  // From here the temp folder is the only copy.
      fs::remove_all(final_dir);
      fs::rename(temp, final_dir);
    } else {
      throw FatalError("cannot replace checkpoint '" + final_dir.string() + "': " +
                       std::strerror(errno));
    }
  } else {
    fs::rename(temp, final_dir);
  }
  temp_guard.done = true;
  SyncPath(root.string());

  ModelInfo next = info;
  next.checkpoint = name;
  PendingFile json((root / kModelFile).string());
  WriteText(json.temp_path(), next.ToJson());
  if (options.after_file) options.after_file(kModelFile);  // Before the rename.
  json.Commit(/*sync=*/false);  // WriteText synced it.
  SyncPath(root.string());
  info = next;

  // Rotation: keep the newest `keep` complete checkpoints.
  std::vector<fs::path> checkpoints;
  for (const auto& entry : fs::directory_iterator(root)) {
    const std::string n = entry.path().filename().string();
    if (entry.is_directory() && n.rfind("ckpt-", 0) == 0) checkpoints.push_back(entry.path());
  }
  std::sort(checkpoints.begin(), checkpoints.end());
  const size_t keep = static_cast<size_t>(std::max(1, options.keep));
  for (size_t i = 0; i + keep < checkpoints.size(); ++i) {
    if (checkpoints[i].filename() != name) fs::remove_all(checkpoints[i]);
  }
}

std::string LoadCheckpoint(const std::string& dir, const ModelInfo& info, Autoencoder& model,
                           torch::optim::Optimizer* optimizer, const torch::Device& device) {
  if (info.architecture != model->spec().name ||
      static_cast<int>(info.identities.size()) != model->identities()) {
    throw FatalError("model in '" + dir + "' is a '" + info.architecture + "' model with " +
                     std::to_string(info.identities.size()) + " identities; expected '" +
                     model->spec().name + "' with " + std::to_string(model->identities()));
  }
  const fs::path folder = fs::path(dir) / info.checkpoint;
  LoadModuleFile(*model->encoder, (folder / "encoder.pt").string(), device);
  for (int i = 0; i < model->identities(); ++i) {
    LoadModuleFile(*model->decoders[i], (folder / ("decoder" + std::to_string(i) + ".pt")).string(),
                   device);
  }
  if (optimizer && fs::exists(folder / "optimizer.pt")) {
    LoadOptimizerFile(*optimizer, (folder / "optimizer.pt").string(), device);
  }
  return ReadText(folder / "history.csv");
}

void LoadModuleFile(torch::nn::Module& module, const std::string& path,
                    const torch::Device& device) {
  // Module::load swaps in the stored tensors whatever their shape: compare afterwards, so
  // weights of another architecture fail here, naming the file, not later inside a layer.
  std::vector<std::pair<std::string, std::vector<int64_t>>> shapes;
  for (const auto& p : module.named_parameters()) {
    shapes.emplace_back(p.key(), p.value().sizes().vec());
  }
  for (const auto& b : module.named_buffers()) shapes.emplace_back(b.key(), b.value().sizes().vec());
  LoadArchive(module, path, device);
  const auto params = module.named_parameters();
  const auto buffers = module.named_buffers();
  for (const auto& [name, expected] : shapes) {
    const torch::Tensor* t = params.find(name);
    if (!t) t = buffers.find(name);
    if (t && t->sizes().vec() != expected) {
      throw FatalError("cannot load checkpoint file '" + path + "': '" + name + "' has shape " +
                       c10::str(t->sizes()) + ", expected " + c10::str(c10::IntArrayRef(expected)) +
                       " (weights of another architecture than model.json names?)");
    }
  }
}

void LoadOptimizerFile(torch::optim::Optimizer& optimizer, const std::string& path,
                       const torch::Device& device) {
  LoadArchive(optimizer, path, device);
  // Adam's load takes the stored moments whatever their shape; FusedAdam's step would then
  // run past them (found by tests/fuzz/checkpoint_fuzz). Each must match its parameter.
  for (auto& group : optimizer.param_groups()) {
    for (const auto& p : group.params()) {
      const auto it = optimizer.state().find(c10::guts::to_string(p.unsafeGetTensorImpl()));
      if (it == optimizer.state().end()) continue;
      const auto* adam = dynamic_cast<const torch::optim::AdamParamState*>(it->second.get());
      if (!adam) continue;
      for (const torch::Tensor& t : {adam->exp_avg(), adam->exp_avg_sq()}) {
        if (!t.defined() || t.sizes() != p.sizes() || t.dtype() != p.dtype() ||
            t.device() != p.device()) {
          throw FatalError("cannot load checkpoint file '" + path + "': an Adam moment is " +
                           (t.defined() ? c10::str(t.sizes(), " ", t.dtype()) : "missing") +
                           " for a parameter " + c10::str(p.sizes(), " ", p.dtype()));
        }
      }
    }
  }
}

}  // namespace faceswap
