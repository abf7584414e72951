// `faceswap plugins [KIND]`: every registered plugin with its description and options (flag
// names and defaults), read from the registry, so the list is never out of date.
//
//   faceswap plugins           all kinds
//   faceswap plugins detect    the detectors and their flags
#include <cstdio>
#include <memory>
#include <set>
#include <string>

#include "base/check.h"
#include "pipeline/option_values.h"
#include "tools/command.h"

namespace faceswap {
namespace {

int ListPlugins(const StageRegistry& registry, const std::string& kind) {
  const std::vector<std::string> names = registry.Names(kind);
  if (names.empty()) {
    std::set<std::string> kinds;
    for (const auto& n : registry.Names()) kinds.insert(n.substr(0, n.find('/')));
    throw FatalError("unknown plugin kind '" + kind + "': choose from " +
                     Join({kinds.begin(), kinds.end()}));
  }
  std::string last_kind;
  for (const auto& name : names) {
    const StageInfo& info = registry.Get(name);
    const std::string k = name.substr(0, name.find('/'));
    if (k != last_kind) std::printf("%s%s:\n", last_kind.empty() ? "" : "\n", k.c_str());
    last_kind = k;
    std::printf("  %-22s %s\n", name.c_str(), info.description.c_str());
    auto options = info.default_options();
    for (const auto& [option, value] : OptionValues(*options)) {
      std::printf("  %-22s   --%s (default: %s)\n", "", option.c_str(),
                  value.empty() ? "\"\"" : value.c_str());
    }
  }
  return 0;
}

}  // namespace

CommandSetup PluginsCommand() {
  return [](CLI::App& sub, AppContext& context) -> CommandRun {
    auto kind = std::make_shared<std::string>();
    sub.add_option("kind", *kind, "Only this kind (detect, align, mask, color, ...)");
    return [&context, kind] { return ListPlugins(context.registry, *kind); };
  };
}

}  // namespace faceswap
