#include "tests/testing/dlib_xml.h"

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include <gtest/gtest.h>

namespace faceswap::testing {

namespace {
std::string Attr(const std::string& tag, const std::string& name) {
  const std::regex re(name + "='([^']*)'");
  std::smatch m;
  return std::regex_search(tag, m, re) ? m[1].str() : "";
}
}  // namespace

std::vector<LabelledImage> ReadDlibXml(const std::string& xml_path) {
  std::ifstream in(xml_path);
  if (!in) {
    ADD_FAILURE() << "cannot read " << xml_path;
    return {};
  }
  const auto folder = std::filesystem::path(xml_path).parent_path();
  std::vector<LabelledImage> images;
  std::string line;
  while (std::getline(in, line)) {
    if (line.find("<image ") != std::string::npos) {
      images.push_back({(folder / Attr(line, "file")).string(), {}});
    } else if (line.find("<box ") != std::string::npos && !images.empty()) {
      LabelledFace f;
      f.box = cv::Rect(std::stoi(Attr(line, "left")), std::stoi(Attr(line, "top")),
                       std::stoi(Attr(line, "width")), std::stoi(Attr(line, "height")));
      images.back().faces.push_back(f);
    } else if (line.find("<part ") != std::string::npos && !images.empty() &&
               !images.back().faces.empty()) {
      images.back().faces.back().landmarks.emplace_back(std::stof(Attr(line, "x")),
                                                        std::stof(Attr(line, "y")));
    }
  }
  return images;
}

}  // namespace faceswap::testing
