#include "pipeline/alignments_file.h"

#include <zlib.h>

#include <cerrno>
#include <cmath>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <limits>
#include <nlohmann/json.hpp>

#include "base/check.h"
#include "base/pending_file.h"

namespace faceswap {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kFormatName = "faceswap-alignments";

// A float as the double nearest its shortest decimal form, so that the JSON shows "12.5"
// rather than "12.5000000001" and reading it back gives the same float.
double Short(float v) {
  char buf[32];
  auto res = std::to_chars(buf, buf + sizeof(buf), v);
  return std::strtod(std::string(buf, res.ptr).c_str(), nullptr);
}

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The string `key` of object `j`; "" when absent or not a string (json::value would throw).
std::string StringOr(const json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// ordered_json: keys stay in schema order in the file (index first, then timing, faces).
nlohmann::ordered_json FaceToJson(const Face& f) {
  nlohmann::ordered_json j;
  j["box"] = {Short(f.box.x), Short(f.box.y), Short(f.box.width), Short(f.box.height)};
  j["score"] = Short(f.score);
  nlohmann::ordered_json lm = nlohmann::ordered_json::array();
  for (const auto& p : f.landmarks) lm.push_back({Short(p.x), Short(p.y)});
  j["landmarks"] = std::move(lm);
  const auto& m = f.frame_to_aligned;
  j["matrix"] = {{m(0, 0), m(0, 1), m(0, 2)}, {m(1, 0), m(1, 1), m(1, 2)}};
  if (!f.identity.empty()) j["identity"] = f.identity;
  if (f.identity_distance >= 0.f) j["identity_distance"] = Short(f.identity_distance);
  return j;
}

// A JSON number as a finite float: a double beyond float's range would become inf, which
// the writer cannot store (JSON has no inf) and convert cannot use.
float FiniteFloat(const json& v) {
  const double d = v.get<double>();
  if (!(std::abs(d) <= std::numeric_limits<float>::max())) {
    throw std::invalid_argument("number " + v.dump() + " is out of range");
  }
  return static_cast<float>(d);
}

// A JSON number as the whole number T: json::get would cast a float (undefined behaviour when
// out of T's range) or truncate a fraction.
template <typename T>
T Whole(const json& v) {
  if (!v.is_number()) return v.get<T>();  // Throws type_error naming the type.
  const double d = v.is_number_float() ? v.get<double>()
                   : v.is_number_unsigned() ? static_cast<double>(v.get<uint64_t>())
                                            : static_cast<double>(v.get<int64_t>());
  // 2^63 is exact as a double; T's max may not be (int64), so compare below it.
  if (!(d == std::floor(d) && d >= static_cast<double>(std::numeric_limits<T>::min()) &&
        d < -static_cast<double>(std::numeric_limits<T>::min()))) {
    throw std::invalid_argument("number " + v.dump() + " is not a whole number in range");
  }
  return v.is_number_float() ? static_cast<T>(d) : v.get<T>();
}

Face FaceFromJson(const json& j) {
  Face f;
  const auto& box = j.at("box");
  if (box.size() != 4) throw std::invalid_argument("'box' must hold 4 numbers [x, y, w, h]");
  f.box = cv::Rect2f(FiniteFloat(box[0]), FiniteFloat(box[1]), FiniteFloat(box[2]),
                     FiniteFloat(box[3]));
  f.score = FiniteFloat(j.at("score"));
  const auto& lm = j.at("landmarks");
  if (!lm.empty() && lm.size() != kNumLandmarks) {
    throw std::invalid_argument("'landmarks' must hold 68 [x, y] points or none, not " +
                                std::to_string(lm.size()));
  }
  for (const auto& p : lm) {
    if (p.size() != 2) throw std::invalid_argument("a landmark must be [x, y]");
    f.landmarks.emplace_back(FiniteFloat(p[0]), FiniteFloat(p[1]));
  }
  const auto& m = j.at("matrix");
  if (m.size() != 2 || m[0].size() != 3 || m[1].size() != 3) {
    throw std::invalid_argument("'matrix' must be 2x3 [[a, b, tx], [c, d, ty]]");
  }
  for (int r = 0; r < 2; ++r) {
    for (int c = 0; c < 3; ++c) f.frame_to_aligned(r, c) = m[r][c].get<double>();
  }
  f.identity = j.value("identity", std::string());
  if (const auto it = j.find("identity_distance"); it != j.end()) {
    f.identity_distance = FiniteFloat(*it);
    if (f.identity_distance < 0.f) {
      throw std::invalid_argument("'identity_distance' must be >= 0, not " + it->dump());
    }
  }
  return f;
}

nlohmann::ordered_json FrameToJson(const AlignmentsFrame& fr) {
  nlohmann::ordered_json j;
  j["index"] = fr.index;
  j["pts"] = fr.pts;
  j["timestamp"] = fr.timestamp;
  if (!fr.name.empty()) j["name"] = fr.name;
  nlohmann::ordered_json faces = nlohmann::ordered_json::array();
  for (const auto& f : fr.faces) faces.push_back(FaceToJson(f));
  j["faces"] = std::move(faces);
  return j;
}

AlignmentsFrame FrameFromJson(const json& j) {
  AlignmentsFrame fr;
  fr.index = Whole<int64_t>(j.at("index"));
  fr.pts = j.contains("pts") ? Whole<int64_t>(j.at("pts")) : 0;
  fr.timestamp = j.at("timestamp").get<double>();
  fr.name = j.value("name", std::string());
  for (const auto& f : j.at("faces")) fr.faces.push_back(FaceFromJson(f));
  return fr;
}

json ConventionToJson(const AlignmentConvention& c) {
  json mean = json::array();
  for (const auto& p : MeanFace()) mean.push_back({p.x, p.y});
  return {{"landmarks", "dlib-68"},
          {"aligned_landmarks", {kFirstAlignLandmark, kNumLandmarks - 1}},
          {"size", c.size},
          {"padding", c.padding},
          {"mean_face", std::move(mean)}};
}

// Parses "MAJOR.MINOR"; returns false when malformed.
bool ParseVersion(const std::string& v, int* major, int* minor) {
  const auto dot = v.find('.');
  if (dot == std::string::npos) return false;
  try {
    size_t a = 0, b = 0;
    *major = std::stoi(v.substr(0, dot), &a);
    *minor = std::stoi(v.substr(dot + 1), &b);
    return a == dot && b == v.size() - dot - 1;
  } catch (const std::exception&) {
    return false;
  }
}

std::string ErrnoText() { return std::strerror(errno); }

std::string ReadAllMaybeGzip(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    throw FatalError("alignments file '" + path + "' does not exist");
  }
  if (fs::is_directory(path, ec)) {
    throw FatalError("alignments file '" + path +
                     "' is a folder, expected a .json or .json.gz file");
  }
  // gzopen reads plain files transparently, so one path serves both forms.
  gzFile in = gzopen(path.c_str(), "rb");
  if (!in) throw FatalError("cannot open alignments file '" + path + "': " + ErrnoText());
  std::string text;
  char buf[1 << 16];
  for (;;) {
    const int n = gzread(in, buf, sizeof(buf));
    if (n < 0) {
      int code = 0;
      const std::string msg = gzerror(in, &code);
      gzclose(in);
      throw FatalError("alignments file '" + path + "' is corrupt (gzip: " + msg + ")");
    }
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  int code = 0;
  const std::string msg = gzerror(in, &code);
  gzclose(in);
  if (code != Z_OK && code != Z_STREAM_END) {
    throw FatalError("alignments file '" + path + "' is truncated or corrupt (gzip: " + msg + ")");
  }
  return text;
}

// The gzip file format of `text` (what gzip -6 writes), for a .json.gz alignments file.
std::string Gzip(const std::string& text) {
  z_stream z{};
  // windowBits 15 + 16: a gzip header and trailer instead of zlib's.
  if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw FatalError("cannot start gzip compression (zlib: out of memory)");
  }
  std::string out(deflateBound(&z, text.size()), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  z.avail_in = static_cast<uInt>(text.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  if (rc != Z_STREAM_END) {
    throw FatalError("gzip compression failed (zlib code " + std::to_string(rc) + ")");
  }
  return out;
}

}  // namespace

std::string AlignmentsToJson(const Alignments& a) {
  // Hand-assembled so that each frame sits on one line: readable and diff-able without
  // one number per line.
  const std::vector<std::pair<std::string, json>> head = {
      {"format", kFormatName},
      {"version",
       std::to_string(kAlignmentsVersionMajor) + "." + std::to_string(kAlignmentsVersionMinor)},
      {"complete", a.complete},
      {"convention", ConventionToJson(a.convention)}};
  std::string out = "{\n";
  for (const auto& [key, value] : head) {
    out += "  " + json(key).dump() + ": " + value.dump() + ",\n";
  }
  out += "  \"sources\": [";
  for (size_t s = 0; s < a.sources.size(); ++s) {
    const auto& src = a.sources[s];
    nlohmann::ordered_json meta = {{"path", src.path},
                                   {"width", src.width},
                                   {"height", src.height},
                                   {"fps", src.fps},
                                   {"frame_count", src.frame_count},
                                   {"time_base", {src.time_base_num, src.time_base_den}},
                                   {"detector", src.detector},
                                   {"landmarker", src.landmarker}};
    std::string m = meta.dump();
    m.pop_back();  // Reopen the object to append the frames.
    out += (s ? ",\n    " : "\n    ") + m + ", \"frames\": [";
    for (size_t f = 0; f < src.frames.size(); ++f) {
      out += (f ? ",\n      " : "\n      ") + FrameToJson(src.frames[f]).dump();
    }
    out += src.frames.empty() ? "]}" : "\n    ]}";
  }
  out += a.sources.empty() ? "]\n}\n" : "\n  ]\n}\n";
  return out;
}

Alignments AlignmentsFromJson(const std::string& text, const std::string& what) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {  // parse_error, or out_of_range for a number like 1e999
    throw FatalError(what + " is truncated or not valid JSON (" + e.what() + ")");
  }
  if (!j.is_object() || StringOr(j, "format") != kFormatName) {
    throw FatalError(what + " is not a faceswap alignments file (no \"format\": \"" +
                     std::string(kFormatName) + "\")");
  }
  const std::string version = StringOr(j, "version");
  int major = 0, minor = 0;
  if (!ParseVersion(version, &major, &minor)) {
    throw FatalError(what + " has an unreadable format version '" + version +
                     "': expected MAJOR.MINOR");
  }
  if (major != kAlignmentsVersionMajor) {
    throw FatalError(what + " has format version " + version + "; this faceswap reads version " +
                     std::to_string(kAlignmentsVersionMajor) + ".x only" +
                     (major > kAlignmentsVersionMajor ? " (upgrade faceswap)" : ""));
  }
  Alignments a;
  std::string where = "header";  // JSON path of the entry being read, for the message.
  try {
    a.complete = j.value("complete", true);
    const auto& c = j.at("convention");
    a.convention.size = Whole<int>(c.at("size"));
    a.convention.padding = c.at("padding").get<double>();
    const std::string bad = a.convention.Check();
    if (!bad.empty()) throw std::invalid_argument("convention: " + bad);
    for (const auto& sj : j.at("sources")) {
      where = "sources[" + std::to_string(a.sources.size()) + "]";
      AlignmentsSource src;
      src.path = sj.at("path").get<std::string>();
      src.width = Whole<int>(sj.at("width"));
      src.height = Whole<int>(sj.at("height"));
      src.fps = sj.at("fps").get<double>();
      src.frame_count = Whole<int64_t>(sj.at("frame_count"));
      const auto& tb = sj.at("time_base");
      src.time_base_num = Whole<int>(tb.at(0));
      src.time_base_den = Whole<int>(tb.at(1));
      src.detector = sj.value("detector", std::string());
      src.landmarker = sj.value("landmarker", std::string());
      for (const auto& fj : sj.at("frames")) {
        where = "sources[" + std::to_string(a.sources.size()) + "].frames[" +
                std::to_string(src.frames.size()) + "]";
        src.frames.push_back(FrameFromJson(fj));
      }
      a.sources.push_back(std::move(src));
    }
  } catch (const json::exception& e) {
    throw FatalError(what + " is malformed at " + where + " (" + e.what() + ")");
  } catch (const std::invalid_argument& e) {
    throw FatalError(what + " is malformed at " + where + " (" + e.what() + ")");
  }
  return a;
}

void WriteAlignments(const std::string& path, const Alignments& alignments) {
  const std::string text = AlignmentsToJson(alignments);
  const std::string bytes = EndsWith(path, ".gz") ? Gzip(text) : text;
  WriteFileAtomically(path, bytes, "alignments file '" + path + "'");
}

Alignments ReadAlignments(const std::string& path) {
  return AlignmentsFromJson(ReadAllMaybeGzip(path), "alignments file '" + path + "'");
}

}  // namespace faceswap
