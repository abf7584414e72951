// OptionBinder over CLI11: exposes a stage's option fields as --<prefix><name> flags
// (and config-file keys), with the field's current value shown as the default.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

#include "pipeline/stage.h"

namespace faceswap {

class CliOptionBinder : public OptionBinder {
 public:
  CliOptionBinder(CLI::App& app, std::string prefix = "", std::string group = "")
      : app_(app), prefix_(std::move(prefix)), group_(std::move(group)) {}
  void Add(const std::string& name, int* value, const std::string& help) override;
  void Add(const std::string& name, double* value, const std::string& help) override;
  void Add(const std::string& name, bool* value, const std::string& help) override;
  void Add(const std::string& name, std::string* value, const std::string& help) override;

 private:
  template <typename T>
  void AddOption(const std::string& name, T* value, const std::string& help);
  CLI::App& app_;
  std::string prefix_, group_;
};

}  // namespace faceswap
