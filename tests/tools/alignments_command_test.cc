// `faceswap alignments list|draw|export` on the output of a real extract.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <sstream>

#include "tests/testing/samples.h"

namespace faceswap {
namespace {

namespace fs = std::filesystem;
using testing::RunCommand;
const std::string kBin = FACESWAP_BIN;

using testing::Quote;

class AlignmentsTool : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    video_ = new std::string(testing::SampleMedia("franck.mp4"));
    dir_ = new std::string(testing::ScratchDir("alignments-tool"));
    std::string out;
    ASSERT_EQ(RunCommand(kBin + " extract --progress off --no-faces --end 25 -i " + Quote(*video_) +
                             " -o " + Quote(*dir_),
                         &out),
              0)
        << out;
  }
  static std::string* video_;
  static std::string* dir_;
  std::string Alignments() const { return *dir_ + "/alignments.json"; }
};
std::string* AlignmentsTool::video_ = nullptr;
std::string* AlignmentsTool::dir_ = nullptr;

TEST_F(AlignmentsTool, ListCountsFacesPerFrame) {
  std::string out;
  ASSERT_EQ(RunCommand(kBin + " alignments list -a " + Quote(Alignments()), &out), 0) << out;
  EXPECT_NE(out.find("25 processed, 25 faces"), std::string::npos) << out;
  EXPECT_NE(out.find("frames with 1 face: 25"), std::string::npos) << out;
  EXPECT_NE(out.find("frames without faces: none"), std::string::npos) << out;
  ASSERT_EQ(RunCommand(kBin + " alignments list --per-frame -a " + Quote(Alignments()), &out), 0);
  EXPECT_NE(out.find("frame 24  t=1.000  faces=1"), std::string::npos) << out;
}

TEST_F(AlignmentsTool, DrawWritesAnnotatedFrames) {
  const std::string drawn = *dir_ + "/drawn";
  std::string out;
  ASSERT_EQ(RunCommand(kBin + " alignments draw --progress off --every 5 -a " +
                           Quote(Alignments()) + " -i " + Quote(*video_) + " -o " + Quote(drawn),
                       &out),
            0)
      << out;
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(drawn)) names.push_back(e.path().filename());
  std::sort(names.begin(), names.end());
  ASSERT_EQ(names, (std::vector<std::string>{"000000.jpg", "000005.jpg", "000010.jpg", "000015.jpg",
                                             "000020.jpg"}));
  const cv::Mat image = cv::imread(drawn + "/000010.jpg");
  ASSERT_EQ(image.size(), cv::Size(360, 288));
  // The box is drawn in pure-ish green and the landmarks in red: both are present.
  cv::Mat green, red;
  cv::inRange(image, cv::Scalar(0, 200, 0), cv::Scalar(90, 255, 90), green);
  cv::inRange(image, cv::Scalar(0, 0, 200), cv::Scalar(90, 90, 255), red);
  EXPECT_GT(cv::countNonZero(green), 300);
  EXPECT_GT(cv::countNonZero(red), 50);
}

TEST_F(AlignmentsTool, ExportCsvAndJson) {
  std::string out;
  const std::string csv = *dir_ + "/landmarks.csv";
  ASSERT_EQ(
      RunCommand(kBin + " alignments export -a " + Quote(Alignments()) + " -o " + Quote(csv), &out),
      0)
      << out;
  std::ifstream in(csv);
  std::string line;
  int rows = 0;
  while (std::getline(in, line)) {
    EXPECT_EQ(std::count(line.begin(), line.end(), ','), 8 + 136) << line.substr(0, 80);
    ++rows;
  }
  EXPECT_EQ(rows, 26);  // Header + one row per face.

  const std::string json_path = *dir_ + "/landmarks.json";
  ASSERT_EQ(
      RunCommand(kBin + " alignments export -a " + Quote(Alignments()) + " -o " + Quote(json_path),
                 &out),
      0)
      << out;
  std::ifstream jin(json_path);
  const nlohmann::json rows_json = nlohmann::json::parse(jin);
  ASSERT_EQ(rows_json.size(), 25u);
  EXPECT_EQ(rows_json[3]["frame"], 3);
  EXPECT_EQ(rows_json[3]["landmarks"].size(), 68u);

  EXPECT_EQ(RunCommand(kBin + " alignments export -a " + Quote(Alignments()) + " -o " +
                           Quote(*dir_ + "/x.txt"),
                       &out),
            1);
  EXPECT_NE(out.find(".csv or .json"), std::string::npos) << out;
}

TEST_F(AlignmentsTool, MalformedFileIsAClearError) {
  const std::string bad = *dir_ + "/bad.json";
  std::ofstream(bad) << "{\"format\": \"faceswap-alignments\", \"version\": \"1.0\", ";
  std::string out;
  EXPECT_EQ(RunCommand(kBin + " alignments list -a " + Quote(bad), &out), 1);
  EXPECT_NE(out.find("bad.json' is truncated or not valid JSON"), std::string::npos) << out;
}

}  // namespace
}  // namespace faceswap
