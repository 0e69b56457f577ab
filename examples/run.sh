#!/usr/bin/env bash
# Builds and runs the examples against the fprnn-core that ./setup.sh installed into the local
# Maven repository, with the JVM flags fprnn needs (the Vector API module, native access for
# OpenBLAS). Exits non-zero if an example fails.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/../scripts/java-env.sh"
cd "$here/train-small"
mvn -B -q package
"$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
  -cp "target/classes:$(cat target/classpath.txt)" example.TrainSmall \
  2> >(grep -v -E "^WARNING: Using incubator modules" >&2)
