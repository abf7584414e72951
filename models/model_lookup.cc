// What convert looks up in a model folder: its hash (for manifests) and the identities a
// swap goes between.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "base/check.h"
#include "models/model_config.h"

namespace faceswap {
namespace fs = std::filesystem;

// 64-bit FNV-1a over model.json and the checkpoint's files (names and bytes, sorted): ties a
// manifest to the exact weights used.
std::string HashModel(const std::string& dir, const ModelInfo& info) {
  uint64_t h = 1469598103934665603ull;
  auto feed = [&h](const char* p, size_t n) {
    for (size_t i = 0; i < n; ++i) h = (h ^ static_cast<unsigned char>(p[i])) * 1099511628211ull;
  };
  std::vector<fs::path> files{fs::path(dir) / kModelFile};
  const fs::path ckpt = fs::path(dir) / info.checkpoint;
  if (!info.checkpoint.empty() && fs::is_directory(ckpt)) {
    for (const auto& e : fs::directory_iterator(ckpt)) files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  std::vector<char> buf(1 << 16);
  for (const auto& f : files) {
    const std::string name = f.filename().string();
    feed(name.data(), name.size());
    std::ifstream in(f, std::ios::binary);
    while (in.read(buf.data(), static_cast<std::streamsize>(buf.size())) || in.gcount() > 0) {
      feed(buf.data(), static_cast<size_t>(in.gcount()));
    }
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return hex;
}

void ResolveIdentities(const ModelInfo& info, const std::string& model, std::string& from,
                       std::string& to) {
  const std::string list = Join(info.identities);
  auto has = [&](const std::string& id) {
    return std::find(info.identities.begin(), info.identities.end(), id) !=
           info.identities.end();
  };
  if (from.empty()) from = info.identities.at(0);
  auto unknown = [&](const char* option, const std::string& id) {
    return FatalError("unknown identity '" + id + "' for option '" + option + "': model '" + model +
                      "' has identities " + list);
  };
  if (!has(from)) throw unknown("--from", from);
  if (to.empty()) {
    for (const auto& id : info.identities) {
      if (id != from) {
        to = id;
        break;
      }
    }
  }
  if (!has(to)) throw unknown("--to", to);
  if (to == from) throw FatalError("--from and --to are both " + to + ": nothing to swap");
}

}  // namespace faceswap
