#!/usr/bin/env bash
# Outlier benchmark of `faceswap latent outliers` (issue 14): into 500 of Franck's extracted
# faces inject 10 faces of other people (dlib's example photos), 10 misaligned crops (5 shifted
# by 1/8 of the crop, 5 rotated 20 degrees) and 10 occluded ones (a grey block over half the
# face), all made from faces not among the 500; rank them with a model trained on the sample
# pair (the demo's: bash tools/demo.sh) through identity A's decoder, and with the naive
# baseline (pixel distance to the mean crop) in the same run. Prints, per method, how many of
# the 30 land in the top 30 and the ROC AUC (injected = positive).
#
#   bash tools/bench/latent_outliers.sh [MODEL_DIR [FACES_A]]   # default: out/demo/{model,faces_A}
set -euo pipefail
cd "$(dirname "$0")/../.."
FS="${FACESWAP_BUILD_DIR:-build}/tools/faceswap"
MODEL="${1:-out/demo/model}"
FACES="${2:-out/demo/faces_A}"
WORK="${FACESWAP_LATENT_DIR:-build/latent_outliers}"
say() { echo "latent_outliers: $*" >&2; }
[ -f "$MODEL/model.json" ] || { say "no model in '$MODEL': run tools/demo.sh first"; exit 1; }
[ -d "$FACES" ] || { say "no faces in '$FACES'"; exit 1; }

rm -rf "$WORK"
mkdir -p "$WORK/set" "$WORK/others_src"
mapfile -t all < <(find "$FACES" -maxdepth 1 -name '*.png' | sort)
[ "${#all[@]}" -ge 560 ] || { say "'$FACES' has ${#all[@]} faces: need 560"; exit 1; }
# The 500: every second face of the first 1000 (spread over the clip); the corrupted ones are
# made from faces 1001.. (other moments, never among the 500).
for ((i = 0; i < 1000; i += 2)); do cp "${all[$i]}" "$WORK/set/"; done
ff() { ffmpeg -nostdin -v error -y -i "$1" -vf "$2" "$3"; }
for k in 0 1 2 3 4; do
  ff "${all[$((1001 + k * 7))]}" "crop=iw*7/8:ih*7/8:iw/8:ih/8,pad=iw*8/7:ih*8/7:0:0:black" \
    "$WORK/set/inj_shifted_$k.png"
  ff "${all[$((1041 + k * 7))]}" "rotate=20*PI/180:fillcolor=black" "$WORK/set/inj_rotated_$k.png"
  ff "${all[$((1081 + k * 7))]}" "drawbox=x=0:y=ih/2:w=iw:h=ih/2:color=gray:t=fill" \
    "$WORK/set/inj_occluded_low_$k.png"
  ff "${all[$((1121 + k * 7))]}" "drawbox=x=0:y=0:w=iw/2:h=ih:color=gray:t=fill" \
    "$WORK/set/inj_occluded_side_$k.png"
done
# Other people: faces extracted from dlib's example photos (groups and portraits).
cp /usr/share/doc/libdlib19.1/examples/faces/*.jpg "$WORK/others_src/"
"$FS" -q extract -i "$WORK/others_src" -o "$WORK/others"
mapfile -t others < <(find "$WORK/others" -maxdepth 1 -name '*.png' | sort)
[ "${#others[@]}" -ge 10 ] || { say "only ${#others[@]} faces in dlib's photos"; exit 1; }
for k in $(seq 0 9); do
  cp "${others[$((k * ${#others[@]} / 10))]}" "$WORK/set/inj_other_$k.png"
done
say "$(find "$WORK/set" -name '*.png' | wc -l) faces, 30 injected; model $MODEL"

for method in combined reconstruction code-knn mean-face; do
  start=$(date +%s.%N)
  "$FS" -q latent outliers -m "$MODEL" --identity A -i "$WORK/set" --method "$method" \
    -o "$WORK/$method.csv" --top 30 >/dev/null
  secs=$(echo "$(date +%s.%N) - $start" | bc -l)
  # ROC AUC = P(an injected face ranks above a normal one) from the ranks (no ties in practice).
  awk -F, -v method="$method" -v secs="$secs" 'NR > 1 {
      pos = ($2 ~ /inj_/); n++; if (pos) { P++; if ($1 <= 30) top++; rs += $1 } }
    END { N = n - P; auc = 1 - (rs - P * (P + 1) / 2) / (P * N);
      printf "%-15s injected in top 30: %2d / %d   ROC AUC %.3f   (%d faces, %.1f s)\n",
        method, top, P, auc, n, secs }' "$WORK/$method.csv"
  awk -F, 'NR > 1 && $2 ~ /inj_/ && $1 > 30 { sub(/.*\//, "", $2); printf "    missed: %s at rank %d\n", $2, $1 }' \
    "$WORK/$method.csv"
done
