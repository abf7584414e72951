#include "models/archive_check.h"

#include <caffe2/serialize/inline_container.h>

#include <regex>
#include <sstream>

#include "pipeline/check.h"  // FatalError (header-only part).

namespace faceswap {
namespace {

// Every line torch::save generates for a module, optimizer or tensor list (seen in LibTorch
// 1.13 and 2.x archives): class headers, parameter/buffer lists and typed attributes.
const std::regex& AllowedLine() {
  static const std::string key = R"("[A-Za-z0-9_./:\-]*")";
  static const std::string type =
      R"((Tensor|str|int|float|bool|Tuple\[float, float\]|List\[(int|float)\]|)"
      R"(__torch__(\.___torch_mangle_[0-9]+)?\.Module))";
  static const std::regex line(
      "|class Module\\(Module\\):"
      "|  __(parameters|buffers)__ = \\[(" + key + ", )*\\]"
      "|  __annotations__ = \\[\\]"
      "|  __annotations__\\[" + key + "\\] = " + type +
      "|  [A-Za-z_][A-Za-z0-9_]* : " + type);
  return line;
}

bool IsCodeRecord(const std::string& name) {
  const bool in_code = name.rfind("code/", 0) == 0 || name.find("/code/") != std::string::npos;
  return in_code && name.size() > 3 && name.compare(name.size() - 3, 3, ".py") == 0;
}

}  // namespace

void CheckArchiveCode(const std::string& path, const std::string& what,
                      const std::string& expected) {
  const std::string prefix = "cannot load " + what + " '" + path + "': ";
  try {
    caffe2::serialize::PyTorchStreamReader reader(path);
    for (const std::string& name : reader.getAllRecords()) {
      if (!IsCodeRecord(name)) continue;
      auto [data, size] = reader.getRecord(name);
      std::istringstream text(std::string(static_cast<const char*>(data.get()), size));
      std::string line;
      int number = 0;
      while (std::getline(text, line)) {
        ++number;
        if (!std::regex_match(line, AllowedLine())) {
          throw FatalError(prefix + "unexpected code in its entry '" + name + "' (line " +
                           std::to_string(number) + "); " + expected);
        }
      }
    }
  } catch (const FatalError&) {
    throw;
  } catch (const std::exception& e) {
    throw FatalError(prefix + "not a readable LibTorch archive (" + TorchErrorText(e, 160) +
                     "); " + expected);
  }
}

std::string TorchErrorText(const std::exception& e, size_t max_size) {
  const auto* error = dynamic_cast<const c10::Error*>(&e);
  return OneLine(error ? error->what_without_backtrace() : e.what(), max_size);
}

}  // namespace faceswap
