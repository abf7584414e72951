#include "pipeline/alignments_file.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "base/check.h"
#include "tests/testing/samples.h"

namespace faceswap {
namespace {

// The version field as WriteAlignments writes it ("MAJOR.MINOR" of this build).
const std::string kVersionField = "\"version\": \"" + std::to_string(kAlignmentsVersionMajor) +
                                  "." + std::to_string(kAlignmentsVersionMinor) + "\"";

namespace fs = std::filesystem;

Alignments Sample() {
  Alignments a;
  a.convention.size = 192;
  a.convention.padding = 0.125;
  AlignmentsSource src;
  src.path = "clips/franck.mp4";
  src.width = 360;
  src.height = 288;
  src.fps = 24.0;
  src.frame_count = 4800;
  src.time_base_num = 1;
  src.time_base_den = 12288;
  src.detector = "detect/dlib-hog";
  src.landmarker = "align/dlib-68";
  for (int i = 0; i < 3; ++i) {
    AlignmentsFrame fr;
    fr.index = 10 + i;
    fr.pts = 512 * (10 + i);
    fr.timestamp = fr.pts / 12288.0;
    for (int k = 0; k < i; ++k) {  // Frame 10: no face, 11: one, 12: two.
      Face f;
      f.box = cv::Rect2f(100.25f + k, 80.5f, 150.125f, 151.f);
      f.score = 1.0625f + 0.1f * k;
      for (int p = 0; p < kNumLandmarks; ++p) f.landmarks.emplace_back(110.3f + p, 90.7f + p / 2.f);
      f.frame_to_aligned = cv::Matx23d(0.9, -0.1, -30.123456789, 0.1, 0.9, -20.5);
      if (k == 1) f.identity = "A";
      fr.faces.push_back(f);
    }
    src.frames.push_back(fr);
  }
  a.sources.push_back(src);
  AlignmentsSource folder;
  folder.path = "photos";
  folder.width = 640;
  folder.height = 480;
  AlignmentsFrame named;
  named.name = "img_0001";
  folder.frames.push_back(named);
  a.sources.push_back(folder);
  return a;
}

void ExpectEqual(const Alignments& x, const Alignments& y) {
  EXPECT_EQ(x.convention, y.convention);
  EXPECT_EQ(x.complete, y.complete);
  ASSERT_EQ(x.sources.size(), y.sources.size());
  for (size_t s = 0; s < x.sources.size(); ++s) {
    const auto &a = x.sources[s], &b = y.sources[s];
    EXPECT_EQ(a.path, b.path);
    EXPECT_EQ(a.width, b.width);
    EXPECT_EQ(a.height, b.height);
    EXPECT_EQ(a.fps, b.fps);
    EXPECT_EQ(a.frame_count, b.frame_count);
    EXPECT_EQ(a.time_base_num, b.time_base_num);
    EXPECT_EQ(a.time_base_den, b.time_base_den);
    EXPECT_EQ(a.detector, b.detector);
    EXPECT_EQ(a.landmarker, b.landmarker);
    ASSERT_EQ(a.frames.size(), b.frames.size());
    for (size_t f = 0; f < a.frames.size(); ++f) {
      const auto &fa = a.frames[f], &fb = b.frames[f];
      EXPECT_EQ(fa.index, fb.index);
      EXPECT_EQ(fa.pts, fb.pts);
      EXPECT_EQ(fa.timestamp, fb.timestamp);
      EXPECT_EQ(fa.name, fb.name);
      ASSERT_EQ(fa.faces.size(), fb.faces.size());
      for (size_t k = 0; k < fa.faces.size(); ++k) {
        const Face &p = fa.faces[k], &q = fb.faces[k];
        EXPECT_EQ(p.box, q.box);
        EXPECT_EQ(p.score, q.score);
        EXPECT_EQ(p.landmarks, q.landmarks);  // Bit-exact floats.
        EXPECT_EQ(cv::norm(p.frame_to_aligned - q.frame_to_aligned, cv::NORM_INF), 0.0);
        EXPECT_EQ(p.identity, q.identity);
      }
    }
  }
}

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void WriteText(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

// The FatalError message of reading `path`, or "" if it did not throw.
std::string ReadError(const std::string& path) {
  try {
    ReadAlignments(path);
  } catch (const FatalError& e) {
    return e.what();
  }
  return "";
}

TEST(AlignmentsFile, RoundTripPlainJson) {
  const std::string dir = testing::ScratchDir("align");
  const std::string path = dir + "/a.json";
  const Alignments a = Sample();
  WriteAlignments(path, a);
  ExpectEqual(a, ReadAlignments(path));
  // Human-readable: plain JSON, one frame per line.
  const std::string text = ReadText(path);
  EXPECT_EQ(text.rfind("{\n", 0), 0u);
  EXPECT_NE(text.find(kVersionField), std::string::npos) << text.substr(0, 300);
  EXPECT_NE(text.find("\n      {\"index\":10,\"pts\":5120,"), std::string::npos);
  // No temp files left behind.
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1);
}

TEST(AlignmentsFile, RoundTripGzip) {
  const std::string dir = testing::ScratchDir("align");
  const std::string path = dir + "/a.json.gz";
  Alignments a = Sample();
  a.complete = false;
  WriteAlignments(path, a);
  const std::string raw = ReadText(path);
  ASSERT_GE(raw.size(), 2u);
  EXPECT_EQ(static_cast<unsigned char>(raw[0]), 0x1f);  // gzip magic
  EXPECT_EQ(static_cast<unsigned char>(raw[1]), 0x8b);
  ExpectEqual(a, ReadAlignments(path));
}

TEST(AlignmentsFile, OverwriteReplacesAtomically) {
  const std::string dir = testing::ScratchDir("align");
  const std::string path = dir + "/a.json";
  Alignments a = Sample();
  WriteAlignments(path, a);
  a.sources.pop_back();
  WriteAlignments(path, a);
  EXPECT_EQ(ReadAlignments(path).sources.size(), 1u);
}

TEST(AlignmentsFile, RejectsUnknownMajorVersion) {
  const std::string dir = testing::ScratchDir("align");
  std::string text = AlignmentsToJson(Sample());
  const std::string from = kVersionField;
  text.replace(text.find(from), from.size(), "\"version\": \"2.0\"");
  WriteText(dir + "/v2.json", text);
  const std::string err = ReadError(dir + "/v2.json");
  EXPECT_NE(err.find("version 2.0"), std::string::npos) << err;
  EXPECT_NE(err.find("reads version 1.x"), std::string::npos) << err;
  // A newer minor version of the same major is read (unknown fields ignored).
  text = AlignmentsToJson(Sample());
  text.replace(text.find(from), from.size(), "\"version\": \"1.7\", \"future_field\": 3");
  WriteText(dir + "/v17.json", text);
  EXPECT_EQ(ReadError(dir + "/v17.json"), "");
}

TEST(AlignmentsFile, TruncatedFilesGiveClearErrors) {
  const std::string dir = testing::ScratchDir("align");
  const std::string text = AlignmentsToJson(Sample());
  WriteText(dir + "/cut.json", text.substr(0, text.size() / 2));
  std::string err = ReadError(dir + "/cut.json");
  EXPECT_NE(err.find("truncated or not valid JSON"), std::string::npos) << err;
  EXPECT_NE(err.find("cut.json"), std::string::npos) << err;

  WriteAlignments(dir + "/full.json.gz", Sample());
  const std::string gz = ReadText(dir + "/full.json.gz");
  WriteText(dir + "/cut.json.gz", gz.substr(0, gz.size() / 2));
  err = ReadError(dir + "/cut.json.gz");
  EXPECT_NE(err.find("cut.json.gz"), std::string::npos) << err;
  EXPECT_NE(err.find("truncated"), std::string::npos) << err;
}

TEST(AlignmentsFile, MalformedFilesGiveClearErrors) {
  const std::string dir = testing::ScratchDir("align");
  WriteText(dir + "/other.json", "{\"hello\": 1}");
  EXPECT_NE(ReadError(dir + "/other.json").find("not a faceswap alignments file"),
            std::string::npos);

  std::string text = AlignmentsToJson(Sample());
  // A face with 3 landmarks.
  const std::string pts = "\"landmarks\":[[110.3,90.7],";
  const size_t at = text.find(pts);
  ASSERT_NE(at, std::string::npos) << text.substr(0, 2000);
  const size_t end = text.find("]],", at);
  text.replace(at, end + 2 - at, "\"landmarks\":[[1,2],[3,4],[5,6]]");
  WriteText(dir + "/few.json", text);
  std::string err = ReadError(dir + "/few.json");
  EXPECT_NE(err.find("malformed"), std::string::npos) << err;
  EXPECT_NE(err.find("68"), std::string::npos) << err;

  text = AlignmentsToJson(Sample());
  text.replace(text.find("\"width\":360"), 11, "\"width\":\"wide\"");
  WriteText(dir + "/type.json", text);
  err = ReadError(dir + "/type.json");
  EXPECT_NE(err.find("malformed"), std::string::npos) << err;

  EXPECT_NE(ReadError(dir + "/missing.json").find("does not exist"), std::string::npos);
  WriteText(dir + "/empty.json", "");
  EXPECT_NE(ReadError(dir + "/empty.json").find("truncated"), std::string::npos);
}

// Found by tests/fuzz/alignments_fuzz: a number too large for a double made the JSON
// parser throw out_of_range, which escaped ReadAlignments instead of a FatalError.
TEST(AlignmentsFile, NumberOverflowIsAClearError) {
  const std::string dir = testing::ScratchDir("align");
  std::string text = AlignmentsToJson(Sample());
  text.replace(text.find("\"fps\":24.0"), 10, "\"fps\":0.7E7388");
  WriteText(dir + "/overflow.json", text);
  const std::string err = ReadError(dir + "/overflow.json");
  EXPECT_NE(err.find("overflow.json"), std::string::npos) << err;
  EXPECT_NE(err.find("not valid JSON"), std::string::npos) << err;
  EXPECT_EQ(err.find('\n'), std::string::npos) << err;
}

// Found by tests/fuzz/alignments_fuzz: a "version" (or "format") that is not a string made
// json::value throw type_error, which escaped ReadAlignments.
TEST(AlignmentsFile, NonStringVersionIsAClearError) {
  const std::string dir = testing::ScratchDir("align");
  std::string text = AlignmentsToJson(Sample());
  text.replace(text.find(kVersionField), kVersionField.size(), "\"version\": [1, 0]");
  WriteText(dir + "/version.json", text);
  std::string err = ReadError(dir + "/version.json");
  EXPECT_NE(err.find("unreadable format version"), std::string::npos) << err;
  EXPECT_NE(err.find("version.json"), std::string::npos) << err;
  WriteText(dir + "/format.json", "{\"format\": 7}");
  err = ReadError(dir + "/format.json");
  EXPECT_NE(err.find("not a faceswap alignments file"), std::string::npos) << err;
}

// Found by tests/fuzz/alignments_fuzz: a number within double's range but beyond float's
// (1e39) read as inf, which WriteAlignments then stored as null: a file that read fine was
// rewritten unreadable. Such a value is rejected on reading.
TEST(AlignmentsFile, FloatOverflowIsRejected) {
  const std::string dir = testing::ScratchDir("align");
  std::string text = AlignmentsToJson(Sample());
  const std::string pts = "\"landmarks\":[[110.3,";
  ASSERT_NE(text.find(pts), std::string::npos);
  text.replace(text.find(pts), pts.size(), "\"landmarks\":[[1e39,");
  WriteText(dir + "/float.json", text);
  const std::string err = ReadError(dir + "/float.json");
  EXPECT_NE(err.find("malformed"), std::string::npos) << err;
  EXPECT_NE(err.find("out of range"), std::string::npos) << err;
}

// Found by tests/fuzz/alignments_fuzz (UBSan): an integer field given as a float beyond int's
// range (4.3e11) was cast by json::get<int>, which is undefined behaviour.
TEST(AlignmentsFile, OutOfRangeIntegersAreRejected) {
  const std::string dir = testing::ScratchDir("align");
  for (const std::string& width : {"4.29497e+11", "1e30", "2.5", "2147483648"}) {
    std::string text = AlignmentsToJson(Sample());
    text.replace(text.find("\"width\":360"), 11, "\"width\":" + width);
    WriteText(dir + "/int.json", text);
    const std::string err = ReadError(dir + "/int.json");
    EXPECT_NE(err.find("malformed"), std::string::npos) << width << ": " << err;
  }
  std::string text = AlignmentsToJson(Sample());
  text.replace(text.find("\"width\":360"), 11, "\"width\":360.0");
  EXPECT_EQ(AlignmentsFromJson(text, "x").sources.at(0).width, 360);
}

TEST(AlignmentsFile, UnwritableFolderIsAFatalError) {
  const std::string dir = testing::ScratchDir("align");
  try {
    WriteAlignments(dir + "/no/such/folder/a.json", Sample());
    FAIL() << "expected FatalError";
  } catch (const FatalError& e) {
    EXPECT_NE(std::string(e.what()).find("does not exist"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace faceswap
