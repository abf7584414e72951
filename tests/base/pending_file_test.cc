#include "base/pending_file.h"

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <vector>

#include "base/check.h"
#include "tests/testing/samples.h"

namespace faceswap {
namespace {
namespace fs = std::filesystem;

TEST(PendingFile, CommitRenamesDiscardRemoves) {
  const std::string dir = testing::ScratchDir("pending");
  const std::string final_path = dir + "/result.bin";
  std::string temp;
  {
    PendingFile file(final_path);
    temp = file.temp_path();
    EXPECT_EQ(fs::path(temp).parent_path(), fs::path(dir));
    EXPECT_EQ(fs::path(temp).extension(), ".bin");
    EXPECT_TRUE(fs::exists(temp));
    std::ofstream(temp) << "data";
    file.Commit();
  }
  EXPECT_FALSE(fs::exists(temp));
  std::ifstream in(final_path);
  std::string content;
  in >> content;
  EXPECT_EQ(content, "data");
  // Mode follows the umask like any new file, not mkstemp's 0600.
  EXPECT_NE(fs::status(final_path).permissions() & fs::perms::group_read, fs::perms::none);

  {
    PendingFile file(dir + "/other.bin");
    temp = file.temp_path();
    EXPECT_NE(temp, "");
  }
  EXPECT_FALSE(fs::exists(temp));
  EXPECT_FALSE(fs::exists(dir + "/other.bin"));
}

TEST(PendingFile, TwoPendingFilesGetDistinctNames) {
  const std::string dir = testing::ScratchDir("pending2");
  PendingFile a(dir + "/x.mp4"), b(dir + "/x.mp4");
  EXPECT_NE(a.temp_path(), b.temp_path());
}

TEST(PendingFile, OneTemporaryNamePatternForFilesAndFolders) {
  const std::string dir = testing::ScratchDir("pending_names");
  PendingFile file(dir + "/clip.mp4");
  const std::string name = fs::path(file.temp_path()).filename().string();
  const std::string prefix = ".clip.partial-" + std::to_string(::getpid()) + "-";
  EXPECT_EQ(name.rfind(prefix, 0), 0u) << name;
  EXPECT_EQ(fs::path(name).extension(), ".mp4") << "FFmpeg and OpenCV pick the format by it";
  EXPECT_TRUE(IsTempName(name)) << name;
  const std::string folder = CreateTempFolder(dir + "/ckpt-000000007");
  EXPECT_TRUE(fs::is_directory(folder));
  EXPECT_TRUE(IsTempName(fs::path(folder).filename().string())) << folder;
  EXPECT_NE(CreateTempFolder(dir + "/ckpt-000000007"), folder);
  for (const char* other : {"clip.mp4", "clip.partial-1-abcdef.mp4", ".clip.partial-abcdef.mp4",
                            ".clip.partial-12-abc.mp4", ".clip.partial-12-abcdefg", "notes.txt"}) {
    EXPECT_FALSE(IsTempName(other)) << other;
  }
}

// A pid that no process has: a child's, after it exited and was reaped.
pid_t DeadPid() {
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  int status = 0;
  ::waitpid(child, &status, 0);
  return child;
}

TEST(PendingFile, StaleTemporariesOfDeadWritersAreRemovedLiveOnesKept) {
  const std::string dir = testing::ScratchDir("pending_stale");
  const std::string dead = std::to_string(DeadPid());
  const std::string own = std::to_string(::getpid());
  const std::string parent = std::to_string(::getppid());  // Alive: it runs this test.
  for (const std::string& name : std::vector<std::string>{".a.partial-" + dead + "-abc123.png", ".b.partial-" + own + "-abc123.png",
        ".c.partial-" + parent + "-abc123.png", "a.png", ".a.partial-" + dead + "-x.png"}) {
    std::ofstream(dir + "/" + name) << "x";
  }
  fs::create_directory(dir + "/.ckpt-000000001.partial-" + dead + "-zz0000");
  std::ofstream(dir + "/.ckpt-000000001.partial-" + dead + "-zz0000/encoder.pt") << "x";
  RemoveStaleTemps(dir);
  std::vector<std::string> left;
  for (const auto& e : fs::directory_iterator(dir)) left.push_back(e.path().filename());
  std::sort(left.begin(), left.end());
  EXPECT_EQ(left, (std::vector<std::string>{".a.partial-" + dead + "-x.png",
                                            ".b.partial-" + own + "-abc123.png",
                                            ".c.partial-" + parent + "-abc123.png", "a.png"}));
}

TEST(PendingFile, WriteStreamFailureRemovesTheFileAndNamesIt) {
  const std::string dir = testing::ScratchDir("pending_stream");
  const std::string path = dir + "/x.bin";
  try {
    WriteStream(
        path,
        [](const ByteSink& sink) {
          sink("abc", 3);
          throw FatalError("serialiser failed");
        },
        "'x'");
    FAIL() << "expected the serialiser's error";
  } catch (const FatalError& e) {
    EXPECT_EQ(std::string(e.what()), "serialiser failed");
  }
  EXPECT_FALSE(fs::exists(path));
  try {
    WriteBytes(dir + "/no/such/x.bin", "abc", 3, "'out/x.bin'");
    FAIL() << "expected FatalError";
  } catch (const FatalError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("cannot write 'out/x.bin': ", 0), 0u) << e.what();
  }
  WriteBytes(path, nullptr, 5, "'x'", /*sync=*/true);  // nullptr: zero bytes (padding).
  EXPECT_EQ(fs::file_size(path), 5u);
}

}  // namespace
}  // namespace faceswap
