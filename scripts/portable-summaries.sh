#!/usr/bin/env bash
# Rewrites the data folder that summary.json files of results pages recorded as an absolute path of
# the machine that ran them (fprnn before issue 16) into the form fprnn now writes: relative to the
# project root ("data/mnist" for /any/checkout/data/mnist), or null for a folder outside a project's
# data/. Only that one line changes; the runs are not rerun. Idempotent.
# Usage: scripts/portable-summaries.sh [SUMMARY.json ...]   (default: docs/results/*/summary.json)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ $# -eq 0 ]; then
  set -- "$here"/docs/results/*/summary.json
fi
for f in "$@"; do
  [ -f "$f" ] || continue
  before="$(cat "$f")"
  sed -E -i \
    -e 's#^(    "folder": )"/([^"]*/)?data/([^"/]+)"#\1"data/\3"#' \
    -e 's#^(    "folder": )"/[^"]*"#\1null#' "$f"
  if [ "$before" != "$(cat "$f")" ]; then
    echo "portable-summaries: rewrote the data folder of ${f#"$here"/}"
  fi
done
