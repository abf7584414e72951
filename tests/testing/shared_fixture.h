// Expensive test inputs (a trained model, extracted faces) made once and shared by every test
// process of a suite: CTest runs each test in a process of its own, so a SetUpTestSuite would
// otherwise redo them for every test.
//
//   const std::string d = SharedFixture("convert", kBin, [](const std::string& dir) {
//     ASSERT_EQ(RunCommand(kBin + " train ... -o " + dir + "/model"), 0);
//   });
#pragma once

#include <functional>
#include <string>

namespace faceswap::testing {

// The folder `build` filled, made under the system temp dir once per `name` and build of
// `binary` and of the test executable (path, size and mtime: a rebuilt one gets a fresh fixture, the stale one is
// removed; another checkout's binary has its own) and reused afterwards (read-only by
// convention: tests write their outputs elsewhere). Processes that need it while another
// builds it wait on a lock. A build that fails (a fatal gtest failure) is not kept, so the
// next process tries again.
std::string SharedFixture(const std::string& name, const std::string& binary,
                          const std::function<void(const std::string& dir)>& build);

}  // namespace faceswap::testing
