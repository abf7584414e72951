// Commands whose implementation has not landed yet. Each declares its input/output options
// so --help and usage errors work; running it fails with a clear message (exit 1).
// Remove an entry here when its real <name>_command.cc lands.
#include "pipeline/check.h"
#include "tools/command.h"

namespace faceswap {
namespace {

CommandSetup Pending(const std::string& name) {
  return [name](CLI::App& sub, AppContext&) -> CommandRun {
    auto input = std::make_shared<std::string>();
    auto output = std::make_shared<std::string>();
    sub.add_option("-i,--input", *input, "Input video or folder")->required();
    sub.add_option("-o,--output", *output, "Output path")->required();
    return [name, input, output] {  // CLI11 writes into these while parsing.
      throw FatalError("'faceswap " + name + "' is not available in this build yet");
      return 1;
    };
  };
}

}  // namespace

CommandSetup ExtractCommand() { return Pending("extract"); }
CommandSetup ConvertCommand() { return Pending("convert"); }

}  // namespace faceswap
