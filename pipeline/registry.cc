#include <algorithm>
#include <filesystem>
#include <stdexcept>

#include "base/check.h"
#include "pipeline/stage.h"

namespace faceswap {

std::string StreamFormat::SourceName() const {
  const std::filesystem::path in(path);  // "faces/" names the folder, not "".
  return (in.has_filename() ? in : in.parent_path()).stem().string();
}

void StageRegistry::Add(StageInfo info) {
  if (info.name.find('/') == std::string::npos) {
    throw std::logic_error("stage name '" + info.name + "' is not of the form <kind>/<name>");
  }
  if (Has(info.name)) throw std::logic_error("stage '" + info.name + "' registered twice");
  stages_.push_back(std::move(info));
}

bool StageRegistry::Has(const std::string& name) const {
  return std::any_of(stages_.begin(), stages_.end(),
                     [&](const StageInfo& s) { return s.name == name; });
}

const StageInfo& StageRegistry::Get(const std::string& name) const {
  for (const auto& s : stages_) {
    if (s.name == name) return s;
  }
  const std::string kind = name.substr(0, name.find('/'));
  throw FatalError("unknown plugin '" + name + "': choose from " +
                   Join(Names(Names(kind).empty() ? "" : kind)));
}

std::vector<std::string> StageRegistry::Names(const std::string& kind) const {
  std::vector<std::string> names;
  for (const auto& s : stages_) {
    if (kind.empty() || s.name.compare(0, kind.size() + 1, kind + "/") == 0) {
      names.push_back(s.name);
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace faceswap
