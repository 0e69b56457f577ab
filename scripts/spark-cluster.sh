#!/usr/bin/env bash
# A Spark standalone cluster on this machine, for trying fprnn-spark as it runs on a real one: a master
# and two workers, each a JVM of its own, on 127.0.0.1 only. Spark comes from the Maven build (no Spark
# download): SPARK_HOME is a folder whose jars/ holds fprnn-spark's compile-scope dependencies.
#
#   scripts/spark-cluster.sh [--dir D] start            master + 2 workers (1 core, $FPRNN_SPARK_WORKER_MEMORY each)
#   scripts/spark-cluster.sh [--dir D] status           the processes, the master's URL, executors running
#   scripts/spark-cluster.sh [--dir D] submit ARGS      SparkTrain ARGS through org.apache.spark.deploy.SparkSubmit
#   scripts/spark-cluster.sh [--dir D] stop             ends the processes this script started (by pid)
#   scripts/spark-cluster.sh [--dir D] test [CONFIG]    cluster vs single process, worker and driver faults
#   scripts/spark-cluster.sh [--dir D] bench [--write BENCHMARKS.md] [SparkBench options]
#                                                       single process vs local[2] vs this cluster
#
# D (default results/spark-cluster; test: results/spark-cluster-test) holds spark-home/, logs/, pids/,
# work/ (the workers' folders), tmp/ (every cluster JVM's temporary files) and master-url. submit takes
# spark-submit options first (--class C, --conf K=V, --executor-memory M, --driver-memory M), then the
# application's arguments. See the
# section "A cluster on this machine" of fprnn-spark/README.md.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
source scripts/java-env.sh

dir=""
if [ "${1:-}" = "--dir" ]; then
  [ $# -ge 2 ] || { echo "spark-cluster: --dir needs a folder" >&2; exit 2; }
  dir="$2"; shift 2
fi
cmd="${1:-}"
[ $# -gt 0 ] && shift
if [ -z "$dir" ]; then
  if [ "$cmd" = test ]; then dir=results/spark-cluster-test; else dir=results/spark-cluster; fi
fi
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"
spark_home="$dir/spark-home"
workers=2
worker_memory="${FPRNN_SPARK_WORKER_MEMORY:-1g}"
app_jar=fprnn-spark/target/fprnn-spark.jar
# Every JVM of the cluster (and every executor, whose class path is $spark_home/jars/*) names $dir in its
# command line: that is how stop and status tell them from other Java processes.
jvm_flags="$(grep -v '^#' fprnn-spark/jvm.args | paste -sd' ' -)"
# Temporary files (Spark's local folders, lz4-java's extracted library) go to $tmp, not the system's
# temporary folder: a JVM killed with SIGKILL (the fault tests do that) cannot delete its own, and stop
# removes $tmp once no process of the cluster is left. The executors get the flag through
# spark.executor.extraJavaOptions, which Spark splits at spaces outside double quotes.
tmp="$dir/tmp"
tmp_flag="-Djava.io.tmpdir=$tmp"

die() { echo "spark-cluster: $*" >&2; exit 2; }
alive() { [ -f "$dir/pids/$1.pid" ] && is_ours "$(cat "$dir/pids/$1.pid")"; }
cmdline() { cat "/proc/$1/cmdline" 2>/dev/null | tr '\0' ' '; }
# True when pid runs and its command line names this cluster's folder (a reused pid does not).
is_ours() { cmdline "$1" | grep -qF "$dir/"; }
# Pids of every process whose command line names this cluster's folder, the executors included.
cluster_pids() {
  local p
  for p in /proc/[0-9]*; do
    p="${p#/proc/}"
    [ "$p" = "$$" ] && continue
    case "$(cmdline "$p")" in
      *org.apache.spark*"$dir/"*|*"$dir/"*org.apache.spark*) echo "$p" ;;
    esac
  done
}

# SPARK_HOME: jars/ from `mvn dependency:copy-dependencies` of fprnn-spark's compile scope (Spark,
# Hadoop client 3.5.0, picocli, EJML; fprnn itself travels in the application jar), made once into
# fprnn-spark/target/spark-jars (again when a pom changes) and linked as $spark_home/jars, so that every
# executor's class path names this cluster's folder.
prepare_home() {
  local jars="$here/fprnn-spark/target/spark-jars"
  if [ ! -f "$jars.done" ] || [ pom.xml -nt "$jars.done" ] || [ fprnn-spark/pom.xml -nt "$jars.done" ]; then
    echo "spark-cluster: filling fprnn-spark/target/spark-jars with fprnn-spark's compile-scope dependencies"
    rm -rf "$jars" "$jars.done"
    mkdir -p "$jars"
    mvn -B -q -pl fprnn-spark dependency:copy-dependencies -DincludeScope=compile -DexcludeGroupIds=org.fprnn \
      -DoutputDirectory="$jars" >"$dir/logs/copy-dependencies.log" 2>&1 \
      || { cat "$dir/logs/copy-dependencies.log" >&2; die "mvn dependency:copy-dependencies failed"; }
    touch "$jars.done"
  fi
  ls "$jars"/hadoop-client-api-3.5.*.jar >/dev/null 2>&1 \
    || die "$jars has no hadoop-client-api 3.5.x: executors on Java 25 need Hadoop client 3.5.0 or later"
  mkdir -p "$spark_home"
  [ "$(readlink "$spark_home/jars" 2>/dev/null)" = "$jars" ] || { rm -rf "$spark_home/jars"; ln -s "$jars" "$spark_home/jars"; }
}

# The environment of every cluster JVM; the workers pass it on to the executors they start.
cluster_env() {
  export SPARK_HOME="$spark_home" SPARK_SCALA_VERSION=2.13 SPARK_LOCAL_IP=127.0.0.1 JAVA_HOME
  export SPARK_LOG_DIR="$dir/logs" SPARK_NO_DAEMONIZE=1 OPENBLAS_NUM_THREADS=1 SPARK_LOCAL_DIRS="$tmp"
  mkdir -p "$tmp"
}

# Waits until file $1 has a line matching $2 (up to $3 seconds) while pid $4 lives. The pid is one this
# script just started, so kill -0 tells whether it lives: is_ours would fail while the forked shell has
# not yet become java (its command line does not name $dir then), as happened on a loaded machine.
wait_for_log() {
  local i
  for ((i = 0; i < $3 * 5; i++)); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    kill -0 "$4" 2>/dev/null || return 1
    sleep 0.2
  done
  return 1
}

start_master() {
  local log="$dir/logs/master.log"
  : > "$log"
  # Port 0: the system chooses free ports (RPC and web UI); the master's log names them.
  "$JAVA_HOME/bin/java" @fprnn-spark/jvm.args "$tmp_flag" -Xmx256m -cp "$spark_home/jars/*" \
    org.apache.spark.deploy.master.Master --host 127.0.0.1 --port 0 --webui-port 0 >"$log" 2>&1 &
  echo $! > "$dir/pids/master.pid"
  wait_for_log "$log" "Starting Spark master at spark://" 120 $! || { cat "$log" >&2; die "the master did not start (log: $log)"; }
  sed -n 's#.*Starting Spark master at \(spark://[0-9.]*:[0-9]*\).*#\1#p' "$log" | head -1 > "$dir/master-url"
  wait_for_log "$log" "I have been elected leader" 60 "$(cat "$dir/pids/master.pid")" || die "the master did not become ready (log: $log)"
}

start_worker() {
  local i=$1 log="$dir/logs/worker-$1.log"
  : > "$log"
  mkdir -p "$dir/work/worker-$i"
  "$JAVA_HOME/bin/java" @fprnn-spark/jvm.args "$tmp_flag" -Xmx256m -cp "$spark_home/jars/*" \
    org.apache.spark.deploy.worker.Worker --host 127.0.0.1 --port 0 --webui-port 0 --cores 1 \
    --memory "$worker_memory" --work-dir "$dir/work/worker-$i" "$(cat "$dir/master-url")" >"$log" 2>&1 &
  echo $! > "$dir/pids/worker-$i.pid"
}

wait_worker() {
  local log="$dir/logs/worker-$1.log"
  wait_for_log "$log" "Successfully registered with master" 120 "$(cat "$dir/pids/worker-$1.pid")" \
    || { tail -20 "$log" >&2; die "worker $1 did not register with the master (log: $log)"; }
}

# Starts what is not running: the master, then the workers. Restarting a lost worker is `start` again.
start() {
  [ -f "$app_jar" ] || die "$app_jar is missing: build it with  mvn -B -q -DskipTests package -pl fprnn-spark -am"
  mkdir -p "$dir/logs" "$dir/pids" "$dir/work"
  prepare_home
  cluster_env
  if ! alive master; then
    alive worker-1 || alive worker-2 && die "workers run without their master: run stop first"
    start_master
  fi
  local i started=()
  for ((i = 1; i <= workers; i++)); do
    if ! alive "worker-$i"; then start_worker "$i"; started+=("$i"); fi
  done
  for i in "${started[@]}"; do wait_worker "$i"; done
  echo "spark-cluster: master $(cat "$dir/master-url") (pid $(cat "$dir/pids/master.pid")), $workers workers" \
    "of 1 core and $worker_memory; logs in $dir/logs"
}

status() {
  local name running=0
  for name in master $(seq -f 'worker-%g' 1 $workers); do
    if alive "$name"; then
      echo "$name: running, pid $(cat "$dir/pids/$name.pid")"; running=$((running + 1))
    else
      echo "$name: not running"
    fi
  done
  [ -f "$dir/master-url" ] && alive master && echo "master URL: $(cat "$dir/master-url")"
  local others
  others=$(cluster_pids | while read -r p; do grep -qx "$p" "$dir"/pids/*.pid 2>/dev/null || echo "$p"; done | paste -sd' ' -)
  [ -n "$others" ] && echo "other processes of this cluster (executors, drivers): $others"
  [ "$running" -eq $((workers + 1)) ]
}

# Ends the workers, then the master, each by its pid (TERM, then KILL after 20 s). A worker ends its
# executors; an executor still left (its worker killed) names $dir in its class path and is ended by pid.
stop() {
  local name pid i
  for name in $(seq -f 'worker-%g' 1 $workers) master; do
    [ -f "$dir/pids/$name.pid" ] || continue
    pid=$(cat "$dir/pids/$name.pid")
    if is_ours "$pid"; then
      kill -TERM "$pid" 2>/dev/null || true
      for ((i = 0; i < 100; i++)); do is_ours "$pid" || break; sleep 0.2; done
      is_ours "$pid" && kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$dir/pids/$name.pid"
  done
  for ((i = 0; i < 50; i++)); do [ -z "$(cluster_pids)" ] && break; sleep 0.2; done
  for pid in $(cluster_pids); do
    echo "spark-cluster: ending pid $pid, left over from this cluster: $(cmdline "$pid" | cut -c1-120)..."
    kill -KILL "$pid" 2>/dev/null || true
  done
  sleep 0.5
  if [ -n "$(cluster_pids)" ]; then
    die "processes of this cluster are still running: $(cluster_pids | paste -sd' ' -)"
  fi
  rm -f "$dir/master-url"
  rm -rf "$tmp"
  echo "spark-cluster: stopped; no process of $dir is left"
}

# SparkTrain (or --class C) on the cluster through Spark's own submission entry point, in client mode:
# this JVM is the driver. The fprnn JVM flags go to the driver (here) and the executors (extraJavaOptions).
submit() {
  alive master || die "the cluster is not running: scripts/spark-cluster.sh${dir:+ --dir $dir} start"
  [ -f "$app_jar" ] || die "$app_jar is missing: build it with  mvn -B -q -DskipTests package -pl fprnn-spark -am"
  local main=org.fprnn.spark.SparkTrain spark_args=() driver_memory=2g
  while [ $# -gt 0 ]; do
    case "$1" in
      --class) main="$2"; shift 2 ;;
      --conf|--executor-memory) spark_args+=("$1" "$2"); shift 2 ;;
      --driver-memory) driver_memory="$2"; shift 2 ;;
      *) break ;;
    esac
  done
  cluster_env
  exec "$JAVA_HOME/bin/java" @fprnn-spark/jvm.args "$tmp_flag" -Xmx"$driver_memory" -Xss8m -cp "$spark_home/jars/*" \
    -Dlog4j2.configurationFile=fprnn-spark/log4j2.properties -Dfprnn.cluster="$dir/" \
    org.apache.spark.deploy.SparkSubmit --master "$(cat "$dir/master-url")" --deploy-mode client \
    --class "$main" --name "fprnn-spark ($main)" --executor-memory "$worker_memory" \
    --conf spark.driver.host=127.0.0.1 --conf spark.driver.bindAddress=127.0.0.1 \
    --conf "spark.driver.extraJavaOptions=$jvm_flags" --conf "spark.executor.extraJavaOptions=$jvm_flags \"$tmp_flag\"" \
    --conf spark.executorEnv.JAVA_HOME="$JAVA_HOME" --conf spark.executorEnv.OPENBLAS_NUM_THREADS=1 \
    --conf spark.ui.enabled=false --conf spark.scheduler.minRegisteredResourcesRatio=1 \
    --conf spark.scheduler.maxRegisteredResourcesWaitingTime=300s "${spark_args[@]}" "$app_jar" "$@"
}

# SparkBench on the cluster: single process, local[2] and this cluster, on the same batches, the bytes per
# step and the fitted cost model. Starts the cluster for the benchmark if it is not running, and stops it
# again afterwards (also when the start or the benchmark fails).
bench() {
  local started=0 rc=0
  if ! alive master; then
    started=1
    ( start ) || rc=$?
  fi
  [ "$rc" -ne 0 ] || ( submit --class org.fprnn.spark.SparkBench --driver-memory 6g --cluster "$@" ) || rc=$?
  [ "$started" -eq 0 ] || stop   # also after a failed start: leave nothing running
  return "$rc"
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  submit) submit "$@" ;;
  bench) bench "$@" ;;
  test) exec bash scripts/spark-cluster-test.sh "$dir" "$@" ;;
  *) echo "usage: scripts/spark-cluster.sh [--dir D] start|stop|status|submit ARGS|test [CONFIG.toml]|bench [OPTIONS]" >&2; exit 2 ;;
esac
