#include "tools/interrupt.h"

#include <signal.h>

#include <atomic>

#include "pipeline/check.h"

namespace faceswap {
namespace {

std::atomic<bool> interrupted{false};
extern "C" void OnInterrupt(int) { interrupted = true; }
struct sigaction old_int {};
struct sigaction old_term {};

}  // namespace

InterruptGuard::InterruptGuard() {
  interrupted = false;
  struct sigaction action {};
  action.sa_handler = OnInterrupt;
  action.sa_flags = SA_RESETHAND;  // The second signal gets the default action.
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, &old_int);
  sigaction(SIGTERM, &action, &old_term);
}

InterruptGuard::~InterruptGuard() {
  sigaction(SIGINT, &old_int, nullptr);
  sigaction(SIGTERM, &old_term, nullptr);
}

bool Interrupted() { return interrupted; }

void ThrowIfInterrupted() {
  if (interrupted) throw FatalError("interrupted: no output written");
}

}  // namespace faceswap
