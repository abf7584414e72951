// faceswap: one executable, subcommands from the table in tools/commands.cc.
// Exit codes: 0 success, 1 runtime failure, 2 usage error (unknown option, missing input).
#include <cstdio>
#include <exception>
#include <memory>

#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "base/check.h"
#include "models/torch_threads.h"
#include "pipeline/interrupt.h"
#include "pipeline/runner.h"
#include "stages/builtin_stages.h"
#include "tools/command.h"
#include "tools/version.h"

namespace {

void ConfigureLogging(int verbosity) {
  auto logger = spdlog::stderr_color_mt("faceswap");
  logger->set_pattern("%^%l%$: %v");
  logger->set_level(verbosity > 0 ? spdlog::level::debug
                    : verbosity < 0 ? spdlog::level::warn
                                    : spdlog::level::info);
  spdlog::set_default_logger(logger);
}

// CLI11 usage errors as one line like every other failure, naming the command whose help
// lists the valid options: "error: --batch-size: Value 0 not in range 1 to 4096 (see
// 'faceswap train --help')". Exit code 2 (main).
std::string OneLineUsageError(const CLI::App* app, const CLI::Error& e) {
  std::string command = app->get_name();
  for (const CLI::App* sub = app; sub;) {
    const std::vector<CLI::App*> parsed = sub->get_subcommands();
    sub = parsed.empty() ? nullptr : parsed.front();
    if (sub) command += " " + sub->get_name();
  }
  return "error: " + faceswap::OneLine(e.what(), 400) + " (see '" + command + " --help')\n";
}

}  // namespace

int main(int argc, char** argv) {
  using namespace faceswap;
  // Before anything else: a Ctrl-C during start-up or loading must never meet the default
  // action half-way through a write (tools/interrupt.h).
  InstallInterruptHandler();
  AppContext context;
  RegisterBuiltinStages(context.registry);

  CLI::App app{"faceswap: extract, train and convert faces in video (C++/LibTorch)", "faceswap"};
  app.failure_message(OneLineUsageError);  // Before add_subcommand: subcommands copy it.
  app.set_version_flag("--version", std::string("faceswap ") + kFaceswapVersion);
  app.set_config("--config", "", "Read options from an INI or TOML file ([extract] etc. sections)");
  app.require_subcommand(1);
  app.fallthrough();  // Global flags may follow the subcommand.
  int verbose = 0;
  bool quiet = false;
  std::string progress = "auto";
  app.add_flag("-v,--verbose", verbose, "More log output (debug)");
  app.add_flag("-q,--quiet", quiet, "Only warnings and errors; no progress");
  app.add_option("--threads", context.threads, "Worker threads (0 = all cores)")
      ->check(CLI::Range(0, 256))
      ->capture_default_str();
  app.add_option("--progress", progress,
                 "Progress on stderr: auto (when a terminal), on, off, or json (one JSON object "
                 "per line, at most one a second, the last with \"final\": true; for scripts)")
      ->check(CLI::IsMember({"auto", "on", "off", "json"}))
      ->capture_default_str();

  std::vector<std::pair<CLI::App*, CommandRun>> commands;
  for (const auto& entry : BuiltinCommands()) {
    CLI::App* sub = app.add_subcommand(entry.name, entry.description);
    commands.emplace_back(sub, entry.setup(*sub, context));
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {  // --help, --version
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return 2;
  }

  context.verbosity = quiet ? -1 : verbose;
  context.progress = quiet ? ProgressMode::kOff
                     : progress == "on" ? ProgressMode::kOn
                     : progress == "off" ? ProgressMode::kOff
                     : progress == "json" ? ProgressMode::kJson
                                         : ProgressMode::kAuto;
  ConfigureLogging(context.verbosity);
  const int threads = ConfigureTorchThreads(context.threads);
  spdlog::debug("threads: {} (torch intra-op)", threads);

  for (auto& [sub, run] : commands) {
    if (!sub->parsed()) continue;
    try {
      return run();
    } catch (const FatalError& e) {
      spdlog::error("{}", e.what());
      return 1;
    } catch (const std::exception& e) {
      spdlog::error("{} failed: {}", sub->get_name(), e.what());
      return 1;
    }
  }
  return 2;
}
