#include "tools/cli_binder.h"

namespace faceswap {

template <typename T>
void CliOptionBinder::AddOption(const std::string& name, T* value, const std::string& help) {
  auto* opt = app_.add_option("--" + prefix_ + name, *value, help)->capture_default_str();
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
void CliOptionBinder::Add(const std::string& name, bool* value, const std::string& help) {
  // --name / --no-name, so a default of true can be switched off.
  // CLI11 prints "{false}" after the pair (the value --no-NAME gives), not the default: say it.
  auto* opt = app_.add_flag("--" + prefix_ + name + ",!--no-" + prefix_ + name, *value,
                            help + (*value ? " (default: on)" : " (default: off)"));
  if (!group_.empty()) opt->group(group_);
}

}  // namespace faceswap
