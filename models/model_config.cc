#include "models/model_config.h"

#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <sstream>

#include "base/check.h"

namespace faceswap {
namespace {

// Minimal JSON value and recursive-descent parser (objects, arrays, strings, numbers, bools).
struct Json {
  enum Kind { kNull, kBool, kNumber, kString, kArray, kObject } kind = kNull;
  bool boolean = false;
  double number = 0;
  std::string string;
  std::vector<Json> array;
  std::map<std::string, Json> object;
};

class Parser {
 public:
  explicit Parser(const std::string& text) : s_(text) {}
  Json Parse() {
    Json v = Value(0);
    Space();
    if (i_ != s_.size()) Fail("trailing characters");
    return v;
  }

 private:
  [[noreturn]] void Fail(const std::string& what) {
    throw std::runtime_error(what + " at offset " + std::to_string(i_));
  }
  void Space() {
    while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_]))) ++i_;
  }
  bool Eat(char c) {
    Space();
    if (i_ < s_.size() && s_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }
  std::string String() {
    if (!Eat('"')) Fail("expected a string");
    std::string out;
    while (i_ < s_.size() && s_[i_] != '"') {
      char c = s_[i_++];
      if (c == '\\') {
        if (i_ >= s_.size()) Fail("bad escape");
        char e = s_[i_++];
        switch (e) {
          case 'n': out += '\n'; break;
          case 't': out += '\t'; break;
          case 'r': out += '\r'; break;
          case 'b': out += '\b'; break;
          case 'f': out += '\f'; break;
          case 'u': {
            if (i_ + 4 > s_.size()) Fail("bad \\u escape");
            const unsigned code = std::stoul(s_.substr(i_, 4), nullptr, 16);
            i_ += 4;
            if (code < 0x80) {
              out += static_cast<char>(code);
            } else if (code < 0x800) {
              out += static_cast<char>(0xC0 | (code >> 6));
              out += static_cast<char>(0x80 | (code & 0x3F));
            } else {
              out += static_cast<char>(0xE0 | (code >> 12));
              out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
              out += static_cast<char>(0x80 | (code & 0x3F));
            }
            break;
          }
          default: out += e;
        }
      } else {
        out += c;
      }
    }
    if (i_ >= s_.size()) Fail("unterminated string");
    ++i_;
    return out;
  }
  // model.json nests two levels; deeper input is not ours (and would exhaust the stack).
  static constexpr int kMaxDepth = 32;

  Json Value(int depth) {
    Space();
    if (i_ >= s_.size()) Fail("unexpected end");
    if (depth > kMaxDepth) Fail("values nested too deeply");
    Json v;
    const char c = s_[i_];
    if (c == '{') {
      ++i_;
      v.kind = Json::kObject;
      if (Eat('}')) return v;
      do {
        Space();
        std::string key = String();
        if (!Eat(':')) Fail("expected ':'");
        v.object[key] = Value(depth + 1);
      } while (Eat(','));
      if (!Eat('}')) Fail("expected '}'");
    } else if (c == '[') {
      ++i_;
      v.kind = Json::kArray;
      if (Eat(']')) return v;
      do v.array.push_back(Value(depth + 1));
      while (Eat(','));
      if (!Eat(']')) Fail("expected ']'");
    } else if (c == '"') {
      v.kind = Json::kString;
      v.string = String();
    } else if (s_.compare(i_, 4, "true") == 0) {
      v.kind = Json::kBool, v.boolean = true, i_ += 4;
    } else if (s_.compare(i_, 5, "false") == 0) {
      v.kind = Json::kBool, i_ += 5;
    } else if (s_.compare(i_, 4, "null") == 0) {
      i_ += 4;
    } else {
      // JSON number characters only: std::stod alone would also take "nan", "inf", "0x1p3".
      size_t end = i_;
      while (end < s_.size() && std::strchr("+-.0123456789eE", s_[end]) != nullptr) ++end;
      if (end == i_) Fail("unexpected character");
      size_t used = 0;
      try {
        v.number = std::stod(s_.substr(i_, end - i_), &used);
      } catch (const std::exception&) {
        Fail("bad number");  // Out of range (1e999) or no digits.
      }
      if (used != end - i_ || !std::isfinite(v.number)) Fail("bad number");
      v.kind = Json::kNumber;
      i_ = end;
    }
    return v;
  }
  const std::string& s_;
  size_t i_ = 0;
};

std::string Quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\u%04x", c);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string Number(double x) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.9g", x);
  return buf;
}

}  // namespace

std::string ModelInfo::ToJson() const {
  std::ostringstream os;
  os << "{\n"
     << "  \"format_version\": " << format_version << ",\n"
     << "  \"architecture\": " << Quote(architecture) << ",\n"
     << "  \"input_size\": " << input_size << ",\n"
     << "  \"mask_output\": " << (mask_output ? "true" : "false") << ",\n"
     << "  \"coverage\": " << Number(coverage) << ",\n"
     << "  \"identities\": [";
  for (size_t i = 0; i < identities.size(); ++i) os << (i ? ", " : "") << Quote(identities[i]);
  os << "],\n"
     << "  \"iteration\": " << iteration << ",\n"
     << "  \"checkpoint\": " << Quote(checkpoint) << ",\n"
     << "  \"precision\": " << Quote(precision) << ",\n"
     << "  \"loss\": {";
  for (size_t i = 0; i < loss.size() && i < identities.size(); ++i) {
    os << (i ? ", " : "") << Quote(identities[i]) << ": " << Number(loss[i]);
  }
  os << "}\n}\n";
  return os.str();
}

ModelInfo ModelInfo::FromJson(const std::string& text, const std::string& path) {
  Json root;
  try {
    root = Parser(text).Parse();
  } catch (const std::exception& e) {
    throw FatalError("model file '" + path + "' is not valid JSON: " + e.what());
  }
  auto field = [&](const char* name, Json::Kind kind) -> const Json& {
    if (root.kind != Json::kObject) throw FatalError("model file '" + path + "' is not an object");
    auto it = root.object.find(name);
    if (it == root.object.end() || it->second.kind != kind) {
      throw FatalError("model file '" + path + "' lacks a valid '" + name + "' field");
    }
    return it->second;
  };
  // A whole number in [lo, hi] (checked before the cast: out of range it is undefined).
  auto integer = [&](const char* name, double lo, double hi) {
    const double x = field(name, Json::kNumber).number;
    if (!(x >= lo && x <= hi) || x != std::floor(x)) {
      std::ostringstream os;
      os << "model file '" << path << "' has an invalid '" << name << "' field (" << x
         << "): expected a whole number from " << lo << " to " << hi;
      throw FatalError(os.str());
    }
    return static_cast<int64_t>(x);
  };
  ModelInfo info;
  info.format_version = static_cast<int>(integer("format_version", 0, 1e9));
  if (info.format_version != kFormatVersion) {
    throw FatalError("model file '" + path + "' has format version " +
                     std::to_string(info.format_version) + "; this build reads version " +
                     std::to_string(kFormatVersion));
  }
  info.architecture = field("architecture", Json::kString).string;
  info.input_size = static_cast<int>(integer("input_size", 1, 1 << 16));
  info.mask_output = field("mask_output", Json::kBool).boolean;
  info.coverage = field("coverage", Json::kNumber).number;
  for (const auto& v : field("identities", Json::kArray).array) {
    if (v.kind != Json::kString) throw FatalError("model file '" + path + "': bad identity");
    info.identities.push_back(v.string);
  }
  info.iteration = integer("iteration", 0, 1e15);
  info.checkpoint = field("checkpoint", Json::kString).string;
  if (auto it = root.object.find("precision"); it != root.object.end()) {
    info.precision = it->second.string;
  }
  if (auto it = root.object.find("loss"); it != root.object.end()) {
    for (const auto& name : info.identities) {
      auto l = it->second.object.find(name);
      info.loss.push_back(l == it->second.object.end() ? 0.0 : l->second.number);
    }
  }
  return info;
}

bool HasModel(const std::string& dir) {
  return std::filesystem::exists(std::filesystem::path(dir) / kModelFile);
}

ModelInfo ReadModelInfo(const std::string& dir) {
  const std::filesystem::path path = std::filesystem::path(dir) / kModelFile;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw FatalError("no model in '" + dir + "': " + path.string() + " missing");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return ModelInfo::FromJson(text, path.string());
}

}  // namespace faceswap
