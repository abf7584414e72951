#include "pipeline/interrupt.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <string>

namespace faceswap {
namespace {

std::atomic<bool> interrupted{false};

extern "C" void OnInterrupt(int) {
  interrupted = true;
  // write(2) is async-signal-safe; the leading newline ends a live progress line.
  static const char kNotice[] =
      "\ninterrupted: stopping cleanly (press Ctrl-C again to abort at once)\n";
  [[maybe_unused]] const ssize_t n = write(STDERR_FILENO, kNotice, sizeof kNotice - 1);
}

}  // namespace

void InstallInterruptHandler() {
  struct sigaction action {};
  action.sa_handler = OnInterrupt;
  // SA_RESETHAND: the default action is back in place on entry, so a second signal aborts at
  // once. SA_RESTART: a read blocked in a library (FFmpeg, zlib) carries on after the first.
  action.sa_flags = SA_RESETHAND | SA_RESTART;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

bool Interrupted() { return interrupted; }

void ThrowIfInterrupted(const char* what) {
  if (interrupted) throw Interruption(std::string("interrupted: ") + what);
}

}  // namespace faceswap
