// The `faceswap` command table: each subcommand registers its options on a CLI11
// sub-app and returns the function that runs it once parsing succeeded.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "pipeline/progress.h"
#include "pipeline/stage.h"

namespace faceswap {

// Global options, filled by CLI11 before any command runs.
struct AppContext {
  int verbosity = 0;      // -v: +1 (debug), -q: -1 (warnings and errors only, no progress)
  int threads = 0;        // --threads: 0 = all cores
  ProgressMode progress = ProgressMode::kAuto;
  StageRegistry registry; // Filled by RegisterBuiltinStages.
};

// Returns an exit code: 0 success, 1 runtime failure (a FatalError is caught and printed by
// main), 2 usage error.
using CommandRun = std::function<int()>;
using CommandSetup = std::function<CommandRun(CLI::App& sub, AppContext& context)>;

struct CommandEntry {
  std::string name;
  std::string description;
  CommandSetup setup;
};

// The one list of subcommands (tools/commands.cc).
std::vector<CommandEntry> BuiltinCommands();

}  // namespace faceswap
