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

#include "models/archive_check.h"
#include "pipeline/check.h"  // FatalError (header-only part).

namespace faceswap {
namespace {

namespace fs = std::filesystem;

constexpr const char* kCheckpointExpected = "expected a file written by 'faceswap train'";

void Fsync(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) {
    throw FatalError("cannot open '" + path.string() + "' to sync it: " + std::strerror(errno));
  }
  const int rc = ::fsync(fd);
  const int error = errno;
  ::close(fd);
  if (rc != 0) {
    throw FatalError("cannot sync '" + path.string() + "' to disk: " + std::strerror(error));
  }
}

using ByteWriter = std::function<size_t(const void*, size_t)>;

// Creates `path` and lets `save` write it through a ByteWriter of plain write(2) calls, then
// fsyncs and closes it. A failed write, sync or close (a full disk) throws FatalError naming
// the path and the system's reason, not the serialiser's generic "file write failed". After
// a failed write the ByteWriter still reports every byte as written: LibTorch's zip writer
// throws from its destructor on a short write, which would abort the process.
void WriteChecked(const fs::path& path, const std::function<void(const ByteWriter&)>& save) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw FatalError("cannot write '" + path.string() + "': " + std::strerror(errno));
  int error = 0;
  const ByteWriter writer = [&](const void* data, size_t size) -> size_t {
    static const char kZeros[4096] = {};
    size_t done = 0;
    while (error == 0 && done < size) {
      const char* from = data ? static_cast<const char*>(data) + done : kZeros;
      const size_t chunk = data ? size - done : std::min(size - done, sizeof kZeros);
      const ssize_t n = ::write(fd, from, chunk);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        error = n < 0 ? errno : EIO;
      } else {
        done += static_cast<size_t>(n);
      }
    }
    return size;
  };
  std::exception_ptr failure;
  try {
    save(writer);
  } catch (...) {
    failure = std::current_exception();
  }
  if (!failure && error == 0 && ::fsync(fd) != 0) error = errno;
  if (::close(fd) != 0 && error == 0) error = errno;
  if (error != 0) throw FatalError("cannot write '" + path.string() + "': " + std::strerror(error));
  if (failure) std::rethrow_exception(failure);
}

void WriteText(const fs::path& path, const std::string& text) {
  WriteChecked(path, [&](const ByteWriter& write) { write(text.data(), text.size()); });
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
  const fs::path temp = root / (name + ".tmp");
  fs::remove_all(temp);
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
  fs::create_directories(temp);
  auto written = [&](const fs::path& file) {
    if (options.after_file) options.after_file(file.filename().string());
  };
  // The file is fsynced by WriteChecked.
  auto save = [&](const fs::path& file, const auto& value) {
    WriteChecked(file, [&](const ByteWriter& write) { torch::save(value, write); });
    written(file);
  };
  save(temp / "encoder.pt", model->encoder);
  for (int i = 0; i < model->identities(); ++i) {
    save(temp / ("decoder" + std::to_string(i) + ".pt"), model->decoders[i]);
  }
  if (optimizer) save(temp / "optimizer.pt", *optimizer);
  WriteText(temp / "history.csv", history_csv);
  written(temp / "history.csv");
  Fsync(temp);
  const fs::path final_dir = root / name;
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
  Fsync(root);

  ModelInfo next = info;
  next.checkpoint = name;
  const fs::path json_temp = root / "model.json.tmp";
  RemoveUnlessDone json_guard{json_temp};
  WriteText(json_temp, next.ToJson());
  if (options.after_file) options.after_file("model.json.tmp");
  fs::rename(json_temp, root / kModelFile);
  json_guard.done = true;
  Fsync(root);
  info = next;

  // Rotation: keep the newest `keep` complete checkpoints; clear stale temp folders.
  std::vector<fs::path> checkpoints;
  for (const auto& entry : fs::directory_iterator(root)) {
    const std::string n = entry.path().filename().string();
    if (!entry.is_directory() || n.rfind("ckpt-", 0) != 0) continue;
    if (n.size() > 4 && n.compare(n.size() - 4, 4, ".tmp") == 0) {
      fs::remove_all(entry.path());
    } else {
      checkpoints.push_back(entry.path());
    }
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
