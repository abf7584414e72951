#include "tools/bench/bench_util.h"

#include <sys/resource.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdlib>

#include <opencv2/imgproc.hpp>

#include "pipeline/video_reader.h"
#include "pipeline/video_writer.h"

namespace faceswap::bench {

double CpuSeconds(bool children) {
  double total = 0;
  for (int who : {RUSAGE_SELF, RUSAGE_CHILDREN}) {
    if (who == RUSAGE_CHILDREN && !children) continue;
    rusage u{};
    getrusage(who, &u);
    total += u.ru_utime.tv_sec + u.ru_stime.tv_sec + 1e-6 * (u.ru_utime.tv_usec + u.ru_stime.tv_usec);
  }
  return total;
}

double Now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::string Make720p(const std::string& source, const std::string& path, int frames) {
  VideoReader reader(source);
  StreamFormat format = reader.Open();
  format.width = 1280;
  format.height = 720;
  format.yuv_colorspace = -1;  // New pixels everywhere: the source's planes do not apply.
  VideoWriter writer(path, format);
  Frame frame;
  for (int i = 0; i < frames && reader.ReadFrame(frame); ++i) {
    cv::Mat big;
    cv::resize(frame.image, big, cv::Size(900, 720), 0, 0, cv::INTER_CUBIC);
    cv::copyMakeBorder(big, frame.image, 0, 0, 190, 190, cv::BORDER_REPLICATE);
    writer.Write(frame);
  }
  writer.Finish();
  return path;
}

int Shell(const std::string& command) {
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace faceswap::bench
