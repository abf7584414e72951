#!/usr/bin/env bash
# Fetches dlib's optional CNN models (shared/DATA.md "Models") into the data cache:
#   ${FACESWAP_DATA_DIR:-$HOME/.cache/faceswap}/dlib-models/
#     mmod_human_face_detector.dat               (detect/dlib-mmod)
#     dlib_face_recognition_resnet_model_v1.dat  (--ref identity filter, sort, score)
#     shape_predictor_5_face_landmarks.dat, LICENSE (CC0)
# They come from the models tarball of Debian's *source* package dlib (200 MB, bookworm), fetched
# with apt-get against a private deb-src list, so the system's apt configuration is untouched.
# Every file is checked against its SHA-256; re-running skips what is already there. The
# default pipeline does not need them.
set -euo pipefail

DATA_DIR="${FACESWAP_DATA_DIR:-$HOME/.cache/faceswap}"
MODEL_DIR="$DATA_DIR/dlib-models"
MIRROR="${FACESWAP_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
TARBALL=dlib_19.24+dfsg.orig-dlib-models.tar.bz2
TARBALL_SHA=735a840226bbc6e7418b9c8796a979abf1c1cea04b4ee276ca890d8f571453a8
declare -A MODEL_SHA=(
  [mmod_human_face_detector.dat]=be467b1a76f482693de3b0f6a1ff91d092319be71523d4d4b0628f6a53fcb87a
  [dlib_face_recognition_resnet_model_v1.dat]=55533b28a95800a551ba546ba62fe69625c7e95a7061c338adffead08719da30
  [shape_predictor_5_face_landmarks.dat]=c4b1e9804792707d3a405c2c16a80a20269e6675021f64a41d30fffafbc41888
  [LICENSE]=6a1ee543e5282cd9061881edf462e6fdab181f328da71fc2c9a6950a80e94d01
)

say() { echo "samples/fetch-models.sh: $*" >&2; }
sha_ok() { [ -f "$1" ] && [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$2" ]; }
models_complete() {
  for f in "${!MODEL_SHA[@]}"; do sha_ok "$MODEL_DIR/$f" "${MODEL_SHA[$f]}" || return 1; done
}

if models_complete; then
  say "dlib models present in $MODEL_DIR"
  exit 0
fi
command -v apt-get >/dev/null || { say "apt-get not found: this script needs Debian's apt"; exit 1; }
mkdir -p "$DATA_DIR"
tmp=$(mktemp -d "$DATA_DIR/.fetch-models-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/parts" "$tmp/lists/partial"
cat >"$tmp/parts/dlib-src.sources" <<SOURCES
Types: deb-src
URIs: $MIRROR
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
apt_opts=(-o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=$tmp/parts"
          -o "Dir::State::Lists=$tmp/lists" -o APT::Sandbox::User=root)
say "downloading Debian's dlib source package (about 210 MB) from $MIRROR"
(cd "$tmp" && apt-get "${apt_opts[@]}" -qq update && \
   apt-get "${apt_opts[@]}" -qq source --download-only dlib=19.24+dfsg-1) >"$tmp/apt.log" 2>&1 || {
  cat "$tmp/apt.log" >&2; say "apt-get source dlib failed"; exit 1; }
sha_ok "$tmp/$TARBALL" "$TARBALL_SHA" || { say "checksum mismatch for $TARBALL (expected $TARBALL_SHA)"; exit 1; }
members=()
for f in "${!MODEL_SHA[@]}"; do members+=("dlib-models-19.24+dfsg/$f"); done
tar xjf "$tmp/$TARBALL" --no-same-owner -C "$tmp" "${members[@]}"
for f in "${!MODEL_SHA[@]}"; do
  sha_ok "$tmp/dlib-models-19.24+dfsg/$f" "${MODEL_SHA[$f]}" || { say "checksum mismatch for $f"; exit 1; }
done
rm -rf "$MODEL_DIR.new" && mv "$tmp/dlib-models-19.24+dfsg" "$MODEL_DIR.new"
rm -rf "$MODEL_DIR" && mv "$MODEL_DIR.new" "$MODEL_DIR"
say "models ready in $MODEL_DIR"
