#include "models/checkpoint.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "pipeline/check.h"  // FatalError (header-only part).

namespace faceswap {
namespace {

namespace fs = std::filesystem;

void Fsync(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) throw FatalError("cannot open '" + path.string() + "' to sync it");
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) throw FatalError("cannot sync '" + path.string() + "' to disk");
}

void WriteText(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) throw FatalError("cannot write '" + path.string() + "'");
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
  fs::create_directories(temp);
  auto written = [&](const fs::path& file) {
    Fsync(file);
    if (options.after_file) options.after_file(file.filename().string());
  };
  torch::save(model->encoder, (temp / "encoder.pt").string());
  written(temp / "encoder.pt");
  for (int i = 0; i < model->identities(); ++i) {
    const fs::path file = temp / ("decoder" + std::to_string(i) + ".pt");
    torch::save(model->decoders[i], file.string());
    written(file);
  }
  if (optimizer) {
    torch::save(*optimizer, (temp / "optimizer.pt").string());
    written(temp / "optimizer.pt");
  }
  WriteText(temp / "history.csv", history_csv);
  written(temp / "history.csv");
  Fsync(temp);
  const fs::path final_dir = root / name;
  fs::remove_all(final_dir);  // A re-save at the same iteration (e.g. after a rollback).
  fs::rename(temp, final_dir);
  Fsync(root);

  ModelInfo next = info;
  next.checkpoint = name;
  const fs::path json_temp = root / "model.json.tmp";
  WriteText(json_temp, next.ToJson());
  Fsync(json_temp);
  if (options.after_file) options.after_file("model.json.tmp");
  fs::rename(json_temp, root / kModelFile);
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
  try {
    torch::load(model->encoder, (folder / "encoder.pt").string(), device);
    for (int i = 0; i < model->identities(); ++i) {
      torch::load(model->decoders[i], (folder / ("decoder" + std::to_string(i) + ".pt")).string(),
                  device);
    }
    if (optimizer && fs::exists(folder / "optimizer.pt")) {
      torch::load(*optimizer, (folder / "optimizer.pt").string(), device);
    }
  } catch (const c10::Error& e) {
    throw FatalError("cannot load checkpoint '" + folder.string() +
                     "': " + std::string(e.what_without_backtrace()).substr(0, 200));
  }
  return ReadText(folder / "history.csv");
}

}  // namespace faceswap
