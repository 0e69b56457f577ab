#!/usr/bin/env bash
# Writes the "# Time:" header of each named config from the sweep it measured: the wall time of the
# whole sweep and the range per rule, read from docs/results/NAME/summary.json (written by
# `fprnn run configs/NAME.toml --out docs/results/NAME`). Replaces the header's "# Time:" block
# (that line and the "#         " lines after it), or adds one at the end of the header's leading
# comment lines if it has none. Usage: scripts/config-times.sh p3a-mnist [...]
# NAME:PAGE reads docs/results/PAGE instead, for a config whose sweep went to another folder
# (paper-mnist:paper-mnist-seeds).
# NOTE is appended as the header's second line, e.g. NOTE="with one BLAS thread beside another sweep".
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
for arg in "$@"; do
  python3 - "${arg%%:*}" "${arg#*:}" "${NOTE:-on the 2-core machine}" <<'PY'
import json, os, sys
name, page, note = sys.argv[1], sys.argv[2], sys.argv[3]


def fail(message):
    print(f"config-times: {message}", file=sys.stderr)
    sys.exit(2)


path = f"configs/{name}.toml"
if not os.path.isfile(path):
    fail(f"{path} does not exist; give a config's name without .toml (p3a-mnist)")
if not os.path.isfile(f"docs/results/{page}/summary.json"):
    fail(f"docs/results/{page}/summary.json does not exist; run "
         f"`./fprnn run {path} --out docs/results/{page}` first, or name the page as NAME:PAGE")
try:
    summary = json.load(open(f"docs/results/{page}/summary.json"))
    if not summary.get("complete"):
        fail(f"docs/results/{page} is not complete; finish the sweep first")
    by_rule = {}
    for run in summary["runs"]:
        by_rule.setdefault(run["rule"], []).append(run["wall_seconds"])
    total = summary["wall_seconds_all_runs"]
except (ValueError, KeyError, TypeError, AttributeError) as e:
    fail(f"docs/results/{page}/summary.json is not a summary fprnn wrote ({e!r}); rewrite the page with "
         f"`./fprnn run {path} --out docs/results/{page}`; {path} was not changed")
per = ", ".join(f"{r} {min(v):.0f} s" if len(v) == 1 else f"{r} {min(v):.0f}-{max(v):.0f} s" for r, v in by_rule.items())
block = [f"# Time:   measured: the whole sweep took {total / 60:.0f} minutes "
         f"({len(summary['runs'])} run{'s' if len(summary['runs']) != 1 else ''}; {per})",
         f"#         {note};",
         f"#         every run's wall time is on docs/results/{page}/results.md. Runs resume from checkpoints."]
lines = open(path).read().split("\n")
header = 0
while header < len(lines) and lines[header].startswith("#"):
    header += 1
starts = [i for i, l in enumerate(lines[:header]) if l.startswith("# Time:")]
if starts:
    i = j = starts[0]
    j += 1
    while j < len(lines) and lines[j].startswith("#         "):
        j += 1
else:
    i = j = header
lines[i:j] = block
# a new file renamed over the config: an interrupted write leaves it whole, and two runs at once each
# write their own file (the last rename wins with a whole config)
tmp = f"{path}.{os.getpid()}.tmp"
with open(tmp, "w") as out:
    out.write("\n".join(lines))
os.replace(tmp, path)
print(f"{path}: {block[0]}")
PY
done
