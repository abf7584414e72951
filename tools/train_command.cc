// `faceswap train`: shared encoder, one decoder per identity, on folders of aligned faces.
//
//   faceswap train -A faces/franck -B faces/other -o models/franck -t lite --minutes 30
//   faceswap train --identity anna=faces/a --identity bob=faces/b --identity cy=faces/c -o m
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "base/check.h"
#include "base/device_choice.h"
#include "models/model_config.h"
#include "models/model_lock.h"
#include "models/trainer.h"
#include "pipeline/interrupt.h"
#include "pipeline/progress.h"
#include "tools/command.h"
#include "tools/face_loader.h"
#include "tools/train_previews.h"

namespace faceswap {
namespace {

namespace fs = std::filesystem;

struct TrainCommandOptions {
  std::vector<std::string> identities;  // NAME=FOLDER (or packed face-set file)
  std::string folder_a, folder_b;       // -A / -B shortcuts (identities "A" and "B")
  std::string model_dir;                // Model folder (created or resumed)
  int64_t iterations = 0;               // Stop after this many iterations in this run (0: no limit)
  double minutes = 0;                   // Stop after this many minutes (0: no limit)
  int64_t save_every = 1000;            // Save every N iterations
  double save_minutes = 10;             // ... and every N minutes
  int64_t preview_every = 250;          // Preview PNGs every N iterations (0: only at exit)
  int preview_columns = 6;              // Faces per identity in the preview
  std::string timelapse;                // Keep every preview here
  TrainOptions train;
};

std::vector<FaceSet> LoadIdentities(const TrainCommandOptions& o) {
  std::vector<std::pair<std::string, std::string>> named;
  if (!o.folder_a.empty()) named.emplace_back("A", o.folder_a);
  if (!o.folder_b.empty()) named.emplace_back("B", o.folder_b);
  for (const auto& spec : o.identities) {
    const size_t eq = spec.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size()) {
      throw FatalError("invalid value '" + spec + "' for option '--identity': expected NAME=FOLDER");
    }
    named.emplace_back(spec.substr(0, eq), spec.substr(eq + 1));
  }
  for (size_t i = 0; i < named.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (named[i].first == named[j].first) {
        throw FatalError("identity '" + named[i].first + "' given twice");
      }
    }
  }
  if (named.size() < 2) {
    throw FatalError("train needs at least 2 identities: give -A FOLDER -B FOLDER or "
                     "--identity NAME=FOLDER twice or more");
  }
  std::vector<FaceSet> sets;
  for (const auto& [name, folder] : named) {
    sets.push_back(LoadFaces(folder, name));  // Stops on Ctrl-C (tools/face_loader.h).
    spdlog::info("identity {}: {} faces {}x{} from {}", name, sets.back().count,
                 sets.back().width, sets.back().height, folder);
  }
  return sets;
}

void WritePreviews(Trainer& trainer, const TrainCommandOptions& o) {
  WritePreviewPng(trainer.Preview(o.preview_columns), (fs::path(o.model_dir) / "preview.png").string());
  WriteLossCurvePng(trainer.history(), trainer.info().identities,
                    (fs::path(o.model_dir) / "loss.png").string());
  if (!o.timelapse.empty()) {
    char name[64];
    std::snprintf(name, sizeof name, "%09lld", static_cast<long long>(trainer.iteration()));
    fs::copy_file(fs::path(o.model_dir) / "preview.png",
                  fs::path(o.timelapse) / (std::string("preview_") + name + ".png"),
                  fs::copy_options::overwrite_existing);
    fs::copy_file(fs::path(o.model_dir) / "loss.png",
                  fs::path(o.timelapse) / (std::string("loss_") + name + ".png"),
                  fs::copy_options::overwrite_existing);
  }
}

// Creates or resumes the model; removes the folder `lock` created when no model came to be.
std::unique_ptr<Trainer> OpenTrainer(const TrainCommandOptions& o,
                                     const std::vector<FaceSet>& sets,
                                     const ModelFolderLock& lock) {
  try {
    return std::make_unique<Trainer>(o.model_dir, o.train, sets);
  } catch (...) {
    std::error_code ec;
    if (lock.created_folder() && !fs::exists(fs::path(o.model_dir) / kModelFile, ec)) {
      fs::remove_all(o.model_dir, ec);
    }
    throw;
  }
}

// Loads the identities into `sets`; false (after saying so) when Ctrl-C stopped the loading.
bool LoadIdentitiesUnlessInterrupted(const TrainCommandOptions& o, std::vector<FaceSet>* sets) {
  try {
    *sets = LoadIdentities(o);
    ThrowIfInterrupted("while loading faces");
  } catch (const Interruption& e) {
    // Nothing was created yet: leave the model folder (if any) exactly as it was.
    const bool existed = fs::exists(fs::path(o.model_dir) / kModelFile);
    spdlog::info("{}: {}", e.what(),
                 existed ? "model '" + o.model_dir + "' left unchanged"
                         : "no model created, nothing written");
    return false;
  }
  return true;
}

void WarnMissingLandmarks(const std::vector<FaceSet>& sets) {
  for (const FaceSet& set : sets) {
    if (set.landmarks.empty()) {
      spdlog::warn("{}: no landmarks for its faces (no extract alignments file): "
                   "--warp-to-landmarks falls back to the random warp for them",
                   set.name);
    }
  }
}

using Clock = std::chrono::steady_clock;

double MinutesSince(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count() / 60;
}

// Seconds left until --iterations or --minutes ends the run, whichever comes first
// (-1: neither is set).
double EtaSeconds(const TrainCommandOptions& o, int64_t steps, double rate, double elapsed_min) {
  double eta = -1;
  if (o.iterations > 0) eta = (o.iterations - steps) / rate;
  if (o.minutes > 0) {
    const double by_time = (o.minutes - elapsed_min) * 60;
    eta = eta < 0 ? by_time : std::min(eta, by_time);
  }
  return eta;
}

// The progress line: "iteration N  loss NAME MEAN ...  R it/s  I img/s  ETA T".
std::string ProgressLine(int64_t iteration, const std::vector<std::string>& names,
                         const std::vector<double>& mean_losses, double rate,
                         double images_per_s, double eta) {
  std::string line = "iteration " + std::to_string(iteration) + "  loss";
  char buf[64];
  for (size_t i = 0; i < mean_losses.size(); ++i) {
    std::snprintf(buf, sizeof buf, " %s %.4f", names[i].c_str(), mean_losses[i]);
    line += buf;
  }
  std::snprintf(buf, sizeof buf, "  %.2f it/s  %.1f img/s  ETA %s", rate, images_per_s,
                FormatDuration(eta).c_str());
  line += buf;
  return line;
}

// The training loop of one run: stop conditions, progress lines, periodic saves and
// previews, then the final save and summary.
class TrainLoop {
 public:
  TrainLoop(const TrainCommandOptions& o, const AppContext& context, Trainer& trainer)
      : o_(o),
        trainer_(trainer),
        live_(ProgressEnabled(context.progress)),
        json_(context.progress == ProgressMode::kJson),
        identities_(static_cast<int>(trainer.info().identities.size())),
        recent_(identities_, 0.0) {}

  // Steps until Ctrl-C, --iterations or --minutes.
  void Run() {
    while (!Interrupted()) {
      if (o_.iterations > 0 && steps_ >= o_.iterations) break;
      if (o_.minutes > 0 && MinutesSince(start_) >= o_.minutes) break;
      const StepResult r = trainer_.Step();
      if (r.rolled_back) {
        spdlog::warn("{}", r.message);
        continue;
      }
      ++steps_;
      for (int i = 0; i < identities_; ++i) recent_[i] += r.loss[i];
      ++recent_count_;
      const double elapsed_min = MinutesSince(start_);
      if (ProgressDue()) PrintProgress(r.iteration, elapsed_min);
      if ((o_.save_every > 0 && r.iteration % o_.save_every == 0) ||
          (o_.save_minutes > 0 && MinutesSince(last_save_) >= o_.save_minutes)) {
        if (!trainer_.Save()) {
          spdlog::warn("weights were NaN/Inf: rolled back to the last checkpoint");
        }
        last_save_ = Clock::now();
      }
      if (o_.preview_every > 0 && r.iteration % o_.preview_every == 0) WritePreviews(trainer_, o_);
    }
  }

  // The final save, previews and summary.
  void Finish() {
    if (live_) std::fprintf(stderr, "\n");
    if (Interrupted()) spdlog::info("interrupted: saving");
    const bool saved = trainer_.Save();
    WritePreviews(trainer_, o_);
    const double seconds = MinutesSince(start_) * 60;
    spdlog::info("{} at iteration {} ({} iterations in {}, {:.1f} img/s; feeder waits {:.1f} s)",
                 saved ? "saved" : "rolled back", trainer_.iteration(), steps_,
                 FormatDuration(seconds),
                 steps_ * o_.train.batch_size * identities_ / std::max(seconds, 1e-9),
                 trainer_.feeder_wait_seconds());
    if (json_) JsonLine(steps_, steps_ / std::max(seconds, 1e-9), 0, last_losses_, true);
  }

 private:
  bool ProgressDue() const {
    return ((live_ || json_) && MinutesSince(last_print_) * 60 >= 1) ||
           MinutesSince(last_print_) >= 0.5 ||
           (o_.iterations > 0 && steps_ == o_.iterations);
  }

  void PrintProgress(int64_t iteration, double elapsed_min) {
    const double rate = steps_ / (elapsed_min * 60);
    const double eta = EtaSeconds(o_, steps_, rate, elapsed_min);
    const std::vector<double> means = TakeMeanLosses();
    const std::string line = ProgressLine(iteration, trainer_.info().identities, means, rate,
                                          rate * o_.train.batch_size * identities_, eta);
    if (json_) {
      JsonLine(steps_, rate, eta, last_losses_, false);
    } else if (live_) {
      std::fprintf(stderr, "\r%s\033[K", line.c_str());
    } else {
      spdlog::info("{}", line);
    }
    last_print_ = Clock::now();
  }

  // Mean loss per identity since the previous progress line (kept in last_losses_ for the
  // JSON lines); starts the next means.
  std::vector<double> TakeMeanLosses() {
    std::vector<double> means;
    last_losses_ = nlohmann::json::object();
    for (int i = 0; i < identities_; ++i) {
      means.push_back(recent_[i] / recent_count_);
      last_losses_[trainer_.info().identities[i]] = means.back();
      recent_[i] = 0;
    }
    recent_count_ = 0;
    return means;
  }

  // --progress json: the shared progress fields plus the iteration and the recent losses.
  void JsonLine(int64_t steps_done, double rate, double eta, const nlohmann::json& losses,
                bool final) const {
    auto line = nlohmann::ordered_json::parse(ProgressJson(
        "train", "it", steps_done, o_.iterations, rate, MinutesSince(start_) * 60, eta, final));
    line["iteration"] = trainer_.iteration();
    line["images_per_s"] = rate * o_.train.batch_size * trainer_.info().identities.size();
    line["losses"] = losses;
    std::fprintf(stderr, "%s\n", line.dump().c_str());
    std::fflush(stderr);
  }

  const TrainCommandOptions& o_;
  Trainer& trainer_;
  const Clock::time_point start_ = Clock::now();
  Clock::time_point last_save_ = start_, last_print_ = start_;
  const bool live_;
  const bool json_;
  const int identities_;
  std::vector<double> recent_;
  int recent_count_ = 0;
  int64_t steps_ = 0;
  nlohmann::json last_losses_ = nlohmann::json::object();  // Means since the previous line.
};

int RunTrain(const TrainCommandOptions& o, const AppContext& context) {
  if (auto e = o.train.Check(); !e.empty()) throw FatalError(e);
  std::vector<FaceSet> sets;
  if (!LoadIdentitiesUnlessInterrupted(o, &sets)) return 0;
  if (o.train.augment.warp_to_landmarks) WarnMissingLandmarks(sets);
  if (!o.timelapse.empty()) fs::create_directories(o.timelapse);
  ModelFolderLock lock(o.model_dir);
  if (!lock.stale_note().empty()) {
    spdlog::warn("model folder '{}': {}", o.model_dir, lock.stale_note());
  }
  // A signal from here on (even during the constructor's first save) only sets the flag:
  // the loop below then ends at once and the model is saved.
  const std::unique_ptr<Trainer> made = OpenTrainer(o, sets, lock);
  Trainer& trainer = *made;
  sets.clear();  // The trainer keeps its own pre-scaled copy.
  spdlog::info("{} model '{}' ({}) at iteration {}; device {}, precision {} ({})",
               trainer.resumed() ? "resuming" : "created", o.model_dir,
               trainer.info().architecture, trainer.iteration(), trainer.device(),
               trainer.precision(), trainer.precision_reason());
  TrainLoop loop(o, context, trainer);
  loop.Run();
  loop.Finish();
  return 0;
}

// Where the faces come from and where the model goes.
void AddDataOptions(CLI::App& sub, TrainCommandOptions& o) {
  sub.add_option("-i,--input,--identity", o.identities,
                 "Identity as NAME=FOLDER of aligned faces (or a packed face-set file); "
                 "repeat for each identity (2 or more)");
  sub.add_option("-A", o.folder_a, "Shortcut: faces of identity 'A'");
  sub.add_option("-B", o.folder_b, "Shortcut: faces of identity 'B'");
  sub.add_option("-o,--output,--model-dir", o.model_dir,
                 "Model folder: created, or resumed when it holds a model")
      ->required();
}

// Architecture, batch and the Adam optimiser.
void AddModelOptions(CLI::App& sub, TrainOptions& t) {
  sub.add_option("-t,--model", t.architecture, "Architecture: original (64 px), lite (64 px, "
                 "for CPUs), hq (128 px, for GPUs); fixed once the model exists")
      ->check(CLI::IsMember({"original", "lite", "hq"}))
      ->capture_default_str();
  sub.add_flag("--mask,!--no-mask", t.mask_output,
               "Decoders predict a face mask too (new models; convert cuts its mask to it); "
               "--no-mask for none (default: on)");
  sub.add_option("-b,--batch-size", t.batch_size, "Faces per identity per iteration")
      ->check(CLI::Range(1, 4096))
      ->capture_default_str();
  sub.add_option("--lr", t.learning_rate, "Adam learning rate")->capture_default_str();
  sub.add_option("--lr-warmup", t.lr_warmup,
                 "Ramp the learning rate up linearly over this many iterations from the "
                 "model's creation (0 = off)")
      ->capture_default_str();
  sub.add_option("--beta1", t.beta1, "Adam beta1")->capture_default_str();
  sub.add_option("--beta2", t.beta2, "Adam beta2")->capture_default_str();
}

void AddLossOptions(CLI::App& sub, LossOptions& loss) {
  sub.add_option("--loss", loss.kind, "Reconstruction loss: mae, mse, ssim, ssim+mae, ssim+mse")
      ->check(CLI::IsMember({"mae", "mse", "ssim", "ssim+mae", "ssim+mse"}))
      ->capture_default_str();
  sub.add_option("--face-weight", loss.face_weight,
                 "Extra loss weight inside the face (hull of the face's landmarks from "
                 "extract's alignments.json, else a template oval; 0 = off)")
      ->capture_default_str();
  sub.add_option("--eye-mouth-weight", loss.eye_mouth_weight,
                 "Extra loss weight on eyes and mouth (from the landmarks as above; 0 = off)")
      ->capture_default_str();
}

// Augmentation; --no-flip sets `no_flip`, applied to `augment.flip` once parsed.
void AddAugmentOptions(CLI::App& sub, AugmentOptions& augment, bool& no_flip) {
  sub.add_option("--coverage", augment.coverage,
                 "Centred fraction of the stored aligned face used for training (new models)")
      ->check(CLI::Range(0.1, 1.0))
      ->capture_default_str();
  sub.add_option("--warp", augment.warp, "Random warp strength of the input (0 = off)")
      ->capture_default_str();
  sub.add_flag("--warp-to-landmarks,!--no-warp-to-landmarks", augment.warp_to_landmarks,
               std::string("Instead of the random warp, warp each input face so its landmarks "
                           "sit where a similar face of another identity has them (needs "
                           "extract's alignments.json for every identity; default: ") +
                   (augment.warp_to_landmarks ? "on" : "off") + ")");
  sub.add_option("--color", augment.color, "Colour jitter amplitude (0 = off)")
      ->capture_default_str();
  sub.add_option("--color-transfer", augment.color_transfer,
                 "Probability that a training face is recoloured to the colour statistics of "
                 "another identity's face, so each decoder learns the others' lighting (0 = off)")
      ->capture_default_str();
  sub.add_option("--rotation", augment.rotation_degrees, "Random rotation range, degrees")
      ->capture_default_str();
  sub.add_flag("--no-flip", no_flip, "Disable random horizontal flips");
}

void AddDeviceOptions(CLI::App& sub, TrainOptions& t) {
  sub.add_option("--device", t.device, "auto, cpu or cuda")
      ->check(CLI::IsMember(DeviceChoices()))
      ->capture_default_str();
  sub.add_option("--precision", t.precision,
                 "auto, fp32 or bf16 (auto: bf16 on CPUs with AVX512-BF16 or AMX and on GPUs, "
                 "else fp32; bf16 keeps fp32 master weights, which are what is saved)")
      ->check(CLI::IsMember({"auto", "fp32", "bf16"}))
      ->capture_default_str();
  sub.add_option("--seed", t.seed, "Random seed (>= 0: reproducible CPU run; -1: random)")
      ->capture_default_str();
}

// When to stop and when to save.
void AddScheduleOptions(CLI::App& sub, TrainCommandOptions& o) {
  sub.add_option("--iterations", o.iterations, "Stop after N iterations of this run (0 = no limit)")
      ->check(CLI::Range(int64_t{0}, int64_t{1} << 40))
      ->capture_default_str();
  sub.add_option("--minutes", o.minutes, "Stop after N minutes (0 = no limit)")
      ->check(CLI::Range(0.0, 1e6))
      ->capture_default_str();
  sub.add_option("--save-every", o.save_every, "Save every N iterations (0 = off)")
      ->capture_default_str();
  sub.add_option("--save-minutes", o.save_minutes, "Also save every N minutes (0 = off)")
      ->capture_default_str();
  sub.add_option("--keep", o.train.keep, "Checkpoints kept in the model folder")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
}

void AddPreviewOptions(CLI::App& sub, TrainCommandOptions& o) {
  sub.add_option("--preview-every", o.preview_every,
                 "Write preview.png and loss.png every N iterations (0 = at exit only)")
      ->capture_default_str();
  sub.add_option("--preview-columns", o.preview_columns, "Faces per identity in the preview")
      ->check(CLI::Range(1, 32))
      ->capture_default_str();
  sub.add_option("--timelapse", o.timelapse, "Keep every preview and loss curve in FOLDER");
}

}  // namespace

CommandSetup TrainCommand() {
  return [](CLI::App& sub, AppContext& context) -> CommandRun {
    auto o = std::make_shared<TrainCommandOptions>();
    auto no_flip = std::make_shared<bool>(false);
    // Declared in this order: the order of --help.
    AddDataOptions(sub, *o);
    AddModelOptions(sub, o->train);
    AddLossOptions(sub, o->train.loss);
    AddAugmentOptions(sub, o->train.augment, *no_flip);
    AddDeviceOptions(sub, o->train);
    AddScheduleOptions(sub, *o);
    AddPreviewOptions(sub, *o);
    return [o, no_flip, &context, &sub] {
      o->train.augment.flip = !*no_flip;
      // The architecture is fixed once the model exists: resuming without -t takes its own.
      if (sub.count("-t") == 0 && HasModel(o->model_dir)) {
        o->train.architecture = ReadModelInfo(o->model_dir).architecture;
      }
      return RunTrain(*o, context);
    };
  };
}

}  // namespace faceswap
