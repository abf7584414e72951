#include "models/archive_check.h"

#include <caffe2/serialize/inline_container.h>

#include <cstdint>
#include <regex>
#include <sstream>

#include "base/check.h"

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

// Walks the opcodes of a pickle record (data.pkl, constants.pkl) and returns what is wrong with
// it, "" if nothing. LibTorch's unpickler trusts the numbers in a pickle: a memo index of 2^30
// (LONG_BINPUT) makes it allocate 16 GB, a string length past the record's end reserves that
// much (found by tests/fuzz/checkpoint_fuzz). A pickle torch::save writes numbers its memo
// entries from 0 and stores every string in full, so a memo index at or above the record's
// size or a length past its end means the file was not written by faceswap. Opcodes are those
// of LibTorch's PickleOpCode (protocols 0-5); any other byte is refused, as LibTorch does.
std::string CheckPickle(const unsigned char* data, size_t size) {
  size_t at = 0;
  auto need = [&](size_t n) { return n <= size - at; };
  auto number = [&](size_t n) {  // Little-endian unsigned of n bytes at `at`.
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) v |= static_cast<uint64_t>(data[at + i]) << (8 * i);
    return v;
  };
  auto line = [&]() {  // Skips a newline-terminated argument; false if it has no end.
    while (at < size && data[at] != '\n') ++at;
    if (at == size) return false;
    ++at;
    return true;
  };
  while (at < size) {
    const unsigned char op = data[at++];
    size_t fixed = 0, length_bytes = 0;
    bool memo = false;
    switch (op) {
      case '(': case '.': case '0': case '1': case '2': case 'N': case 'Q': case 'R':
      case 'a': case 'b': case 'd': case '}': case 'e': case 'l': case ']': case 'o':
      case 's': case 't': case ')': case 'u': case 0x81: case 0x85: case 0x86: case 0x87:
      case 0x88: case 0x89: case 0x8f: case 0x90: case 0x91: case 0x92: case 0x93: case 0x94:
        continue;
      case 'F': case 'I': case 'L': case 'S': case 'V': case 'P': case 'g': case 'p':
        if (!line()) return "an argument without its end of line";
        continue;
      case 'c': case 'i':
        if (!line() || !line()) return "a global without its end of line";
        continue;
      case 'K': case 0x80: case 0x82: fixed = 1; break;
      case 'q': case 'h': fixed = 1, memo = true; break;
      case 'M': case 0x83: fixed = 2; break;
      case 'J': case 0x84: fixed = 4; break;
      case 'r': case 'j': fixed = 4, memo = true; break;
      case 'G': case 0x95: fixed = 8; break;
      case 'U': case 'C': case 0x8c: case 0x8a: length_bytes = 1; break;
      case 'T': case 'X': case 'B': case 0x8b: length_bytes = 4; break;
      case 0x8d: case 0x8e: length_bytes = 8; break;
      default:
        return "an unknown pickle opcode " + std::to_string(op) + " at byte " +
               std::to_string(at - 1);
    }
    if (fixed > 0) {
      if (!need(fixed)) return "a cut-off opcode argument";
      if (memo && number(fixed) >= size) {
        return "a memo index " + std::to_string(number(fixed)) + " beyond its " +
               std::to_string(size) + " bytes";
      }
      at += fixed;
    } else {
      if (!need(length_bytes)) return "a cut-off length";
      const uint64_t n = number(length_bytes);
      at += length_bytes;
      if (n > size - at) {
        return "a string of " + std::to_string(n) + " bytes in the " + std::to_string(size - at) +
               " bytes left";
      }
      at += n;
    }
  }
  return "";
}

}  // namespace

void CheckArchiveCode(const std::string& path, const std::string& what,
                      const std::string& expected) {
  const std::string prefix = "cannot load " + what + " '" + path + "': ";
  try {
    caffe2::serialize::PyTorchStreamReader reader(path);
    for (const std::string& name : reader.getAllRecords()) {
      if (name.size() > 4 && name.compare(name.size() - 4, 4, ".pkl") == 0) {
        auto [data, size] = reader.getRecord(name);
        const std::string problem =
            CheckPickle(static_cast<const unsigned char*>(data.get()), size);
        if (!problem.empty()) {
          throw FatalError(prefix + "its entry '" + name + "' holds " + problem + "; " + expected);
        }
        continue;
      }
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
