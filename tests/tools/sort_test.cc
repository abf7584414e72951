// `faceswap sort` on real faces: extracted Franck stills mixed with other people's faces
// (dlib's group photos), dlib's aligned johns (no metadata), blurred copies; and the per-face
// measures of tools/face_scores.h on their own.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <sstream>

#include "pipeline/face_metadata.h"
#include "pipeline/png_text.h"
#include "tests/testing/samples.h"
#include "tests/testing/shared_fixture.h"
#include "tools/face_scores.h"

namespace faceswap {
namespace {

namespace fs = std::filesystem;
using testing::RunCommand;
const std::string kBin = FACESWAP_BIN;

using testing::Quote;
using testing::ReadFile;

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

struct Row {
  int rank = -1;
  std::string file, score, source, frame, face, note;
};

// The CSV `sort` writes (no field of these tests holds a comma).
std::vector<Row> ParseCsv(const std::string& text) {
  std::vector<Row> rows;
  const std::vector<std::string> lines = Lines(text);
  EXPECT_FALSE(lines.empty());
  if (lines.empty()) return rows;
  EXPECT_EQ(lines[0], "rank,file,score,source,frame,face,note");
  for (size_t i = 1; i < lines.size(); ++i) {
    std::vector<std::string> f;
    std::stringstream ss(lines[i]);
    for (std::string field; std::getline(ss, field, ',');) f.push_back(field);
    while (f.size() < 7) f.emplace_back();
    rows.push_back({std::stoi(f[0]), f[1], f[2], f[3], f[4], f[5], f[6]});
    EXPECT_EQ(rows.back().rank, static_cast<int>(i - 1));
  }
  return rows;
}

// Runs `faceswap sort <args> --csv FILE`, expecting success; the ranking.
std::vector<Row> Sort(const std::string& args) {
  const std::string csv = testing::ScratchDir("sort-csv") + "/ranking.csv";
  std::string out;
  EXPECT_EQ(RunCommand(kBin + " -q sort --progress off " + args + " --csv " + Quote(csv), &out), 0)
      << out;
  return ParseCsv(ReadFile(csv));
}

// File name -> bytes of every file in `dir`.
std::map<std::string, std::string> Snapshot(const std::string& dir) {
  std::map<std::string, std::string> files;
  for (const auto& e : fs::directory_iterator(dir)) {
    files[e.path().filename().string()] = ReadFile(e.path().string());
  }
  return files;
}

bool IsFranck(const std::string& file) { return file.rfind("franck_", 0) == 0; }

class SortTest : public ::testing::Test {
 protected:
  // Made once for all test processes: one folder with the faces of Franck's 11 stills and of
  // two of dlib's group photos (5 other people), as extract writes them.
  static void SetUpTestSuite() {
    shared_ = new std::string(testing::SharedFixture("sort", kBin, [](const std::string& d) {
      fs::create_directories(d + "/stills");
      fs::create_directories(d + "/group");
      for (const auto& e :
           fs::directory_iterator(fs::path(testing::SampleMedia("franck.mp4")).parent_path())) {
        const std::string name = e.path().filename().string();
        if (name.rfind("franck_0", 0) == 0 && e.path().extension() == ".jpg") {
          fs::copy(e.path(), d + "/stills");
        }
      }
      for (const char* photo : {"faces/bald_guys.jpg", "faces/2008_002506.jpg"}) {
        fs::copy(testing::DlibExample(photo), d + "/group");
      }
      std::string out;
      for (const char* input : {"stills", "group"}) {
        ASSERT_EQ(
            RunCommand(kBin + " -q extract --detect-scale 2 -i " + Quote(d + "/" + input) + " -o " +
                           Quote(d + "/faces") + " -a " + Quote(d + "/" + input + ".json"),
                       &out),
            0)
            << out;
      }
    }));
    faces_ = new std::string(*shared_ + "/faces");
  }
  static std::string* shared_;
  static std::string* faces_;
};
std::string* SortTest::shared_ = nullptr;
std::string* SortTest::faces_ = nullptr;

TEST_F(SortTest, IdentityWithARefPutsOtherPeopleLast) {
  const auto before = Snapshot(*faces_);
  size_t franck = 0;
  for (const auto& [name, bytes] : before) franck += IsFranck(name);
  ASSERT_EQ(franck, 11u);
  ASSERT_GE(before.size(), 11u + 4u);

  const std::string dir = testing::ScratchDir("sort-identity");
  std::string out;
  ASSERT_EQ(RunCommand(kBin + " sort --progress off --by identity -i " + Quote(*faces_) +
                           " --ref " + Quote(testing::SampleMedia("franck_02045.jpg")) + " -o " +
                           Quote(dir + "/ranked") + " --csv " + Quote(dir + "/ranking.csv"),
                       &out),
            0)
      << out;
  const std::vector<Row> rows = ParseCsv(ReadFile(dir + "/ranking.csv"));
  ASSERT_EQ(rows.size(), before.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(IsFranck(rows[i].file), i < franck) << i << " " << rows[i].file;
    EXPECT_FALSE(rows[i].score.empty()) << rows[i].file << ": " << rows[i].note;
    EXPECT_EQ(rows[i].note.rfind(i < franck ? "same person" : "other person", 0), 0u)
        << rows[i].file << " " << rows[i].score;
    if (i > 0) EXPECT_LE(std::stod(rows[i - 1].score), std::stod(rows[i].score));
  }
  // Ranked copies, byte for byte; the input folder is untouched.
  const auto ranked = Snapshot(dir + "/ranked");
  ASSERT_EQ(ranked.size(), rows.size());
  for (const auto& row : rows) {
    char prefix[16];
    std::snprintf(prefix, sizeof(prefix), "%05d_", row.rank);
    ASSERT_TRUE(ranked.count(prefix + row.file)) << prefix << row.file;
    EXPECT_EQ(ranked.at(prefix + row.file), before.at(row.file));
  }
  EXPECT_EQ(Snapshot(*faces_), before);
}

TEST_F(SortTest, IdentityWithoutARefFindsTheFoldersMajority) {
  // dlib's aligned chips carry no metadata: the face is found in the pixels.
  const std::string dir = testing::ScratchDir("sort-johns");
  fs::copy(testing::Johns("John_Salley"), dir);
  std::vector<std::string> others;
  for (const auto& e : fs::directory_iterator(testing::Johns("John_Simm"))) {
    others.push_back(e.path().filename().string());
  }
  std::sort(others.begin(), others.end());
  others.resize(2);
  for (const auto& o : others) {
    fs::copy(fs::path(testing::Johns("John_Simm")) / o, fs::path(dir) / ("simm_" + o));
  }
  const std::vector<Row> rows = Sort("--by identity -i " + Quote(dir));
  ASSERT_EQ(rows.size(), 11u + 2u);
  for (size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i].file.rfind("simm_", 0) == 0, i >= 11) << i << " " << rows[i].file;
    EXPECT_FALSE(rows[i].score.empty()) << rows[i].file << ": " << rows[i].note;
  }
}

TEST_F(SortTest, BlurPutsABlurredCopyAfterItsOriginal) {
  const std::string dir = testing::ScratchDir("sort-blur");
  std::vector<std::string> originals;
  for (const auto& [name, bytes] : Snapshot(*faces_)) {
    if (IsFranck(name) && originals.size() < 4) originals.push_back(name);
  }
  ASSERT_EQ(originals.size(), 4u);
  for (size_t i = 0; i < originals.size(); ++i) {
    const std::string from = *faces_ + "/" + originals[i];
    fs::copy(from, dir + "/" + originals[i]);
    cv::Mat blurred;
    cv::GaussianBlur(cv::imread(from), blurred, cv::Size(0, 0), 2.0);
    std::vector<uint8_t> png;
    ASSERT_TRUE(cv::imencode(".png", blurred, png));
    if (i % 2 == 0) {  // Half keep extract's metadata (landmark region), half have none.
      std::string error;
      const auto text = ReadPngTextFile(from, &error);
      png = AddPngText(png, kFacePngTextKey, text.at(kFacePngTextKey));
    }
    std::ofstream(dir + "/blurred_" + originals[i], std::ios::binary)
        .write(reinterpret_cast<const char*>(png.data()), static_cast<std::streamsize>(png.size()));
  }
  std::ofstream(dir + "/broken.png") << "\x89PNG\r\n\x1a\n truncated";
  const std::vector<Row> rows = Sort("--by blur -i " + Quote(dir));
  ASSERT_EQ(rows.size(), 9u);
  EXPECT_EQ(rows.back().file, "broken.png");  // Unreadable: last, without a score.
  EXPECT_EQ(rows.back().score, "");
  EXPECT_EQ(rows.back().note, "unreadable image");
  std::map<std::string, int> rank;
  for (const auto& r : rows) rank[r.file] = r.rank;
  for (size_t i = 1; i + 1 < rows.size(); ++i) {
    EXPECT_GE(std::stod(rows[i - 1].score), std::stod(rows[i].score));
  }
  for (const auto& o : originals) EXPECT_LT(rank.at(o), rank.at("blurred_" + o)) << o;
}

TEST_F(SortTest, SizePoseAndLandmarksError) {
  // A copy saved by another program (no metadata) is scored by its crop or ranked last.
  const std::string dir = testing::ScratchDir("sort-keys");
  fs::copy(*faces_, dir);
  const std::string plain = "zz_plain.png";
  ASSERT_TRUE(cv::imwrite(dir + "/" + plain, cv::imread(*faces_ + "/franck_01829_000000_0.png")));
  const size_t n = Snapshot(dir).size();

  // Size: the landmark extent in frame pixels from each file's metadata, largest first.
  std::vector<Row> rows = Sort("--by size -i " + Quote(dir));
  ASSERT_EQ(rows.size(), n);
  for (size_t i = 0; i < rows.size(); ++i) {
    const Row& r = rows[i];
    if (i > 0) EXPECT_GE(std::stod(rows[i - 1].score), std::stod(r.score));
    if (r.file == plain) {
      EXPECT_EQ(r.note, "crop edge (no metadata)");
      EXPECT_EQ(r.score, "256");
      continue;
    }
    EXPECT_EQ(r.note, "landmark extent in frame px");
    EXPECT_EQ(r.source, IsFranck(r.file) ? "stills" : "group");
    FaceImageMetadata m;
    std::string error;
    ASSERT_TRUE(ReadFaceMetadataFile(dir + "/" + r.file, &m, &error)) << error;
    EXPECT_NEAR(std::stod(r.score), LandmarkExtent(m.landmarks), 1e-3 * std::stod(r.score));
    EXPECT_EQ(r.frame, std::to_string(m.frame));
    EXPECT_EQ(r.face, std::to_string(m.face));
  }

  for (const std::string key : {"pose", "landmarks-error"}) {
    rows = Sort("--by " + key + " -i " + Quote(dir));
    ASSERT_EQ(rows.size(), n);
    EXPECT_EQ(rows.back().file, plain);  // No landmarks: last, no score.
    EXPECT_EQ(rows.back().score, "");
    EXPECT_EQ(rows.back().note, "no landmarks (no faceswap metadata)");
    for (size_t i = 1; i + 1 < rows.size(); ++i) {
      const double a = std::stod(rows[i - 1].score), b = std::stod(rows[i].score);
      if (key == "pose")
        EXPECT_LE(a, b) << i;  // Most frontal first.
      else
        EXPECT_GE(a, b) << i;  // Worst alignment first.
    }
    if (key == "pose") {
      EXPECT_LT(std::stod(rows.front().score), 10.0);
      EXPECT_EQ(rows.front().note.rfind("yaw ", 0), 0u) << rows.front().note;
    }
  }
}

// Bad inputs: one "error:" line naming the problem, exit 1 (2 for usage errors), the input
// folder untouched.
TEST_F(SortTest, BadInputs) {
  const auto before = Snapshot(*faces_);
  const std::string dir = testing::ScratchDir("sort-bad");
  fs::create_directories(dir + "/empty");
  fs::create_directories(dir + "/full");
  std::ofstream(dir + "/full/keep.txt") << "x";
  const std::string in = " -i " + Quote(*faces_);
  const struct {
    std::string args;
    int code;
    std::string expected;
  } rows[] = {
      {"-i " + Quote(dir + "/nowhere") + " --dry-run", 1, "does not exist or is not a folder"},
      {"-i " + Quote(dir + "/empty") + " --dry-run", 1, "has no face images"},
      {"--by blur" + in, 1, "nothing to write"},
      {"--by blur --ref " + Quote(*faces_) + in + " --dry-run", 1, "only with --by identity"},
      {"--ref " + Quote(dir + "/nobody.jpg") + in + " --dry-run", 1, "nobody.jpg' does not exist"},
      {"--by blur -o " + Quote(dir + "/full") + in, 1, "is not empty"},
      {"--by blur -o " + Quote(*faces_) + in, 1, "is the input folder"},
      {"--by blur --csv " + Quote(dir + "/no/such/x.csv") + in, 1, "does not exist"},
      {"--by sharpness --dry-run" + in, 2, "sharpness not in {identity,blur,size,pose,"},
      {"--by blur --dry-run -o " + Quote(dir + "/new") + in, 2, "excludes"},
  };
  for (const auto& row : rows) {
    std::string out;
    EXPECT_EQ(RunCommand(kBin + " sort --progress off " + row.args, &out), row.code) << row.args;
    const std::vector<std::string> lines = Lines(out);
    ASSERT_EQ(lines.size(), 1u) << row.args << "\n" << out;
    EXPECT_EQ(lines[0].rfind("error: ", 0), 0u) << lines[0];
    EXPECT_NE(lines[0].find(row.expected), std::string::npos) << lines[0];
  }
  EXPECT_EQ(Snapshot(*faces_), before);
  EXPECT_FALSE(fs::exists(dir + "/new"));
  EXPECT_EQ(Snapshot(dir + "/full").size(), 1u);
}

// ---- The measures on their own (tools/face_scores.h). -------------------------------------

std::vector<cv::Point2f> StoredLandmarks(const std::string& png) {
  FaceImageMetadata m;
  std::string error;
  EXPECT_TRUE(ReadFaceMetadataFile(png, &m, &error)) << error;
  return m.landmarks;
}

std::vector<cv::Point2f> Similar(const std::vector<cv::Point2f>& pts, double scale, double angle,
                                 cv::Point2f shift) {
  std::vector<cv::Point2f> out;
  const double c = std::cos(angle) * scale, s = std::sin(angle) * scale;
  for (const auto& p : pts) {
    out.emplace_back(static_cast<float>(c * p.x - s * p.y) + shift.x,
                     static_cast<float>(s * p.x + c * p.y) + shift.y);
  }
  return out;
}

TEST_F(SortTest, MeasuresIgnoreTheFramePlacement) {
  const auto lm = StoredLandmarks(*faces_ + "/franck_02159_000002_0.png");
  ASSERT_EQ(lm.size(), 68u);
  const auto moved = Similar(lm, 0.5, 0.3, {40.f, -25.f});
  EXPECT_NEAR(AlignmentError(moved), AlignmentError(lm), 1e-4);
  EXPECT_NEAR(YawDegrees(moved), YawDegrees(lm), 0.05);  // Roll is removed first.
  EXPECT_NEAR(LandmarkExtent(Similar(lm, 2.0, 0.0, {})), 2.0 * LandmarkExtent(lm), 1e-3);
  // The nose tip moved towards the image's right: the face turns right (positive yaw).
  auto turned = lm;
  turned[30].x += 0.2f * (lm[16].x - lm[0].x);
  EXPECT_GT(YawDegrees(turned), YawDegrees(lm) + 10.0);
  // A jaw or nose misplaced by the landmarker: further from the mean face than the real fit.
  auto misfit = lm;
  for (int i = 27; i < 36; ++i) misfit[i].y += 0.15f * (lm[8].y - lm[27].y);
  EXPECT_GT(AlignmentError(misfit), AlignmentError(lm) * 1.5);
}

TEST_F(SortTest, BlurScoreFallsWithBlur) {
  const cv::Mat face = cv::imread(*faces_ + "/franck_02159_000002_0.png");
  ASSERT_FALSE(face.empty());
  double previous = BlurScore(face, {});
  EXPECT_GT(previous, 0.0);
  for (double sigma : {0.8, 1.5, 3.0}) {
    cv::Mat blurred;
    cv::GaussianBlur(face, blurred, cv::Size(0, 0), sigma);
    const double score = BlurScore(blurred, {});
    EXPECT_LT(score, previous) << sigma;
    previous = score;
  }
  // The template's inner face is where an aligned crop's landmarks are: both regions agree.
  FaceImageMetadata m;
  std::string error;
  ASSERT_TRUE(ReadFaceMetadataFile(*faces_ + "/franck_02159_000002_0.png", &m, &error)) << error;
  const double from_landmarks = BlurScore(face, m.CropLandmarks());
  EXPECT_GT(from_landmarks, 0.7 * BlurScore(face, {}));
  EXPECT_LT(from_landmarks, 1.4 * BlurScore(face, {}));
  EXPECT_EQ(BlurScore(cv::Mat(), {}), 0.0);
}

}  // namespace
}  // namespace faceswap
