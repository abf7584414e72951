#include "pipeline/data_cache.h"

#include <cstdlib>
#include <filesystem>

#include "base/check.h"

namespace faceswap {

std::string DataCacheDir() {
  if (const char* env = std::getenv("FACESWAP_DATA_DIR"); env && *env) return env;
  const char* home = std::getenv("HOME");
  return (std::filesystem::path(home && *home ? home : "/tmp") / ".cache" / "faceswap").string();
}

std::string DlibModelPath(const std::string& file) {
  return (std::filesystem::path(DataCacheDir()) / "dlib-models" / file).string();
}

void RequireModelFile(const std::string& path, const std::string& what) {
  std::error_code ec;
  if (std::filesystem::is_regular_file(path, ec)) return;
  throw FatalError(what + " '" + path +
                   "' not found: run samples/fetch-models.sh (it downloads dlib's models "
                   "from Debian's archive into " + DataCacheDir() + "/dlib-models)");
}

}  // namespace faceswap
