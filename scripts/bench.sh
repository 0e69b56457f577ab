#!/usr/bin/env bash
# Runs the benchmarks and writes their sections of BENCHMARKS.md. Usage: scripts/bench.sh [rules|solver|convergence|all] [--quick]
# (--quick: small shapes, prints only). Build first with ./setup.sh.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
source scripts/java-env.sh
cp_file=fprnn-bench/target/classpath.txt
if [ ! -f "$cp_file" ] || [ fprnn-bench/pom.xml -nt "$cp_file" ]; then
  mvn -B -q -pl fprnn-bench dependency:build-classpath -Dmdep.outputFile=target/classpath.txt >/dev/null
fi
# The project's own classes come from this checkout's build, not from ~/.m2.
deps=$(tr ':' '\n' < "$cp_file" | grep -v '/org/fprnn/' | paste -sd: -)
cp="fprnn-bench/target/classes:fprnn-core/target/classes:fprnn-core/target/test-classes:$deps"
exec "$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xss8m -Xmx8g \
  -cp "$cp" org.fprnn.bench.BenchMain "$@" 2> >(grep -v "incubator modules" >&2)
