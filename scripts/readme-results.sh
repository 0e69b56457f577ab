#!/usr/bin/env bash
# Copies the headline table of each results page named in README.md into README.md, so that the
# numbers in the README are exactly those `fprnn run` wrote. A block in README.md looks like
#   <!-- results: docs/results/paper-mnist/results.md -->
#   ... (replaced) ...
#   <!-- end results -->
# and receives the section "## Final accuracy on the full test set" of that page (heading dropped).
# Usage: scripts/readme-results.sh [README.md]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readme="${1:-$here/README.md}"
heading="## Final accuracy on the full test set"
tmp="$(mktemp "${readme}.XXXXXX")"
trap 'rm -f "$tmp"' EXIT
awk -v heading="$heading" -v root="$here" '
  function table(page,    line, on, out, n) {
    on = 0; out = ""; n = 0
    while ((getline line < page) > 0) {
      if (line == heading) { on = 1; continue }
      if (on && line ~ /^## /) { break }
      if (on) { out = out line "\n"; n++ }
    }
    close(page)
    if (n == 0) {
      printf "readme-results: %s has no section \"%s\"; run the config named in it first\n", page, heading > "/dev/stderr"
      exit 2
    }
    sub(/^\n+/, "", out); sub(/\n+$/, "\n", out)
    return out
  }
  /^<!-- results: .* -->$/ {
    print
    page = $0; sub(/^<!-- results: /, "", page); sub(/ -->$/, "", page)
    printf "%s", table(root "/" page)
    skipping = 1
    next
  }
  /^<!-- end results -->$/ { skipping = 0 }
  !skipping { print }
  END { if (skipping) { print "readme-results: a results block is not closed by <!-- end results -->" > "/dev/stderr"; exit 2 } }
' "$readme" > "$tmp"
chmod --reference="$readme" "$tmp"   # mktemp makes it 0600: the README would become readable by its owner only
mv "$tmp" "$readme"
trap - EXIT
echo "updated $(basename "$readme") from its results pages"
