// The option objects of the plugins a command may use, one per registered stage, bound to
// the command line (or a config file) before the command knows which plugin is chosen.
//
//   PluginOptions plugins(registry);
//   plugins.BindKind("detect", detect_binder);  // every detector: one --threshold for all
//   plugins.Bind("writer/faces", writer_binder);
//   ... parse ...
//   builder.Add(options.detector, plugins.Get(options.detector));
//
// Plugins of one kind share one binder, so an option every detector declares becomes one
// flag that reaches whichever detector runs; the same name in two kinds is a conflict the
// binder reports when the command is set up.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "pipeline/stage.h"

namespace faceswap {

class PluginOptions {
 public:
  explicit PluginOptions(const StageRegistry& registry) : registry_(registry) {}
  // Creates the default options of every registered stage of `kind` and binds them.
  void BindKind(const std::string& kind, OptionBinder& binder);
  // Creates the default options of stage `name` and binds them.
  void Bind(const std::string& name, OptionBinder& binder);
  // The options of stage `name`: the bound object, or (first call) a new default one.
  // Throws FatalError naming the choices when no such stage is registered.
  std::shared_ptr<StageOptions> Get(const std::string& name);
  // Every option of stage `name` as text ({name, value}), for manifests.
  std::vector<std::pair<std::string, std::string>> Values(const std::string& name);

 private:
  const StageRegistry& registry_;
  std::map<std::string, std::shared_ptr<StageOptions>> options_;
};

}  // namespace faceswap
