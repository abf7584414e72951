// Option validation (user errors, reported) and fatal errors (thrown). Header-only.
//
// Option structs implement `std::string Check() const` returning "" when valid,
// otherwise one message naming the option, its bad value and what was expected:
//
//   std::string Check() const {
//     return OptionCheck()
//         .Range("min-size", min_size, 8, 4096)
//         .OneOf("preset", preset, {"ultrafast", "medium"})
//         .Error();
//   }
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace faceswap {

// A problem the user can act on (bad input file, unwritable folder, ...).
// The message is complete and printed as-is on one line.
class FatalError : public std::runtime_error {
 public:
  explicit FatalError(const std::string& message) : std::runtime_error(message) {}
};

// "a, b, c": items joined by `separator` (lists of choices and names in messages).
inline std::string Join(const std::vector<std::string>& items,
                        const std::string& separator = ", ") {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) out += (i ? separator : std::string()) + items[i];
  return out;
}

class OptionCheck {
 public:
  template <typename T>
  OptionCheck& Range(const std::string& name, T value, T lo, T hi) {
    if (error_.empty() && !(value >= lo && value <= hi)) {
      std::ostringstream os;
      os << "invalid value " << value << " for option '" << name << "': expected " << lo
         << " to " << hi;
      error_ = os.str();
    }
    return *this;
  }
  template <typename T>
  OptionCheck& Min(const std::string& name, T value, T lo) {
    if (error_.empty() && !(value >= lo)) {
      std::ostringstream os;
      os << "invalid value " << value << " for option '" << name << "': expected >= " << lo;
      error_ = os.str();
    }
    return *this;
  }
  OptionCheck& OneOf(const std::string& name, const std::string& value,
                     const std::vector<std::string>& choices) {
    if (!error_.empty()) return *this;
    for (const auto& c : choices) {
      if (c == value) return *this;
    }
    error_ = "invalid value '" + value + "' for option '" + name + "': choose from " +
             Join(choices);
    return *this;
  }
  // Free-form condition; `message` should name the option and what was expected.
  OptionCheck& That(bool condition, const std::string& message) {
    if (error_.empty() && !condition) error_ = message;
    return *this;
  }

  // The Check() result of a part (e.g. a frame range): its message, if any, is the error.
  OptionCheck& Include(const std::string& error) {
    if (error_.empty()) error_ = error;
    return *this;
  }

  const std::string& Error() const { return error_; }

 private:
  std::string error_;
};

// `text` (e.g. a library's error message) on one line, for a FatalError: whitespace runs,
// newlines included, folded to one space; cut to `max_size` characters ("..." appended).
inline std::string OneLine(const std::string& text, size_t max_size = 200) {
  std::string out;
  for (char c : text) {
    const bool space = c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\v' || c == '\f';
    if (!space) {
      out += c;
    } else if (!out.empty() && out.back() != ' ') {
      out += ' ';
    }
  }
  if (!out.empty() && out.back() == ' ') out.pop_back();
  return out.size() > max_size ? out.substr(0, max_size) + "..." : out;
}

// Throws FatalError with the message when `error` is not empty.
inline void ThrowIfInvalid(const std::string& error) {
  if (!error.empty()) throw FatalError(error);
}

}  // namespace faceswap
