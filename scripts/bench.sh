#!/usr/bin/env bash
# Runs the benchmarks and writes their sections of BENCHMARKS.md: the same code as `./fprnn bench`
# (this script only calls it). Usage:
#   scripts/bench.sh [rules|solver|convergence|end-to-end|scaling|memory|threads|all ...] [--quick] [--out FILE]
# --quick: tiny shapes, prints only unless --out is given. `./fprnn bench --help` lists every option.
# Build first with ./setup.sh (or mvn -DskipTests install); run on a quiet machine.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
# The scaling benchmark's largest shapes (N = 3000, B = 4096) need about 2 GB of heap.
export FPRNN_JAVA_OPTS="${FPRNN_JAVA_OPTS:--Xmx8g}"
exec "$here/fprnn" bench "$@"
