#!/usr/bin/env bash
# scripts/spark-cluster.sh test [CONFIG.toml]: fprnn-spark on a standalone cluster of separate JVMs (a
# master and two workers on 127.0.0.1) training one run of an fprnn run config (default
# fprnn-spark/cluster-test.toml, a small two-layer convolutional network in double precision), against
# single-process training of the same config on the same batches:
#   1. fault-free: largest relative weight difference <= 1e-10;
#   2. worker 1 killed with SIGKILL mid-run: the run completes (Spark reschedules the lost tasks on the
#      other worker) with the weights of the fault-free cluster run, bitwise;
#   3. driver killed with SIGKILL mid-run, then the same command again: it resumes from the driver's
#      checkpoint and ends with the weights of the fault-free cluster run, bitwise;
#   4. the checkpoint refuses a run with other settings;
#   5. stop: no process of the cluster is left, and no temporary file of its JVMs (the killed ones
#      included): none is left in the cluster's tmp/, none was made in the system's temporary folder.
# Exit 0 on success. Called by scripts/spark-cluster.sh with the cluster's folder first.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
source scripts/java-env.sh
dir="$1"
shift
config="${1:-fprnn-spark/cluster-test.toml}"
cluster=(scripts/spark-cluster.sh --dir "$dir")
runs="$dir/runs"
t_start=$(date +%s)
driver_pid=""
# What Spark and lz4-java leave in the system's temporary folder when their JVM is killed; the cluster's
# JVMs must make none of them (spark-cluster.sh points them at the cluster's tmp/).
system_tmp=/tmp   # Java's default java.io.tmpdir on Linux, whatever TMPDIR says
spark_temp_files() { find "$system_tmp" -maxdepth 1 \( -name 'spark-*' -o -name 'blockmgr-*' -o -name 'liblz4-java-*' \) -user "$(id -u)" 2>/dev/null | sort; }
temp_before="$(spark_temp_files)"

say() { echo "spark-cluster test [$(( $(date +%s) - t_start )) s]: $*"; }
fail() { echo "spark-cluster test: FAILED: $*" >&2; exit 1; }
cleanup() {
  [ -n "$driver_pid" ] && kill -KILL "$driver_pid" 2>/dev/null || true
  "${cluster[@]}" stop >/dev/null 2>&1 || true
}
trap cleanup EXIT

[ -f "$config" ] || { echo "spark-cluster test: no config $config" >&2; exit 2; }

# Data: the config reads MNIST from data/mnist (./setup.sh installs it there).
if [ ! -f data/mnist/train-images-idx3-ubyte ] && [ ! -f data/mnist/train-images-idx3-ubyte.gz ]; then
  echo "spark-cluster test: needs MNIST in data/mnist: run ./setup.sh (or scripts/fetch-data.sh)" >&2
  exit 2
fi
args=(--config "$config" --log-every 1)
cluster_args=("${args[@]}" --partitions 2 --checkpoint-every 2)

# The application jar, rebuilt when a source is newer.
jar=fprnn-spark/target/fprnn-spark.jar
if [ ! -f "$jar" ] || [ -n "$(find fprnn-spark/src/main fprnn-cli/src/main fprnn-core/src/main fprnn-spark/pom.xml pom.xml \
    -newer "$jar" -print -quit)" ]; then
  say "building $jar"
  mvn -B -q -DskipTests package -pl fprnn-spark -am >/dev/null
fi

rm -rf "$runs"
mkdir -p "$runs"
"${cluster[@]}" stop >/dev/null 2>&1 || true

# Waits until log $1 has a line matching $2 while pid $3 runs (up to 10 minutes).
wait_line() {
  local i
  for ((i = 0; i < 3000; i++)); do
    grep -q "$2" "$1" && return 0
    kill -0 "$3" 2>/dev/null || return 1
    sleep 0.2
  done
  return 1
}
compare() { scripts/spark.sh compare "$@" | sed 's/^/  /'; }

say "config $config; single-process reference"
scripts/spark.sh train --single-process "${args[@]}" --out "$runs/single" >"$runs/single.log" 2>&1 \
  || { cat "$runs/single.log" >&2; fail "the single-process run failed"; }

say "starting the cluster in $dir"
"${cluster[@]}" start

say "1. fault-free run on the cluster"
"${cluster[@]}" submit "${cluster_args[@]}" --out "$runs/cluster" >"$runs/cluster.log" 2>&1 \
  || { tail -30 "$runs/cluster.log" >&2; fail "the cluster run failed"; }
compare "$runs/single" "$runs/cluster" 1e-10 || fail "cluster and single-process weights differ by more than 1e-10"

say "2. worker 1 killed with SIGKILL after step 3"
"${cluster[@]}" submit "${cluster_args[@]}" --out "$runs/worker-kill" >"$runs/worker-kill.log" 2>&1 &
driver_pid=$!
wait_line "$runs/worker-kill.log" '^step 3/' "$driver_pid" || { tail -30 "$runs/worker-kill.log" >&2; fail "the run did not reach step 3"; }
kill -KILL "$(cat "$dir/pids/worker-1.pid")"
rc=0; wait "$driver_pid" || rc=$?; driver_pid=""
[ "$rc" -eq 0 ] || { tail -30 "$runs/worker-kill.log" >&2; fail "the run with a killed worker failed (exit $rc)"; }
grep -q '^step 4/' "$runs/worker-kill.log" || fail "step 4 is not in the log"
grep -q 'Lost executor' "$runs/worker-kill.log" || fail "Spark did not report the lost executor: was the worker killed mid-run?"
grep 'Lost executor' "$runs/worker-kill.log" | head -1 | sed 's/^/  driver: /'
compare "$runs/cluster" "$runs/worker-kill" 0 || fail "the run with a killed worker ended with other weights"
compare "$runs/single" "$runs/worker-kill" 1e-10 || fail "the run with a killed worker differs from single-process training"
say "restarting worker 1"
"${cluster[@]}" start

say "3. driver killed with SIGKILL after the checkpoint of step 6, then the same command again"
"${cluster[@]}" submit "${cluster_args[@]}" --out "$runs/driver-kill" >"$runs/driver-kill.log" 2>&1 &
driver_pid=$!
wait_line "$runs/driver-kill.log" 'checkpoint after step 6' "$driver_pid" || { tail -30 "$runs/driver-kill.log" >&2; fail "no checkpoint after step 6"; }
kill -KILL "$driver_pid"
wait "$driver_pid" 2>/dev/null || true; driver_pid=""
[ ! -f "$runs/driver-kill/weights.safetensors" ] || fail "the run had ended before the driver was killed"
"${cluster[@]}" submit "${cluster_args[@]}" --out "$runs/driver-kill" >"$runs/driver-kill-resumed.log" 2>&1 \
  || { tail -30 "$runs/driver-kill-resumed.log" >&2; fail "the resubmitted run failed"; }
grep 'resuming from' "$runs/driver-kill-resumed.log" | sed 's/^/  driver: /'
grep -q 'resuming from .* after step [1-9]' "$runs/driver-kill-resumed.log" || fail "the resubmitted run did not resume"
compare "$runs/cluster" "$runs/driver-kill" 0 || fail "the resumed run ended with other weights"
compare "$runs/single" "$runs/driver-kill" 1e-10 || fail "the resumed run differs from single-process training"

say "4. a run with other settings into a checkpointed folder is refused"
rc=0
scripts/spark.sh train --single-process "${args[@]}" --set train.batch_size=32 --out "$runs/single" >"$runs/refused.log" 2>&1 || rc=$?
[ "$rc" -eq 2 ] && grep -q 'other settings (run.train.batch_size 64 (saved) vs 32 (now))' "$runs/refused.log" \
  || { cat "$runs/refused.log" >&2; fail "the checkpoint did not refuse other settings (exit $rc)"; }
sed 's/^/  /' "$runs/refused.log" | grep 'other settings' | cut -c1-200

say "5. stopping the cluster"
"${cluster[@]}" stop
left=$(ps -eo pid=,args= | grep -F "$dir/" | grep -v grep || true)
[ -z "$left" ] || fail "processes of the cluster are left: $left"
[ ! -e "$dir/tmp" ] || fail "stop left the cluster's temporary folder $dir/tmp: $(ls "$dir/tmp" | head -5 | paste -sd' ' -)"
made=$(comm -13 <(echo "$temp_before") <(spark_temp_files) | paste -sd' ' -)
[ -z "$made" ] || fail "the cluster's JVMs left temporary files in $system_tmp: $made"
trap - EXIT
say "passed ($config; $(( $(date +%s) - t_start )) s)"
