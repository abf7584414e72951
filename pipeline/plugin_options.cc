#include "pipeline/plugin_options.h"

#include "pipeline/option_values.h"

namespace faceswap {

void PluginOptions::BindKind(const std::string& kind, OptionBinder& binder) {
  for (const auto& name : registry_.Names(kind)) Bind(name, binder);
}

void PluginOptions::Bind(const std::string& name, OptionBinder& binder) {
  Get(name)->Bind(binder);
}

std::shared_ptr<StageOptions> PluginOptions::Get(const std::string& name) {
  auto it = options_.find(name);
  if (it == options_.end()) {
    it = options_.emplace(name, std::shared_ptr<StageOptions>(registry_.Get(name).default_options()))
             .first;
  }
  return it->second;
}

std::vector<std::pair<std::string, std::string>> PluginOptions::Values(const std::string& name) {
  return OptionValues(*Get(name));
}

}  // namespace faceswap
