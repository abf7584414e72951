#!/usr/bin/env bash
# Flake hunt: runs the whole test suite RUNS times in a row (default 5) under `ctest -j2`
# while stress-ng keeps every core busy, and prints one line per run. A test that fails once
# here is a flaky test: fix it (tests synchronise on events, never on time).
#
#   bash tools/stress_tests.sh [RUNS]      # after tools/build.sh; log per run in build/stress/
#   FACESWAP_STRESS_CPUS=1 bash tools/stress_tests.sh   # busy loops (default: one per core;
#                                                       # 0: none, the load comes from elsewhere)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${1:-5}"
BUILD_DIR="${FACESWAP_BUILD_DIR:-build}"
command -v stress-ng >/dev/null 2>&1 || {
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq --no-install-recommends stress-ng >/dev/null 2>&1 ||
    { apt-get update -qq && apt-get install -y -qq --no-install-recommends stress-ng >/dev/null; }
}
bash samples/fetch.sh >/dev/null
mkdir -p "$BUILD_DIR/stress"
load=""
if [ "${FACESWAP_STRESS_CPUS:-$(nproc)}" != 0 ]; then  # stress-ng reads --cpu 0 as "all"
  stress-ng --cpu "${FACESWAP_STRESS_CPUS:-$(nproc)}" --timeout 0 --quiet &
  load=$!
fi
trap '[ -z "$load" ] || kill $load 2>/dev/null || true' EXIT
failed_runs=0
for run in $(seq "$RUNS"); do
  log="$BUILD_DIR/stress/run$run.log"
  start=$(date +%s)
  if (cd "$BUILD_DIR" && ctest -j2 --output-on-failure --timeout 900) >"$log" 2>&1; then
    status=green
  else
    status=RED
    failed_runs=$((failed_runs + 1))
  fi
  summary=$(grep -E "tests passed|tests failed" "$log" | tail -1)
  echo "run $run/$RUNS: $status in $(( $(date +%s) - start )) s (load average $(cut -d' ' -f1-3 /proc/loadavg)): $summary"
  grep -E "^\s+[0-9]+ - .*\((Failed|Timeout|SEGFAULT|Subprocess aborted)\)" "$log" || true
done
echo "$failed_runs of $RUNS runs red"
[ "$failed_runs" -eq 0 ]
