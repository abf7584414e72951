// OptionBinder over CLI11: exposes a stage's option fields as --<prefix><name> flags
// (and config-file keys), with the field's current value shown as the default.
//
// One binder may bind several option objects that declare the same name (every detector
// declares --threshold, --detect-scale, ...): the flag is added once and sets the field of
// every object that declared it, so whichever plugin is chosen sees the value. A field keeps
// its own default when the flag is not given. Declaring a name twice with different types is
// a programming error (std::logic_error).
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <typeindex>
#include <vector>

#include <CLI/CLI.hpp>

#include "pipeline/stage.h"

namespace faceswap {

class CliOptionBinder : public OptionBinder {
 public:
  // Names in `own` are not added: the command declares those flags itself (e.g. convert's
  // -m/--model) and passes the value on with SetOption (pipeline/option_values.h).
  CliOptionBinder(CLI::App& app, std::string prefix = "", std::string group = "",
                  std::set<std::string> own = {})
      : app_(app), prefix_(std::move(prefix)), group_(std::move(group)), own_(std::move(own)) {}
  void Add(const std::string& name, int* value, const std::string& help) override;
  void Add(const std::string& name, double* value, const std::string& help) override;
  void Add(const std::string& name, bool* value, const std::string& help) override;
  void Add(const std::string& name, std::string* value, const std::string& help) override;
  void Add(const std::string& name, std::vector<std::string>* value,
           const std::string& help) override;

 private:
  struct Link {
    std::type_index type;
    std::shared_ptr<void> targets;  // std::vector<T*> for the link's type T.
  };
  // The targets of `flag` when it was added before (appending `value`), else null.
  template <typename T>
  std::shared_ptr<std::vector<T*>> Linked(const std::string& flag, T* value);
  template <typename T>
  void AddOption(const std::string& name, T* value, const std::string& help);
  CLI::App& app_;
  std::string prefix_, group_;
  std::set<std::string> own_;
  std::map<std::string, Link> links_;
};

}  // namespace faceswap
