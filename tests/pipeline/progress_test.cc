#include "pipeline/progress.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace faceswap
