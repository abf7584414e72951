// PNG text chunks: round trip through cv::imencode/imread, and malformed files give an error,
// never a crash.
#include "pipeline/png_text.h"

#include <gtest/gtest.h>

#include <fstream>
#include <opencv2/imgcodecs.hpp>
#include <random>
#include <stdexcept>

#include "tests/testing/samples.h"

namespace faceswap {
namespace {

// A small image with structure in every channel, encoded as OpenCV does for face crops.
cv::Mat TestImage() {
  cv::Mat image(48, 64, CV_8UC3);
  for (int y = 0; y < image.rows; ++y) {
    for (int x = 0; x < image.cols; ++x) {
      image.at<cv::Vec3b>(y, x) = cv::Vec3b(static_cast<uchar>(x * 4), static_cast<uchar>(y * 5),
                                            static_cast<uchar>((x * y) % 251));
    }
  }
  return image;
}

std::vector<uint8_t> Encode(const cv::Mat& image) {
  std::vector<uint8_t> png;
  EXPECT_TRUE(cv::imencode(".png", image, png, {cv::IMWRITE_PNG_COMPRESSION, 1}));
  return png;
}

const std::string kJson = R"({"source":"franck","frame":12,"face":0,"size":256})";

TEST(PngText, RoundTripKeepsThePixels) {
  const cv::Mat image = TestImage();
  const std::vector<uint8_t> plain = Encode(image);
  std::vector<uint8_t> png = AddPngText(plain, "faceswap", kJson);
  const std::string utf8 = u8"Fran\u00e7ois \u2014 UTF-8";
  png = AddPngText(png, "Comment", utf8);  // iTXt.
  // Each chunk: length, type, CRC (12 bytes) + keyword + NUL (+ 4 iTXt fields) + text.
  EXPECT_EQ(png.size(), plain.size() + 12 + 9 + kJson.size() + 12 + 8 + 4 + utf8.size());

  std::string error = "unset";
  const auto text = ReadPngText(png, &error);
  EXPECT_EQ(error, "");
  ASSERT_EQ(text.size(), 2u);
  EXPECT_EQ(text.at("faceswap"), kJson);
  EXPECT_EQ(text.at("Comment"), utf8);

  // OpenCV decodes the file with the chunks to the same pixels, from memory and from disk.
  const cv::Mat decoded = cv::imdecode(png, cv::IMREAD_UNCHANGED);
  ASSERT_EQ(decoded.size(), image.size());
  EXPECT_EQ(cv::norm(decoded, image, cv::NORM_INF), 0.0);
  const std::string path = testing::ScratchDir("png-text") + "/face.png";
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(png.data()), static_cast<std::streamsize>(png.size()));
  const cv::Mat read = cv::imread(path, cv::IMREAD_COLOR);
  ASSERT_EQ(read.size(), image.size());
  EXPECT_EQ(cv::norm(read, image, cv::NORM_INF), 0.0);
  EXPECT_EQ(ReadPngTextFile(path, &error).at("faceswap"), kJson);
  EXPECT_EQ(error, "");
}

TEST(PngText, PlainPngHasNoTextAndNoError) {
  std::string error = "unset";
  EXPECT_TRUE(ReadPngText(Encode(TestImage()), &error).empty());
  EXPECT_EQ(error, "");
}

TEST(PngText, EveryTruncationIsAnErrorNotACrash) {
  const std::vector<uint8_t> png = AddPngText(Encode(TestImage()), "faceswap", kJson);
  for (size_t n = 0; n < png.size(); ++n) {
    std::string error;
    const auto text = ReadPngText(png.data(), n, &error);
    EXPECT_TRUE(text.empty()) << n;
    ASSERT_FALSE(error.empty()) << n;
  }
  std::string error;
  ReadPngText(png.data(), 40, &error);
  EXPECT_NE(error.find("truncated file"), std::string::npos) << error;
  ReadPngText(nullptr, 0, &error);
  EXPECT_EQ(error, "not a PNG file (no PNG signature)");
}

TEST(PngText, GarbledChunksAreRejected) {
  const std::vector<uint8_t> png = AddPngText(Encode(TestImage()), "faceswap", kJson);
  const size_t text_data = 8 + 25 + 8;  // Signature, IHDR, then our chunk's length and type.
  std::string error;
  {
    std::vector<uint8_t> bad = png;
    bad[text_data + 20] ^= 0x5a;  // Inside the JSON: the CRC no longer matches.
    EXPECT_TRUE(ReadPngText(bad, &error).empty());
    EXPECT_EQ(error, "PNG chunk 'tEXt' at byte 33 has a bad CRC (corrupt file)");
  }
  {
    std::vector<uint8_t> bad = png;  // A length far past the end.
    bad[33] = 0x7f;
    EXPECT_TRUE(ReadPngText(bad, &error).empty());
    EXPECT_NE(error.find("runs past the end"), std::string::npos) << error;
    bad[33] = 0xff;  // Beyond the spec's 2^31 - 1.
    EXPECT_TRUE(ReadPngText(bad, &error).empty());
    EXPECT_NE(error.find("length out of range"), std::string::npos) << error;
  }
  {
    std::vector<uint8_t> bad = png;  // Not a chunk type.
    bad[37] = '#';
    EXPECT_TRUE(ReadPngText(bad, &error).empty());
    EXPECT_NE(error.find("invalid type"), std::string::npos) << error;
  }
  // Random corruption anywhere: an error or (for bytes nothing checks) the text, never a crash.
  std::mt19937 rng(7);
  for (int trial = 0; trial < 3000; ++trial) {
    std::vector<uint8_t> bad = png;
    const int flips = 1 + trial % 4;
    for (int k = 0; k < flips; ++k) bad[rng() % bad.size()] = static_cast<uint8_t>(rng());
    const auto text = ReadPngText(bad, &error);
    EXPECT_TRUE(text.empty() != error.empty()) << trial;
  }
  // Not a PNG at all.
  const std::string jpeg = "\xff\xd8\xff\xe0 not a png";
  EXPECT_TRUE(
      ReadPngText(reinterpret_cast<const uint8_t*>(jpeg.data()), jpeg.size(), &error).empty());
  EXPECT_EQ(error, "not a PNG file (no PNG signature)");
}

TEST(PngText, MissingFileIsAnError) {
  std::string error;
  EXPECT_TRUE(ReadPngTextFile("/nonexistent/face.png", &error).empty());
  EXPECT_EQ(error, "cannot open '/nonexistent/face.png'");
}

TEST(PngText, AddRejectsBadKeysAndNonPng) {
  const std::vector<uint8_t> png = Encode(TestImage());
  EXPECT_THROW(AddPngText(png, "", "x"), std::invalid_argument);
  EXPECT_THROW(AddPngText(png, " lead", "x"), std::invalid_argument);
  EXPECT_THROW(AddPngText(png, std::string(80, 'k'), "x"), std::invalid_argument);
  EXPECT_THROW(AddPngText(png, "key", std::string("a\0b", 3)), std::invalid_argument);
  EXPECT_THROW(AddPngText(std::vector<uint8_t>(png.begin(), png.begin() + 20), "key", "x"),
               std::invalid_argument);
}

}  // namespace
}  // namespace faceswap
