// A command run in the background, for tests that act on a running process (signals, locks):
// they synchronise on what it prints or writes, never on a wall-clock delay.
//
//   ChildProcess train(kBin + " train ...");
//   ASSERT_TRUE(train.WaitForOutput("created model")) << train.output();
//   train.Signal(SIGINT);
//   EXPECT_EQ(train.Wait(), 0) << train.output();
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

namespace faceswap::testing {

class ChildProcess {
 public:
  // Runs `command` with /bin/sh (exec'd, so signals reach the command itself); stdout and
  // stderr go to one pipe that this object reads.
  explicit ChildProcess(const std::string& command);
  // Kills (SIGKILL) and reaps the process if it is still running.
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Reads output until `text` has appeared in it (after what earlier calls matched); false if
  // the process closed its output first.
  bool WaitForOutput(const std::string& text);
  // Waits until `done` (e.g. "a file appeared") holds, checking it again whenever something
  // changes in `folders` or below (files created, written, renamed, opened; inotify, folders
  // created later included) or the process prints; false if the process ended first and it
  // still does not hold. `done` must depend only on those folders (or the output): there is
  // no timer. The folders must exist.
  bool WaitUntil(const std::vector<std::string>& folders, const std::function<bool()>& done);
  void Signal(int signal);
  // Reads the rest of the output and reaps the process: its exit code, or 128 + signal number.
  int Wait();
  bool running();
  const std::string& output() const { return output_; }
  pid_t pid() const { return pid_; }

 private:
  bool ReadSome();  // false at end of output
  pid_t pid_ = -1;
  int fd_ = -1;
  int status_ = -1;
  bool reaped_ = false;
  std::string output_;
  size_t matched_ = 0;
};

}  // namespace faceswap::testing
