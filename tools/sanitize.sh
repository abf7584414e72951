#!/usr/bin/env bash
# Builds faceswap with AddressSanitizer + UndefinedBehaviorSanitizer into build-asan/ and runs
# the test suite there. Any sanitizer report fails the test that triggered it (halt_on_error).
#
#   bash tools/sanitize.sh                 # every test
#   bash tools/sanitize.sh -L pipeline     # extra arguments go to ctest (e.g. a label subset)
#   FACESWAP_SANITIZE_MODULES="pipeline stages" bash tools/sanitize.sh
#                                          # builds and runs only those modules' tests (CI)
#
# Reports from the libraries we link but do not build (LibTorch, OpenBLAS, dlib, FFmpeg,
# OpenCV) are outside our code; tools/sanitize.supp suppresses only their known one-off
# start-up leaks, nothing of ours.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
BUILD_DIR="${FACESWAP_ASAN_BUILD_DIR:-build-asan}"
FLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined"
export CCACHE_BASEDIR="$PWD"
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DFACESWAP_BUILD_BENCHMARKS=OFF \
  -DCMAKE_CXX_FLAGS="$FLAGS" -DCMAKE_C_FLAGS="$FLAGS" \
  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" >/dev/null
MODULES="${FACESWAP_SANITIZE_MODULES:-}"
TARGETS=()
LABELS=()
for m in $MODULES; do TARGETS+=(--target "tests_$m"); LABELS+=("$m"); done
cmake --build "$BUILD_DIR" -j "${FACESWAP_JOBS:-$(nproc)}" "${TARGETS[@]}"
bash samples/fetch.sh
export ASAN_OPTIONS="halt_on_error=1:detect_leaks=1:abort_on_error=0:strict_string_checks=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export LSAN_OPTIONS="suppressions=$PWD/tools/sanitize.supp:print_suppressions=0"
cd "$BUILD_DIR"
# Sanitized code runs 2-3x slower: a longer per-test timeout than tools/test.sh.
# A module subset runs by label: the tests of the modules not built are left out.
SUBSET=()
if [ ${#LABELS[@]} -gt 0 ]; then SUBSET=(-L "$(IFS='|'; echo "${LABELS[*]}")"); fi
ctest -j "$(nproc)" --output-on-failure --timeout 1800 "${SUBSET[@]}" "$@"
