// Cleaning a face set: `faceswap alignments remove-faces` after a person deleted face PNGs,
// and `faceswap alignments list` on what is left, on real extracts (franck.mp4, dlib's photos).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <opencv2/imgcodecs.hpp>
#include <sstream>

#include "pipeline/alignments_file.h"
#include "pipeline/face_metadata.h"
#include "tests/testing/samples.h"
#include "tests/testing/shared_fixture.h"

namespace faceswap {
namespace {

namespace fs = std::filesystem;
using testing::RunCommand;
const std::string kBin = FACESWAP_BIN;

using testing::Quote;
using testing::ReadFile;

// Lines of `out` that are not log lines ("info: ...", "warning: ...").
std::vector<std::string> Lines(const std::string& out, const std::string& prefix) {
  std::vector<std::string> lines;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(prefix, 0) == 0) lines.push_back(line);
  }
  return lines;
}

class AlignmentsTools : public ::testing::Test {
 protected:
  // Made once for all test processes: 30 frames of franck.mp4 (one face each) and two of
  // dlib's group photos as an image folder (several faces each).
  static void SetUpTestSuite() {
    shared_ =
        new std::string(testing::SharedFixture("alignments-tools", kBin, [](const std::string& d) {
          std::string out;
          ASSERT_EQ(
              RunCommand(kBin + " -q extract -i " + Quote(testing::SampleMedia("franck.mp4")) +
                             " --end 30 -o " + Quote(d + "/franck"),
                         &out),
              0)
              << out;
          fs::create_directories(d + "/group");
          for (const char* photo : {"faces/bald_guys.jpg", "faces/2008_002506.jpg"}) {
            fs::copy(testing::DlibExample(photo), d + "/group");
          }
          ASSERT_EQ(RunCommand(kBin + " -q extract --detect-scale 2 -i " + Quote(d + "/group") +
                                   " -o " + Quote(d + "/group_faces"),
                               &out),
                    0)
              << out;
        }));
  }
  // A private copy of a shared extract folder, to delete faces from.
  std::string Copy(const std::string& name) {
    const std::string dir = testing::ScratchDir("alignments-tools") + "/" + name;
    fs::copy(*shared_ + "/" + name, dir);
    return dir;
  }
  static std::string* shared_;
};
std::string* AlignmentsTools::shared_ = nullptr;

TEST_F(AlignmentsTools, RemoveFacesDropsTheDeletedOnes) {
  const std::string dir = Copy("franck");
  const std::string path = dir + "/alignments.json";
  const std::string original = ReadFile(path);
  const Alignments before = ReadAlignments(path);
  ASSERT_EQ(before.sources.at(0).frames.size(), 30u);
  for (const auto& f : before.sources[0].frames) ASSERT_EQ(f.faces.size(), 1u) << f.index;
  for (const char* name : {"franck_000004_0.png", "franck_000017_0.png", "franck_000018_0.png"}) {
    ASSERT_TRUE(fs::remove(dir + "/" + name)) << name;
  }
  std::string out;
  ASSERT_EQ(
      RunCommand(kBin + " alignments remove-faces -a " + Quote(path) + " -i " + Quote(dir), &out),
      0)
      << out;
  EXPECT_NE(out.find("removed 3 faces from 3 frames; 27 faces kept"), std::string::npos) << out;
  // The input was backed up byte for byte before it was replaced.
  EXPECT_EQ(ReadFile(path + ".bak"), original);

  const Alignments after = ReadAlignments(path);
  ASSERT_EQ(after.sources.at(0).frames.size(), 30u);  // Frames stay, without their face.
  for (size_t i = 0; i < 30; ++i) {
    const AlignmentsFrame& f = after.sources[0].frames[i];
    const bool deleted = f.index == 4 || f.index == 17 || f.index == 18;
    ASSERT_EQ(f.faces.size(), deleted ? 0u : 1u) << f.index;
    if (!deleted) {
      EXPECT_EQ(f.faces[0].landmarks, before.sources[0].frames[i].faces[0].landmarks);
    }
  }
  ASSERT_EQ(RunCommand(kBin + " alignments list -a " + Quote(path), &out), 0) << out;
  EXPECT_NE(out.find("30 processed, 27 faces"), std::string::npos) << out;
  EXPECT_NE(out.find("frames with faces: 27 of 30"), std::string::npos) << out;
  EXPECT_NE(out.find("frames without faces: 3 (4, 17-18)"), std::string::npos) << out;

  // Again: nothing to remove, nothing written, no second backup.
  const std::string cleaned = ReadFile(path);
  ASSERT_EQ(
      RunCommand(kBin + " alignments remove-faces -a " + Quote(path) + " -i " + Quote(dir), &out),
      0)
      << out;
  EXPECT_NE(out.find("removed 0 faces from 0 frames; 27 faces kept"), std::string::npos) << out;
  EXPECT_EQ(ReadFile(path), cleaned);
  EXPECT_FALSE(fs::exists(path + ".bak.1"));
}

TEST_F(AlignmentsTools, RemoveFacesToAnotherFileLeavesTheInput) {
  const std::string dir = Copy("franck");
  const std::string path = dir + "/alignments.json";
  const std::string original = ReadFile(path);
  ASSERT_TRUE(fs::remove(dir + "/franck_000010_0.png"));
  std::string out;
  ASSERT_EQ(RunCommand(kBin + " alignments remove-faces -a " + Quote(path) + " -i " + Quote(dir) +
                           " -o " + Quote(dir + "/clean.json.gz"),
                       &out),
            0)
      << out;
  EXPECT_NE(out.find("removed 1 faces from 1 frames; 29 faces kept"), std::string::npos) << out;
  EXPECT_EQ(ReadFile(path), original);
  EXPECT_FALSE(fs::exists(path + ".bak"));
  EXPECT_TRUE(ReadAlignments(dir + "/clean.json.gz").sources[0].frames[10].faces.empty());
}

TEST_F(AlignmentsTools, RemoveFacesFallsBackToFileNames) {
  // Faces saved again by another program lose the metadata chunk: names still identify them.
  const std::string dir = Copy("franck");
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() != ".png") continue;
    const cv::Mat face = cv::imread(e.path().string());
    ASSERT_TRUE(cv::imwrite(e.path().string(), face));
    FaceImageMetadata m;
    std::string error;
    ASSERT_FALSE(ReadFaceMetadataFile(e.path().string(), &m, &error));
  }
  ASSERT_TRUE(fs::remove(dir + "/franck_000000_0.png"));
  ASSERT_TRUE(fs::remove(dir + "/franck_000029_0.png"));
  std::string out;
  ASSERT_EQ(RunCommand(kBin + " alignments remove-faces -a " + Quote(dir + "/alignments.json") +
                           " -i " + Quote(dir),
                       &out),
            0)
      << out;
  EXPECT_NE(out.find("removed 2 faces from 2 frames; 28 faces kept"), std::string::npos) << out;
}

TEST_F(AlignmentsTools, ListAndRemoveInMultiFaceFrames) {
  const std::string dir = Copy("group_faces");
  const std::string path = dir + "/alignments.json";
  std::string out;
  ASSERT_EQ(RunCommand(kBin + " alignments list -a " + Quote(path), &out), 0) << out;
  EXPECT_NE(out.find("frames with faces: 2 of 2"), std::string::npos) << out;
  EXPECT_NE(out.find("frames with several faces: 2 (0-1: 2008_002506, bald_guys)"),
            std::string::npos)
      << out;
  ASSERT_EQ(RunCommand(kBin + " alignments list --csv -a " + Quote(path), &out), 0) << out;
  const std::vector<std::string> rows = Lines(out, "");
  ASSERT_EQ(rows.size(), 2u) << out;
  EXPECT_EQ(rows[0].rfind("source,width,height,fps,frames_in_source,frames,faces,", 0), 0u);
  // ... frames_with_faces, frames_without_faces, frames_with_several_faces, their ranges.
  EXPECT_NE(rows[1].find(",2,0,2,,0-1,"), std::string::npos) << rows[1];

  // Delete the first face of each photo: the others move up to position 0 in the file, and a
  // second run still knows them (by their landmarks), so it removes nothing more.
  const Alignments before = ReadAlignments(path);
  size_t total = 0;
  for (const auto& f : before.sources[0].frames) total += f.faces.size();
  ASSERT_TRUE(fs::remove(dir + "/bald_guys_000001_0.png"));
  ASSERT_TRUE(fs::remove(dir + "/2008_002506_000000_0.png"));
  ASSERT_EQ(
      RunCommand(kBin + " alignments remove-faces -a " + Quote(path) + " -i " + Quote(dir), &out),
      0)
      << out;
  EXPECT_NE(out.find("removed 2 faces from 2 frames; " + std::to_string(total - 2) + " faces kept"),
            std::string::npos)
      << out;
  const Alignments after = ReadAlignments(path);
  for (size_t i = 0; i < 2; ++i) {
    const auto& was = before.sources[0].frames[i].faces;
    const auto& now = after.sources[0].frames[i].faces;
    ASSERT_EQ(now.size(), was.size() - 1);
    for (size_t k = 0; k < now.size(); ++k) EXPECT_EQ(now[k].landmarks, was[k + 1].landmarks);
  }
  ASSERT_EQ(
      RunCommand(kBin + " alignments remove-faces -a " + Quote(path) + " -i " + Quote(dir), &out),
      0)
      << out;
  EXPECT_NE(out.find("removed 0 faces from 0 frames"), std::string::npos) << out;
}

// Bad inputs: exit 1, one "error:" line naming the problem, the alignments file untouched.
TEST_F(AlignmentsTools, RemoveFacesBadInputs) {
  const std::string dir = Copy("franck");
  const std::string path = dir + "/alignments.json";
  const std::string original = ReadFile(path);
  const std::string empty = testing::ScratchDir("alignments-tools-empty");
  std::ofstream(empty + "/notes.txt") << "no faces here";
  const struct {
    std::string args, expected;
  } rows[] = {
      {"-a " + Quote(path) + " -i " + Quote(empty), "has no face PNGs"},
      {"-a " + Quote(path) + " -i " + Quote(dir + "/nowhere"), "does not exist or is not a folder"},
      {"-a " + Quote(dir + "/missing.json") + " -i " + Quote(dir), "missing.json' does not exist"},
      {"-a " + Quote(path) + " -i " + Quote(*shared_ + "/group_faces"),
       "belong to another source ('group')"},
  };
  for (const auto& row : rows) {
    std::string out;
    EXPECT_EQ(RunCommand(kBin + " alignments remove-faces " + row.args, &out), 1) << row.args;
    const std::vector<std::string> errors = Lines(out, "error: ");
    ASSERT_EQ(errors.size(), 1u) << out;
    EXPECT_NE(errors[0].find(row.expected), std::string::npos) << errors[0];
    EXPECT_EQ(Lines(out, "").size(), 1u) << out;  // Nothing else printed.
  }
  EXPECT_EQ(ReadFile(path), original);
  EXPECT_FALSE(fs::exists(path + ".bak"));
}

}  // namespace
}  // namespace faceswap
