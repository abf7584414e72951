#include "base/check.h"

#include <gtest/gtest.h>

namespace faceswap {
namespace {

TEST(OptionCheck, AcceptsValidValues) {
  EXPECT_EQ(OptionCheck().Range("crf", 23, 0, 51).OneOf("preset", "fast", {"fast", "slow"}).Error(),
            "");
}

TEST(OptionCheck, RangeNamesOptionValueAndExpectation) {
  const std::string e = OptionCheck().Range("crf", 60, 0, 51).Error();
  EXPECT_NE(e.find("'crf'"), std::string::npos) << e;
  EXPECT_NE(e.find("60"), std::string::npos) << e;
  EXPECT_NE(e.find("0 to 51"), std::string::npos) << e;
}

TEST(OptionCheck, OneOfListsChoices) {
  const std::string e = OptionCheck().OneOf("preset", "warp9", {"fast", "slow"}).Error();
  EXPECT_NE(e.find("'warp9'"), std::string::npos) << e;
  EXPECT_NE(e.find("fast, slow"), std::string::npos) << e;
}

TEST(OptionCheck, KeepsFirstError) {
  const std::string e =
      OptionCheck().Min("threads", -1, 0).Range("crf", 99, 0, 51).That(false, "x").Error();
  EXPECT_NE(e.find("'threads'"), std::string::npos) << e;
}

}  // namespace
}  // namespace faceswap
