#!/usr/bin/env bash
# Measures what the "# Time:" header of each P3 config reports: for every rule, 10 training steps
# at its middle learning rate with the config's diagnostics (median step seconds over steps 3-10,
# and each diagnostics measurement), then one 2-step run that times the full-test evaluation.
# Usage: scripts/time-p3.sh p3a-mnist [p3b-mnist ...]   (config names in configs/; build first
# with ./setup.sh). Writes its scratch results under ${TMPDIR:-/tmp}/fprnn-time-p3 and prints a
# summary; needs python3.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
tmp="${TMPDIR:-/tmp}/fprnn-time-p3"
mkdir -p "$tmp"
for c in "$@"; do
  for r in gradient bptt linearized linearized_alt; do
    lr=$(python3 -c "import tomllib; d=tomllib.load(open('configs/$c.toml','rb')); print(d['sweep']['learning_rates']['$r'][1])")
    out="$tmp/$c-$r"; rm -rf "$out"
    echo "== $c $r lr $lr load $(cut -d' ' -f1 /proc/loadavg)"
    nice -n 15 ./fprnn run "configs/$c.toml" --out "$out" --stop-after-steps 10 --set "sweep.rules=[\"$r\"]" \
      --set "sweep.learning_rates=[$lr]" > "$out.log" 2>&1
    python3 - "$out" <<'PY'
import json, sys, statistics
ls = [json.loads(l) for l in open(sys.argv[1] + '/metrics.jsonl')]
sec = [m['seconds'] for m in ls][2:]
dg = [m['diag_seconds'] for m in ls if 'diag_seconds' in m]
print('step seconds (steps 3-10): median %.3f min %.3f max %.3f; diag %s; iterations median %s'
      % (statistics.median(sec), min(sec), max(sec), [round(x, 2) for x in dg], ls[-1]['iterations_median']))
PY
  done
  bs=$(python3 -c "import tomllib; d=tomllib.load(open('configs/$c.toml','rb')); print(d['train']['batch_size'])")
  out="$tmp/$c-eval"; rm -rf "$out"
  echo "== $c full-test evaluation (2 steps of linearized, then the evaluation) load $(cut -d' ' -f1 /proc/loadavg)"
  nice -n 15 ./fprnn run "configs/$c.toml" --out "$out" --set 'sweep.rules=["linearized"]' \
    --set 'sweep.learning_rates=[0.001]' --set "data.train_limit=$((2 * bs))" --set diagnostics.every=0 > "$out.log" 2>&1
  python3 - "$out" <<'PY'
import json, sys, glob
r = json.load(open(glob.glob(sys.argv[1] + '/runs/*.json')[0]))
ls = [json.loads(l) for l in open(glob.glob(sys.argv[1] + '/runs/*.metrics.jsonl')[0])]
steps = sum(m['seconds'] for m in ls if 'seconds' in m)
print('run wall %.1f s, steps %.1f s, evaluation and the rest %.1f s' % (r['wall_seconds'], steps, r['wall_seconds'] - steps))
PY
done
