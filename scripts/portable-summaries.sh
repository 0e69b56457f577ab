#!/usr/bin/env bash
# Rewrites machine paths that results pages and BENCHMARKS.md recorded before fprnn stopped writing
# them, into the form fprnn now writes; the runs are not rerun, only these strings change. Idempotent.
# - summary.json: the data folder, as an absolute path of the machine that ran them (fprnn before
#   issue 16), becomes relative to the project root ("data/mnist" for /any/checkout/data/mnist), or
#   null for a folder outside a project's data/.
# - summary.json, results.md and BENCHMARKS.md: the BLAS library's file, "[system: /usr/lib/.../
#   libopenblas.so.0]" (fprnn between the bundled OpenBLAS and NativeBlas.name() naming the file
#   only), becomes "[system: libopenblas.so.0]", and "[/usr/lib/.../libopenblas.so.0]" (before the
#   bundled OpenBLAS) becomes "[libopenblas.so.0]".
# - BENCHMARKS.md: the peers' interpreter, "run with /usr/bin/python3", becomes "run with python3".
# Usage: scripts/portable-summaries.sh [FILE ...]
#        (default: docs/results/*/summary.json, docs/results/*/results.md and BENCHMARKS.md)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ $# -eq 0 ]; then
  set -- "$here"/docs/results/*/summary.json "$here"/docs/results/*/results.md "$here"/BENCHMARKS.md
fi
for f in "$@"; do
  [ -f "$f" ] || continue
  before="$(cat "$f")"
  sed -E -i \
    -e 's#^(    "folder": )"/([^"]*/)?data/([^"/]+)"#\1"data/\3"#' \
    -e 's#^(    "folder": )"/[^"]*"#\1null#' \
    -e 's#\[(system|FPRNN_OPENBLAS|bundled org\.bytedeco:openblas [^]: ]*): /[^]]*/([^]/]+)\]#[\1: \2]#g' \
    -e 's#\[/[^] ]*/(libopenblas[^]/ ]*)\]#[\1]#g' \
    -e 's#run with /usr/bin/(python3) #run with \1 #g' "$f"
  if [ "$before" != "$(cat "$f")" ]; then
    echo "portable-summaries: rewrote machine paths in ${f#"$here"/}"
  fi
done
