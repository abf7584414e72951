// Ctrl-C / SIGTERM for commands that write outputs: while an InterruptGuard lives, the first
// signal only sets a flag; the command's source checks it (ThrowIfInterrupted) and the run
// fails like any error, so writers remove their partial files. A second signal kills at once.
#pragma once

namespace faceswap {

class InterruptGuard {
 public:
  InterruptGuard();
  ~InterruptGuard();
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;
};

// True once SIGINT/SIGTERM arrived under a guard.
bool Interrupted();
// Throws FatalError("interrupted: ...") when Interrupted().
void ThrowIfInterrupted();

}  // namespace faceswap
