#!/usr/bin/env bash
# Runs fprnn-spark in this JVM, in Spark's local mode, without a Spark installation (Spark comes from
# the Maven build's class path). Build first: mvn -B -q -DskipTests install -pl fprnn-spark -am
#   scripts/spark.sh train --master 'local[2]' --data mnist --lr 0.1 --steps 100 --out results/spark
#   scripts/spark.sh bench [--steps 30 --config configs/p3c-mnist.toml --write BENCHMARKS.md]
#   scripts/spark.sh compare results/a results/b 1e-10   (largest relative weight difference of two runs)
# (train --help and bench --help list the options). On a cluster use spark-submit instead: see
# fprnn-spark/README.md.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
source scripts/java-env.sh
# Local mode listens on the loopback only (without this Spark looks up the machine's external address).
export SPARK_LOCAL_IP="${SPARK_LOCAL_IP:-127.0.0.1}"
case "${1:-}" in
  train) main=org.fprnn.spark.SparkTrain ;;
  bench) main=org.fprnn.spark.SparkBench ;;
  compare) main=org.fprnn.spark.CompareWeights ;;
  *) echo "usage: scripts/spark.sh train|bench [options]   (--help after either lists them)" >&2
     echo "       scripts/spark.sh compare A B [MAX]   (weights of two runs: largest relative difference)" >&2; exit 2 ;;
esac
shift
if [ ! -f fprnn-spark/target/classes/org/fprnn/spark/SparkTrain.class ]; then
  echo "fprnn-spark is not built: run  mvn -B -q -DskipTests install -pl fprnn-spark -am  first" >&2
  exit 2
fi
cp_file=fprnn-spark/target/classpath.txt
if [ ! -f "$cp_file" ] || [ fprnn-spark/pom.xml -nt "$cp_file" ] || [ pom.xml -nt "$cp_file" ]; then
  # compile scope includes Spark (provided) and leaves out the test libraries.
  mvn -B -q -pl fprnn-spark dependency:build-classpath -Dmdep.includeScope=compile \
    -Dmdep.outputFile=target/classpath.txt >/dev/null
fi
# The project's own classes come from this checkout's build, not from ~/.m2.
deps=$(tr ':' '\n' < "$cp_file" | grep -v '/org/fprnn/' | paste -sd: -)
cp="fprnn-spark/target/classes:fprnn-cli/target/classes:fprnn-core/target/classes:$deps"
# The stderr filter ignores SIGINT and SIGTERM, as the fprnn launcher's does: a Ctrl-C (sent to the whole
# process group) must not end it before java has printed what it does on that signal.
exec "$JAVA_HOME/bin/java" @fprnn-spark/jvm.args -Dlog4j2.configurationFile=fprnn-spark/log4j2.properties \
  -Xss8m -Xmx8g -cp "$cp" "$main" "$@" 2> >(trap '' INT TERM; exec grep -a --line-buffered -v "incubator modules" >&2)
