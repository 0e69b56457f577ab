#!/usr/bin/env bash
# Compiles and runs the exploratory harness of docs/findings/linearized-adam.md (AdamLin.java) against
# the built jar (mvn -o -q -DskipTests package), with one BLAS thread.
# usage, from the project root:
#   docs/findings/linearized-adam/run.sh CONFIG RULE LR SEED OPT VARIANT DIAG_EVERY [--set key=value ...]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
source "$root/scripts/java-env.sh"
jar="$root/fprnn-cli/target/fprnn.jar"
classes="${TMPDIR:-/tmp}/fprnn-linearized-adam-classes"
mkdir -p "$classes"
"$JAVA_HOME/bin/javac" --add-modules jdk.incubator.vector -nowarn -cp "$jar" -d "$classes" "$here/AdamLin.java"
cd "$root"
FPRNN_THREADS=1 exec "$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
  -XX:+UseParallelGC -Xss8m -cp "$classes:$jar" org.fprnn.cli.classify.AdamLin "$@" --set threads=1
