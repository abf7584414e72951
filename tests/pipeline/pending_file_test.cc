#include "pipeline/pending_file.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "pipeline/check.h"
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

}  // namespace
}  // namespace faceswap
