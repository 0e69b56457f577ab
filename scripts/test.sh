#!/usr/bin/env bash
# Runs every test with Java 25: the stand-alone example project of examples/ against this tree's
# fprnn-core, the Spark cluster test, then the Maven suites of all modules (last, so that the run
# closes on Surefire's summary). Called by .ci/run after ./setup.sh.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
source scripts/java-env.sh
# The example depends on fprnn-core from the local Maven repository: install this tree's first.
mvn -B -q -DskipTests -pl fprnn-core -am install
echo "test: examples/run.sh (a stand-alone project using fprnn-core as a library)"
examples/run.sh
# fprnn-spark on a standalone cluster of separate JVMs on 127.0.0.1, with worker and driver faults
# (needs the fprnn-spark jar, which ./setup.sh builds; the test rebuilds it when a source is newer).
echo "test: scripts/spark-cluster.sh test (a Spark master and two workers on 127.0.0.1)"
scripts/spark-cluster.sh test
mvn -B test "$@"
