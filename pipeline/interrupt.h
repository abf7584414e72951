// One Ctrl-C / SIGTERM mechanism for every command. main() installs it before anything is
// parsed or loaded, so no signal can ever hit the default action while a command is half-way
// through writing. The first signal only sets a flag (and says so on stderr); commands poll it:
// extract and convert stop and discard their partial outputs, train saves and exits 0. The
// handler resets itself (SA_RESETHAND), so a second signal ends the process at once.
#pragma once

#include "base/check.h"

namespace faceswap {

// Thrown by ThrowIfInterrupted(): a FatalError, so runs that do not catch it fail cleanly
// (exit 1, writers remove their partial files); train catches it to exit 0.
class Interruption : public FatalError {
 public:
  using FatalError::FatalError;
};

// Installs the handler for SIGINT and SIGTERM. Call once, first thing in main().
void InstallInterruptHandler();
// True once SIGINT/SIGTERM arrived.
bool Interrupted();
// Throws Interruption("interrupted: <what>") when Interrupted().
void ThrowIfInterrupted(const char* what = "no output written");

}  // namespace faceswap
