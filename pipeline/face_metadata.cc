#include "pipeline/face_metadata.h"

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "pipeline/png_text.h"

namespace faceswap {
namespace {

using nlohmann::json;

double Round2(double v) { return std::round(v * 100.0) / 100.0; }

bool FiniteNumber(const json& j) { return j.is_number() && std::isfinite(j.get<double>()); }

bool IntegerIn(const json& j, int64_t lo, int64_t hi) {
  if (!j.is_number_integer()) return false;
  const int64_t v = j.get<int64_t>();
  return v >= lo && v <= hi;
}

}  // namespace

std::vector<cv::Point2f> FaceImageMetadata::CropLandmarks() const {
  std::vector<cv::Point2f> out;
  out.reserve(landmarks.size());
  const cv::Matx23d& m = frame_to_aligned;
  for (const auto& p : landmarks) {
    out.emplace_back(static_cast<float>(m(0, 0) * p.x + m(0, 1) * p.y + m(0, 2)),
                     static_cast<float>(m(1, 0) * p.x + m(1, 1) * p.y + m(1, 2)));
  }
  return out;
}

std::string FaceMetadataToJson(const FaceImageMetadata& m) {
  json j = {{"source", m.source}, {"frame", m.frame}, {"face", m.face}};
  if (!m.name.empty()) j["name"] = m.name;
  if (!m.landmarks.empty()) {
    json lm = json::array();
    for (const auto& p : m.landmarks) lm.push_back({Round2(p.x), Round2(p.y)});
    j["landmarks"] = std::move(lm);
    json t = json::array();
    for (int r = 0; r < 2; ++r) {
      for (int c = 0; c < 3; ++c) t.push_back(m.frame_to_aligned(r, c));
    }
    j["frame_to_aligned"] = std::move(t);
  }
  if (m.size > 0) j["size"] = m.size;
  if (m.identity_distance >= 0) {
    j["identity_distance"] = std::round(m.identity_distance * 1e4) / 1e4;
  }
  // Replace, not throw, on invalid UTF-8 in a source name from the file system.
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

bool ParseFaceMetadata(const std::string& text, FaceImageMetadata* out, std::string* error) {
  auto fail = [&](const std::string& why) {
    if (error) *error = "face metadata: " + why;
    return false;
  };
  const json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return fail("not a JSON object");
  FaceImageMetadata m;
  const auto source = j.find("source");
  if (source == j.end() || !source->is_string()) return fail("'source' missing or not a string");
  m.source = source->get<std::string>();
  const auto frame = j.find("frame");
  if (frame == j.end() || !IntegerIn(*frame, 0, std::numeric_limits<int64_t>::max())) {
    return fail("'frame' missing or not an index >= 0");
  }
  m.frame = frame->get<int64_t>();
  const auto face = j.find("face");
  if (face == j.end() || !IntegerIn(*face, 0, 1 << 20)) {
    return fail("'face' missing or not an index >= 0");
  }
  m.face = face->get<int>();
  if (const auto name = j.find("name"); name != j.end()) {
    if (!name->is_string()) return fail("'name' is not a string");
    m.name = name->get<std::string>();
  }
  if (const auto lm = j.find("landmarks"); lm != j.end()) {
    if (!lm->is_array() || lm->size() != 68) return fail("'landmarks' is not 68 points");
    for (const auto& p : *lm) {
      if (!p.is_array() || p.size() != 2 || !FiniteNumber(p[0]) || !FiniteNumber(p[1])) {
        return fail("'landmarks' holds a point that is not [x, y]");
      }
      m.landmarks.emplace_back(p[0].get<float>(), p[1].get<float>());
    }
    const auto t = j.find("frame_to_aligned");
    if (t == j.end() || !t->is_array() || t->size() != 6) {
      return fail("'frame_to_aligned' missing or not 6 numbers");
    }
    for (int i = 0; i < 6; ++i) {
      if (!FiniteNumber((*t)[i])) return fail("'frame_to_aligned' holds a non-number");
      m.frame_to_aligned(i / 3, i % 3) = (*t)[i].get<double>();
    }
  }
  if (const auto size = j.find("size"); size != j.end()) {
    if (!IntegerIn(*size, 1, 1 << 16)) return fail("'size' is not a crop edge in pixels");
    m.size = size->get<int>();
  }
  if (const auto d = j.find("identity_distance"); d != j.end()) {
    if (!FiniteNumber(*d) || d->get<double>() < 0) return fail("'identity_distance' is invalid");
    m.identity_distance = d->get<double>();
  }
  *out = std::move(m);
  if (error) error->clear();
  return true;
}

bool ReadFaceMetadata(const std::vector<uint8_t>& png, FaceImageMetadata* metadata,
                      std::string* error) {
  std::string why;
  const auto text = ReadPngText(png, &why);
  const auto it = text.find(kFacePngTextKey);
  if (it == text.end()) {
    if (error) *error = why;
    return false;
  }
  return ParseFaceMetadata(it->second, metadata, error);
}

bool ReadFaceMetadataFile(const std::string& path, FaceImageMetadata* metadata,
                          std::string* error) {
  std::string why;
  const auto text = ReadPngTextFile(path, &why);
  const auto it = text.find(kFacePngTextKey);
  if (it == text.end()) {
    if (error) *error = why;
    return false;
  }
  if (!ParseFaceMetadata(it->second, metadata, error)) {
    if (error) *error = "'" + path + "': " + *error;
    return false;
  }
  return true;
}

}  // namespace faceswap
