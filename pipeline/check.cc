#include "pipeline/check.h"

namespace faceswap {

OptionCheck& OptionCheck::OneOf(const std::string& name, const std::string& value,
                                const std::vector<std::string>& choices) {
  if (!error_.empty()) return *this;
  for (const auto& c : choices) {
    if (c == value) return *this;
  }
  std::string list;
  for (const auto& c : choices) list += (list.empty() ? "" : ", ") + c;
  error_ = "invalid value '" + value + "' for option '" + name + "': choose from " + list;
  return *this;
}

OptionCheck& OptionCheck::That(bool condition, const std::string& message) {
  if (error_.empty() && !condition) error_ = message;
  return *this;
}

void ThrowIfInvalid(const std::string& error) {
  if (!error.empty()) throw FatalError(error);
}

}  // namespace faceswap
