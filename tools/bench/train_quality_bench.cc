// Time to quality: trains a model (default `lite`) on identity A vs B for --minutes and prints
// the held-out reconstruction SSIM of A (11x11 Gaussian SSIM on the coverage crop, faces never
// trained on) every --report-minutes, with iterations and images/s.
//
// Usage: train_quality_bench A.faces B.faces HELDOUT_A.faces [--minutes 10]
//          [--report-minutes 5] [--model lite] [--lr 5e-5] [--batch 16] [--precision auto]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <unistd.h>

#include "models/face_set.h"
#include "models/torch_threads.h"
#include "models/trainer.h"

int main(int argc, char** argv) {
  using namespace faceswap;
  using Clock = std::chrono::steady_clock;
  std::vector<std::string> files;
  double minutes = 10, report = 5;
  TrainOptions o;
  o.architecture = "lite";
  o.device = "cpu";
  o.seed = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const bool has = i + 1 < argc;
    if (a == "--minutes" && has) minutes = std::atof(argv[++i]);
    else if (a == "--report-minutes" && has) report = std::atof(argv[++i]);
    else if (a == "--model" && has) o.architecture = argv[++i];
    else if (a == "--lr" && has) o.learning_rate = std::atof(argv[++i]);
    else if (a == "--batch" && has) o.batch_size = std::atoi(argv[++i]);
    else if (a == "--precision" && has) o.precision = argv[++i];
    else if (a == "--coverage" && has) o.augment.coverage = std::atof(argv[++i]);
    else files.push_back(a);
  }
  if (files.size() != 3) {
    std::fprintf(stderr, "usage: %s A.faces B.faces HELDOUT_A.faces [options]\n", argv[0]);
    return 2;
  }
  const int threads = ConfigureTorchThreads(0);
  const FaceSet held_out = LoadFaceSet(files[2], "A");
  const std::string dir = (std::filesystem::temp_directory_path() /
                           ("faceswap_quality_bench_" + std::to_string(::getpid())))
                              .string();
  Trainer trainer(dir, o, {LoadFaceSet(files[0], "A"), LoadFaceSet(files[1], "B")});
  std::printf("model %s, batch %d, lr %g, %d threads, precision %s (%s), %d held-out faces\n",
              o.architecture.c_str(), o.batch_size, o.learning_rate, threads,
              trainer.precision().c_str(), trainer.precision_reason().c_str(), held_out.count);
  std::printf("minute  iterations  img/s  held-out SSIM (A)\n");
  std::printf("%6.1f  %10d  %5s  %.4f\n", 0.0, 0, "-", trainer.EvaluateSsim(held_out, 0));
  std::fflush(stdout);
  const auto start = Clock::now();
  double train_seconds = 0;  // Evaluation time excluded from the training clock.
  double next_report = report * 60;
  auto segment = Clock::now();
  while (train_seconds < minutes * 60) {
    trainer.Step();
    const double now = std::chrono::duration<double>(Clock::now() - segment).count();
    if (train_seconds + now >= next_report) {
      train_seconds += now;
      const double ssim = trainer.EvaluateSsim(held_out, 0);
      std::printf("%6.1f  %10lld  %5.1f  %.4f\n", train_seconds / 60,
                  static_cast<long long>(trainer.iteration()),
                  trainer.iteration() * 2.0 * o.batch_size / train_seconds, ssim);
      std::fflush(stdout);
      next_report += report * 60;
      segment = Clock::now();
    }
  }
  std::printf("wall %.1f min\n", std::chrono::duration<double>(Clock::now() - start).count() / 60);
  std::filesystem::remove_all(dir);
  return 0;
}
