#include "pipeline/progress.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

namespace faceswap {
namespace {

TEST(Progress, FormatsDuration) {
  EXPECT_EQ(FormatDuration(0), "0:00");
  EXPECT_EQ(FormatDuration(75), "1:15");
  EXPECT_EQ(FormatDuration(3725), "1:02:05");
  EXPECT_EQ(FormatDuration(-1), "--:--");
}

TEST(Progress, LineShowsDoneTotalRateAndEta) {
  Progress p("extract", 200, ProgressMode::kOff);
  p.Add(50);
  const std::string line = p.Line();
  EXPECT_NE(line.find("extract 50/200 frames (25%)"), std::string::npos) << line;
  EXPECT_NE(line.find("frames/s"), std::string::npos) << line;
  EXPECT_NE(line.find("ETA"), std::string::npos) << line;
  EXPECT_EQ(p.done(), 50);
}

TEST(Progress, UnknownTotalHasNoEta) {
  Progress p("decode", -1, ProgressMode::kOff);
  p.Add(7);
  EXPECT_EQ(p.Line().find("ETA"), std::string::npos);
  EXPECT_FALSE(ProgressEnabled(ProgressMode::kOff));
  EXPECT_TRUE(ProgressEnabled(ProgressMode::kOn));
}

TEST(Progress, JsonFieldsAndUnknowns) {
  const auto j = nlohmann::json::parse(ProgressJson("train", "it", 3, 0, 2.5, 1.2, 1e300, false));
  EXPECT_EQ(j["progress"], "train");
  EXPECT_EQ(j["unit"], "it");
  EXPECT_EQ(j["done"], 3);
  EXPECT_EQ(j["total"], -1);       // 0 = no total
  EXPECT_EQ(j["eta_s"], -1.0);     // not finite-looking: unknown
  EXPECT_DOUBLE_EQ(j["rate"].get<double>(), 2.5);
  EXPECT_FALSE(j["final"].get<bool>());
}

// --progress json: one object per line on stderr, the last one final (and only one final,
// however often Finish() is called); no human-readable line.
TEST(Progress, JsonModePrintsParsableLinesEndingWithOneFinal) {
  EXPECT_FALSE(ProgressEnabled(ProgressMode::kJson));
  ::testing::internal::CaptureStderr();
  {
    Progress p("extract", 4, ProgressMode::kJson);
    p.Add(1);
    p.Add(3);
    p.Finish();
    p.Finish();
  }
  const std::string err = ::testing::internal::GetCapturedStderr();
  std::istringstream lines(err);
  std::string line;
  std::vector<nlohmann::json> objects;
  while (std::getline(lines, line)) {
    ASSERT_FALSE(line.empty()) << err;
    ASSERT_EQ(line.front(), '{') << "not JSON: " << line;
    objects.push_back(nlohmann::json::parse(line));
  }
  ASSERT_FALSE(objects.empty());
  int finals = 0;
  for (const auto& o : objects) finals += o["final"].get<bool>();
  EXPECT_EQ(finals, 1) << err;
  const auto& last = objects.back();
  EXPECT_TRUE(last["final"].get<bool>());
  EXPECT_EQ(last["progress"], "extract");
  EXPECT_EQ(last["done"], 4);
  EXPECT_EQ(last["total"], 4);
  EXPECT_EQ(last["eta_s"], 0.0);
}

}  // namespace
}  // namespace faceswap
