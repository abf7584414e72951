#include "pipeline/option_values.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>

#include "base/check.h"

namespace faceswap {
namespace {

FatalError BadValue(const std::string& name, const std::string& value, const char* expected) {
  return FatalError("invalid value '" + value + "' for option '" + name + "': expected " +
                    expected);
}

// Finds `name` among the declared options and assigns `value` to it.
class Setter : public OptionBinder {
 public:
  Setter(std::string name, std::string value) : name_(std::move(name)), value_(std::move(value)) {}
  bool found() const { return found_; }
  void Add(const std::string& name, int* v, const std::string&) override {
    if (!Match(name)) return;
    char* end = nullptr;
    errno = 0;
    const long x = std::strtol(value_.c_str(), &end, 10);
    if (value_.empty() || *end != '\0' || errno != 0 || x < INT32_MIN || x > INT32_MAX) {
      throw BadValue(name, value_, "an integer");
    }
    *v = static_cast<int>(x);
  }
  void Add(const std::string& name, double* v, const std::string&) override {
    if (!Match(name)) return;
    char* end = nullptr;
    const double x = std::strtod(value_.c_str(), &end);
    if (value_.empty() || *end != '\0') throw BadValue(name, value_, "a number");
    *v = x;
  }
  void Add(const std::string& name, bool* v, const std::string&) override {
    if (!Match(name)) return;
    if (value_ == "true" || value_ == "1" || value_ == "on") {
      *v = true;
    } else if (value_ == "false" || value_ == "0" || value_ == "off") {
      *v = false;
    } else {
      throw BadValue(name, value_, "true or false");
    }
  }
  void Add(const std::string& name, std::string* v, const std::string&) override {
    if (Match(name)) *v = value_;
  }
  void Add(const std::string& name, std::vector<std::string>* v, const std::string&) override {
    if (!Match(name)) return;
    v->clear();
    for (size_t start = 0; !value_.empty() && start <= value_.size();) {
      const size_t comma = value_.find(',', start);
      const size_t end = comma == std::string::npos ? value_.size() : comma;
      v->push_back(value_.substr(start, end - start));
      start = end + 1;
    }
  }

 private:
  bool Match(const std::string& name) {
    if (name != name_) return false;
    found_ = true;
    return true;
  }
  std::string name_, value_;
  bool found_ = false;
};

class Reader : public OptionBinder {
 public:
  std::vector<std::pair<std::string, std::string>> values;
  void Add(const std::string& n, int* v, const std::string&) override { Put(n, *v); }
  void Add(const std::string& n, double* v, const std::string&) override { Put(n, *v); }
  void Add(const std::string& n, bool* v, const std::string&) override { Put(n, *v); }
  void Add(const std::string& n, std::string* v, const std::string&) override { Put(n, *v); }
  void Add(const std::string& n, std::vector<std::string>* v, const std::string&) override {
    Put(n, *v);
  }

 private:
  template <typename T>
  void Put(const std::string& name, const T& value) {
    values.emplace_back(name, FormatOptionValue(value));
  }
};

}  // namespace

void SetOption(StageOptions& options, const std::string& name, const std::string& value) {
  Setter setter(name, value);
  options.Bind(setter);
  if (!setter.found()) {
    std::vector<std::string> declared;
    for (const auto& [n, v] : OptionValues(options)) declared.push_back(n);
    const std::string names = Join(declared);
    throw FatalError("unknown option '" + name + "': this plugin has " +
                     (names.empty() ? std::string("no options") : names));
  }
}
void SetOption(StageOptions& options, const std::string& name, const char* value) {
  SetOption(options, name, std::string(value));
}
void SetOption(StageOptions& options, const std::string& name, int value) {
  SetOption(options, name, FormatOptionValue(value));
}
void SetOption(StageOptions& options, const std::string& name, double value) {
  SetOption(options, name, FormatOptionValue(value));
}
void SetOption(StageOptions& options, const std::string& name, bool value) {
  SetOption(options, name, FormatOptionValue(value));
}

std::vector<std::pair<std::string, std::string>> OptionValues(StageOptions& options) {
  Reader reader;
  options.Bind(reader);
  return std::move(reader.values);
}

std::string FormatOptionValue(int value) { return std::to_string(value); }
std::string FormatOptionValue(double value) {
  char buf[32];
  for (int digits = 1; digits <= 17; ++digits) {  // Shortest text that reads back the same.
    std::snprintf(buf, sizeof buf, "%.*g", digits, value);
    if (std::strtod(buf, nullptr) == value) break;
  }
  return buf;
}
std::string FormatOptionValue(bool value) { return value ? "true" : "false"; }
std::string FormatOptionValue(const std::string& value) { return value; }
std::string FormatOptionValue(const std::vector<std::string>& value) {
  return Join(value, ",");
}

}  // namespace faceswap
