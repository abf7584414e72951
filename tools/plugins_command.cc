// `faceswap plugins [KIND]`: every registered plugin with its description and options (flag
// names and defaults), read from the registry, so the list is never out of date.
//
//   faceswap plugins             all kinds
//   faceswap plugins detect      the detectors and their flags
//   faceswap plugins --markdown  the README's plugin table (a test keeps the README's equal)
#include <cstdio>
#include <memory>
#include <set>
#include <string>

#include "base/check.h"
#include "pipeline/option_values.h"
#include "tools/command.h"

namespace faceswap {
namespace {

// The registered names of `kind` ("" = all); throws naming the kinds when there are none.
std::vector<std::string> NamesOfKind(const StageRegistry& registry, const std::string& kind) {
  std::vector<std::string> names = registry.Names(kind);
  if (names.empty()) {
    std::set<std::string> kinds;
    for (const auto& n : registry.Names()) kinds.insert(n.substr(0, n.find('/')));
    throw FatalError("unknown plugin kind '" + kind + "': choose from " +
                     Join({kinds.begin(), kinds.end()}));
  }
  return names;
}

// Markdown table cell text: '|' would end the cell, '*' and '_' start emphasis ("L*a*b*"),
// '<' a tag ("<source>_<frame>").
std::string Cell(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '<') {
      out += "&lt;";
    } else if (c == '>') {
      out += "&gt;";
    } else {
      if (c == '|' || c == '*' || c == '_') out += '\\';
      out += c;
    }
  }
  return out;
}

int MarkdownTable(const StageRegistry& registry, const std::string& kind) {
  std::printf("| plugin | what it does | its options (default) |\n|---|---|---|\n");
  for (const auto& name : NamesOfKind(registry, kind)) {
    const StageInfo& info = registry.Get(name);
    std::string flags;
    auto options = info.default_options();
    for (const auto& [option, value] : OptionValues(*options)) {
      flags += (flags.empty() ? "" : ", ") + std::string("`--") + option + "` (" +
               (value.empty() ? "\"\"" : value) + ")";
    }
    std::printf("| `%s` | %s | %s |\n", name.c_str(), Cell(info.description).c_str(),
                Cell(flags).c_str());
  }
  return 0;
}

int ListPlugins(const StageRegistry& registry, const std::string& kind) {
  const std::vector<std::string> names = NamesOfKind(registry, kind);
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
    auto markdown = std::make_shared<bool>(false);
    sub.add_option("kind", *kind, "Only this kind (detect, align, mask, color, ...)");
    sub.add_flag("--markdown", *markdown,
                 "One Markdown table (plugin, description, options with defaults), as in the "
                 "README");
    return [&context, kind, markdown] {
      return *markdown ? MarkdownTable(context.registry, *kind)
                       : ListPlugins(context.registry, *kind);
    };
  };
}

}  // namespace faceswap
