// A full disk, for real: a small tmpfs mounted by the test (needs root; skipped, saying so,
// where mounting is not allowed). extract, train's checkpoint save and convert must each fail
// with exit 1 and one `error:` line naming the path and the reason, leave no partial file
// under a final name and no temp file, and a model folder must keep resuming from its last
// complete checkpoint.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "pipeline/alignments_file.h"
#include "tests/testing/media_probe.h"
#include "tests/testing/samples.h"

namespace faceswap {
namespace {

namespace fs = std::filesystem;
using testing::RunCommand;
const std::string kBin = FACESWAP_BIN;

using testing::Johns;

// Every file under `dir` (recursively), relative to it.
std::vector<std::string> FilesUnder(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    names.push_back(fs::relative(e.path(), dir).string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

// Temporary names: base/pending_file.h's one pattern (".x.partial-<pid>-abc123.mp4") and, so
// that a writer straying from it is caught too, the usual ".part" and ".tmp" endings.
bool LooksTemporary(const std::string& name) {
  for (const char* marker : {".part", ".tmp", ".partial-"}) {
    if (name.find(marker) != std::string::npos) return true;
  }
  return false;
}

// Exit 1 (not a crash), and exactly one line starting "error: " that holds every `piece`.
void ExpectOneErrorLine(int rc, const std::string& out, const std::vector<std::string>& pieces) {
  EXPECT_EQ(rc, 1) << out;
  std::istringstream lines(out);
  int errors = 0;
  for (std::string line; std::getline(lines, line);) {
    if (line.find("error") == std::string::npos) continue;
    ++errors;
    EXPECT_EQ(line.rfind("error: ", 0), 0u) << line;
    for (const auto& piece : pieces) {
      EXPECT_NE(line.find(piece), std::string::npos) << "'" << piece << "' missing from: " << line;
    }
  }
  EXPECT_EQ(errors, 1) << out;
}

// Writes `path` until the file system is full (ENOSPC).
void FillUp(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ASSERT_GE(fd, 0) << path;
  const std::vector<char> chunk(1 << 20, 'x');
  while (::write(fd, chunk.data(), chunk.size()) > 0) {
  }
  const int error = errno;
  ::close(fd);
  EXPECT_EQ(error, ENOSPC);
}

int64_t ModelIteration(const std::string& model) {
  std::ifstream in(model + "/model.json");
  return nlohmann::json::parse(in).at("iteration").get<int64_t>();
}

class DiskFull : public ::testing::Test {
 protected:
  void SetUp() override {
    scratch_ = testing::ScratchDir("disk-full");
    mount_ = scratch_ + "/full";
    fs::create_directories(mount_);
  }
  // Mounts a tmpfs of `size` (e.g. "2m") on Mount(); false when mounting is not allowed.
  bool MountTmpfs(const std::string& size) {
    std::string out;
    if (RunCommand("mount -t tmpfs -o size=" + size + " tmpfs '" + mount_ + "'", &out) != 0) {
      skip_reason_ = "cannot mount a tmpfs on " + mount_ + " (needs root): " + out;
      return false;
    }
    mounted_ = true;
    return true;
  }
  // Unmounts even when the test failed (lazily if a file is still open somewhere).
  void TearDown() override {
    if (mounted_ && RunCommand("umount '" + mount_ + "'") != 0) {
      RunCommand("umount -l '" + mount_ + "'");
    }
  }
  std::string scratch_, mount_, skip_reason_;
  bool mounted_ = false;
};

TEST_F(DiskFull, ExtractFailsNamingTheFileAndLeavesOnlyCompleteFaces) {
  if (!MountTmpfs("2m")) GTEST_SKIP() << skip_reason_;
  const std::string faces = mount_ + "/faces";
  std::string out;
  // 200 aligned 256 px faces (~80 KB each) do not fit in 2 MB.
  const int rc = RunCommand(kBin + " -q extract --progress off -i " +
                                testing::SampleMedia("franck.mp4") + " -o " + faces + " --end 200",
                            &out);
  ExpectOneErrorLine(rc, out, {faces + "/", "No space left on device"});
  ASSERT_TRUE(fs::is_directory(faces));
  int pngs = 0;
  for (const auto& name : FilesUnder(faces)) {
    EXPECT_FALSE(LooksTemporary(name)) << name;
    if (name == "alignments.json") {
      EXPECT_NO_THROW(ReadAlignments(faces + "/" + name));  // Only ever complete.
    } else {
      ASSERT_EQ(fs::path(name).extension(), ".png") << name;
      EXPECT_FALSE(cv::imread(faces + "/" + name).empty()) << name << " is not a complete PNG";
      ++pngs;
    }
  }
  EXPECT_GT(pngs, 5);
  EXPECT_LT(pngs, 200);
}

// The first run's checkpoints fit; then a filler file takes the rest, so the next save
// fails. The folder must keep naming the last complete checkpoint and resume from it.
TEST_F(DiskFull, TrainSaveFailsAndThePreviousCheckpointStillResumes) {
  // lite: ~80 MB for the created checkpoint (no optimizer state), ~240 MB for later ones.
  if (!MountTmpfs("640m")) GTEST_SKIP() << skip_reason_;
  const std::string model = mount_ + "/model";
  const std::string train = kBin + " train -t lite -b 2 --seed 1 --preview-every 0 -A " +
                            Johns("John_Salley") + " -B " + Johns("John_Savage") + " -o " + model;
  std::string out;
  ASSERT_EQ(RunCommand(train + " -q --iterations 1", &out), 0) << out;
  ASSERT_EQ(ModelIteration(model), 1);

  FillUp(mount_ + "/filler");
  const int rc = RunCommand(train + " -q --iterations 1", &out);
  ExpectOneErrorLine(rc, out, {model + "/.ckpt-", "No space left on device"});
  for (const auto& name : FilesUnder(model)) EXPECT_FALSE(LooksTemporary(name)) << name;
  EXPECT_EQ(ModelIteration(model), 1);
  EXPECT_TRUE(fs::exists(model + "/ckpt-000000001/encoder.pt"));

  // Space again: the folder resumes from iteration 1 and saves iteration 2.
  fs::remove(mount_ + "/filler");
  ASSERT_EQ(RunCommand(train + " --iterations 1", &out), 0) << out;
  EXPECT_NE(out.find("resuming model"), std::string::npos) << out;
  EXPECT_EQ(ModelIteration(model), 2);
}

TEST_F(DiskFull, ConvertFailsNamingTheOutputAndLeavesNothing) {
  if (!MountTmpfs("256k")) GTEST_SKIP() << skip_reason_;
  // A tiny model and a 2 s clip, on the normal disk.
  std::string out;
  ASSERT_EQ(
      RunCommand(kBin + " -q train -t lite -b 2 --seed 1 --iterations 1 --preview-every 0 -A " +
                     Johns("John_Salley") + " -B " + Johns("John_Savage") + " -o " + scratch_ +
                     "/model",
                 &out),
      0)
      << out;
  ASSERT_TRUE(testing::Ffmpeg("-i " + testing::SampleMedia("franck.mp4") +
                              " -frames:v 48 -an -c:v libx264 -crf 18 " + scratch_ + "/in.mp4"));
  // Lossless output (~15 KB a frame, ~700 KB in all) overflows 256 KB within the clip.
  const std::string output = mount_ + "/out.mp4";
  const int rc = RunCommand(kBin + " -q convert -i " + scratch_ + "/in.mp4 -m " + scratch_ +
                                "/model --crf 0 -o " + output,
                            &out);
  ExpectOneErrorLine(rc, out, {output, "No space left on device"});
  EXPECT_EQ(FilesUnder(mount_), std::vector<std::string>{}) << "partial or temp file left";
}

}  // namespace
}  // namespace faceswap
