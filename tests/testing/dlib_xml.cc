#include "tests/testing/dlib_xml.h"

#include <dlib/data_io/image_dataset_metadata.h>
#include <gtest/gtest.h>

#include <filesystem>

namespace faceswap::testing {

std::vector<LabelledImage> ReadDlibXml(const std::string& xml_path) {
  dlib::image_dataset_metadata::dataset data;
  try {
    dlib::image_dataset_metadata::load_image_dataset_metadata(data, xml_path);
  } catch (const std::exception& e) {
    ADD_FAILURE() << "cannot read " << xml_path << ": " << e.what();
    return {};
  }
  const auto folder = std::filesystem::path(xml_path).parent_path();
  std::vector<LabelledImage> images;
  for (const auto& img : data.images) {
    LabelledImage out{(folder / img.filename).string(), {}};
    for (const auto& box : img.boxes) {
      LabelledFace face;
      face.box = cv::Rect(box.rect.left(), box.rect.top(), box.rect.width(), box.rect.height());
      // Parts are keyed "00".."67": the map's order is the landmark order.
      for (const auto& [name, p] : box.parts) face.landmarks.emplace_back(p.x(), p.y());
      out.faces.push_back(std::move(face));
    }
    images.push_back(std::move(out));
  }
  return images;
}

}  // namespace faceswap::testing
