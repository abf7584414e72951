// A stage's options by their declared names (StageOptions::Bind), as text: the names and
// values the command line, config files and the manifest use.
//
//   SetOption(*swap, "model", options.model);   // a command passing its own flag on
//   for (auto& [name, value] : OptionValues(*swap)) manifest[name] = value;
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "pipeline/stage.h"

namespace faceswap {

// Sets the option declared as `name` from `value` ("true"/"false" for switches, a
// comma-separated list for lists). Throws FatalError naming the option when `options`
// declares no such name or `value` is not of its type.
void SetOption(StageOptions& options, const std::string& name, const std::string& value);
void SetOption(StageOptions& options, const std::string& name, const char* value);
void SetOption(StageOptions& options, const std::string& name, int value);
void SetOption(StageOptions& options, const std::string& name, double value);
void SetOption(StageOptions& options, const std::string& name, bool value);

// Every declared option with its current value, in declaration order.
std::vector<std::pair<std::string, std::string>> OptionValues(StageOptions& options);

// How a value is written as text (defaults in --help, the manifest): shortest round-trip
// for doubles, "true"/"false", lists joined with ','.
std::string FormatOptionValue(int value);
std::string FormatOptionValue(double value);
std::string FormatOptionValue(bool value);
std::string FormatOptionValue(const std::string& value);
std::string FormatOptionValue(const std::vector<std::string>& value);

}  // namespace faceswap
