#include "tools/cli_binder.h"

#include <stdexcept>

#include "pipeline/option_values.h"

namespace faceswap {

template <typename T>
std::shared_ptr<std::vector<T*>> CliOptionBinder::Linked(const std::string& flag, T* value) {
  auto it = links_.find(flag);
  if (it == links_.end()) {
    auto targets = std::make_shared<std::vector<T*>>(1, value);
    links_.emplace(flag, Link{std::type_index(typeid(T)), targets});
    return nullptr;
  }
  if (it->second.type != std::type_index(typeid(T))) {
    throw std::logic_error("option " + flag + " is declared with two different types");
  }
  auto targets = std::static_pointer_cast<std::vector<T*>>(it->second.targets);
  targets->push_back(value);
  return targets;
}

template <typename T>
void CliOptionBinder::AddOption(const std::string& name, T* value, const std::string& help) {
  if (own_.count(name)) return;
  const std::string flag = "--" + prefix_ + name;
  if (Linked(flag, value)) return;
  auto targets = std::static_pointer_cast<std::vector<T*>>(links_.at(flag).targets);
  auto* opt = app_.add_option_function<T>(
      flag, [targets](const T& v) { for (T* t : *targets) *t = v; }, help);
  opt->default_str(FormatOptionValue(*value));
  if constexpr (std::is_same_v<T, std::vector<std::string>>) opt->take_all();
  if (!group_.empty()) opt->group(group_);
}

void CliOptionBinder::Add(const std::string& name, int* value, const std::string& help) {
  AddOption(name, value, help);
}
void CliOptionBinder::Add(const std::string& name, double* value, const std::string& help) {
  AddOption(name, value, help);
}
void CliOptionBinder::Add(const std::string& name, std::string* value, const std::string& help) {
  AddOption(name, value, help);
}
void CliOptionBinder::Add(const std::string& name, std::vector<std::string>* value,
                          const std::string& help) {
  AddOption(name, value, help);
}
void CliOptionBinder::Add(const std::string& name, bool* value, const std::string& help) {
  // --name / --no-name, so a default of true can be switched off.
  if (own_.count(name)) return;
  const std::string flag = "--" + prefix_ + name;
  if (Linked(flag, value)) return;
  auto targets = std::static_pointer_cast<std::vector<bool*>>(links_.at(flag).targets);
  // CLI11 prints "{false}" after the pair (the value --no-NAME gives), not the default: say it.
  // The count is +1 per --name and -1 per --no-name given (0: not given, the default stays).
  auto* opt = app_.add_flag_function(
      flag + ",!--no-" + prefix_ + name,
      [targets](std::int64_t count) {
        if (count == 0) return;
        for (bool* t : *targets) *t = count > 0;
      },
      help + (*value ? " (default: on)" : " (default: off)"));
  if (!group_.empty()) opt->group(group_);
}

}  // namespace faceswap
