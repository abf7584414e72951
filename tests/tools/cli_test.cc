// The `faceswap` executable: help, version, usage errors and their exit codes.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "tests/testing/samples.h"

namespace faceswap {
namespace {

using testing::RunCommand;
const std::string kBin = FACESWAP_BIN;

TEST(Cli, HelpListsSubcommands) {
  std::string out;
  ASSERT_EQ(RunCommand(kBin + " --help", &out), 0) << out;
  for (const char* cmd : {"extract", "train", "convert"}) {
    EXPECT_NE(out.find(cmd), std::string::npos) << cmd << " missing from:\n" << out;
  }
}

TEST(Cli, EachSubcommandHasHelp) {
  for (const char* cmd : {"extract", "train", "convert"}) {
    std::string out;
    EXPECT_EQ(RunCommand(kBin + " " + cmd + " --help", &out), 0) << out;
    EXPECT_NE(out.find("--input"), std::string::npos) << out;
  }
}

// Every option a plugin declares is a flag of every command that runs the plugin: convert
// reaches the aligner, the smoothing, the swap and every detector's own options too.
TEST(Cli, PluginOptionsReachEveryCommandUsingThePlugin) {
  const std::map<std::string, std::vector<std::string>> expected = {
      {"extract", {"--threshold", "--haar-cascade", "--landmark-model", "--size", "--ref",
                   "--png-compression"}},
      {"convert", {"--threshold", "--haar-cascade", "--landmark-model", "--smooth",
                   "--smooth-sigma", "--max-output", "--erosion", "--color-strength", "--crf",
                   "--image-format", "--ref", "--alignments", "--model", "--seed"}},
      {"transcode", {"--crf", "--image-format"}}};
  for (const auto& [cmd, flags] : expected) {
    std::string out;
    ASSERT_EQ(RunCommand(kBin + " " + cmd + " --help", &out), 0) << out;
    for (const auto& flag : flags) {
      EXPECT_NE(out.find(flag + " "), std::string::npos) << cmd << " lacks " << flag;
    }
  }
}

// `faceswap plugins` lists the registry: every detector of `extract --help`'s choices, each
// with its own flags; an unknown kind fails naming the kinds.
TEST(Cli, PluginsListsTheRegistry) {
  std::string out;
  ASSERT_EQ(RunCommand(kBin + " plugins detect", &out), 0) << out;
  for (const char* line : {"detect/dlib-hog", "detect/dlib-mmod", "detect/opencv-haar",
                           "--haar-cascade", "--threshold (default: 0)"}) {
    EXPECT_NE(out.find(line), std::string::npos) << line << " missing from:\n" << out;
  }
  EXPECT_EQ(out.find("mask/hull"), std::string::npos) << "only the kind asked for";
  ASSERT_EQ(RunCommand(kBin + " plugins", &out), 0) << out;
  for (const char* line : {"mask/hull", "--erosion", "writer/video", "--crf", "swap/autoencoder"}) {
    EXPECT_NE(out.find(line), std::string::npos) << line << " missing from:\n" << out;
  }
  EXPECT_EQ(RunCommand(kBin + " plugins nope", &out), 1) << out;
  EXPECT_NE(out.find("unknown plugin kind 'nope'"), std::string::npos) << out;
  EXPECT_NE(out.find("detect"), std::string::npos) << out;
}

// The README's plugin table is `faceswap plugins --markdown`: a plugin registered, renamed or
// given an option without the README following fails here.
TEST(Cli, ReadmePluginTableIsTheRegistrys) {
  const std::string readme = testing::ReadFile(std::string(FACESWAP_SOURCE_DIR) + "/README.md");
  const std::string begin = "<!-- plugins:begin (faceswap plugins --markdown) -->\n";
  const std::string end = "<!-- plugins:end -->";
  const size_t b = readme.find(begin), e = readme.find(end);
  ASSERT_NE(b, std::string::npos) << "README.md lacks the line " << begin;
  ASSERT_NE(e, std::string::npos) << "README.md lacks the line " << end;
  ASSERT_LT(b, e);
  std::string table;
  ASSERT_EQ(RunCommand(kBin + " plugins --markdown", &table), 0) << table;
  EXPECT_EQ(readme.substr(b + begin.size(), e - b - begin.size()), table)
      << "README.md's plugin table is out of date: replace the lines between the markers with "
         "the output of `build/tools/faceswap plugins --markdown`";
  EXPECT_NE(table.find("| `detect/dlib-hog` |"), std::string::npos) << table;
  EXPECT_NE(table.find("`--erosion` (0)"), std::string::npos) << table;
}

TEST(Cli, VersionPrintsVersion) {
  std::string out;
  ASSERT_EQ(RunCommand(kBin + " --version", &out), 0);
  EXPECT_NE(out.find("faceswap 0."), std::string::npos) << out;
}

TEST(Cli, UnknownOptionIsUsageError) {
  std::string out;
  EXPECT_EQ(RunCommand(kBin + " extract --no-such-flag -i a -o b", &out), 2) << out;
  EXPECT_NE(out.find("--no-such-flag"), std::string::npos) << out;
}

TEST(Cli, MissingInputIsUsageError) {
  std::string out;
  EXPECT_EQ(RunCommand(kBin + " extract -o somewhere", &out), 2) << out;
  EXPECT_NE(out.find("--input"), std::string::npos) << out;
}

TEST(Cli, NoSubcommandIsUsageError) {
  std::string out;
  EXPECT_EQ(RunCommand(kBin, &out), 2) << out;
}

TEST(Cli, ConfigFileSuppliesOptions) {
  const std::string dir = testing::ScratchDir("cli");
  const std::string ini = dir + "/bad.ini";
  ASSERT_EQ(RunCommand("printf 'threads=999\\n' > " + ini), 0);
  std::string out;
  // The config value is read and validated like a flag: 999 is outside --threads' range.
  EXPECT_EQ(RunCommand(kBin + " --config " + ini + " extract -i a -o b", &out), 2) << out;
  EXPECT_NE(out.find("999"), std::string::npos) << out;
}

}  // namespace
}  // namespace faceswap
