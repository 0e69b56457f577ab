#!/usr/bin/env bash
# Runs the whole test suite (all modules) with Java 25, and the stand-alone example project of
# examples/ against the fprnn-core of this tree. Called by .ci/run after ./setup.sh.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
source scripts/java-env.sh
# The example depends on fprnn-core from the local Maven repository: install this tree's first.
mvn -B -q -DskipTests -pl fprnn-core -am install
echo "test: examples/run.sh (a stand-alone project using fprnn-core as a library)"
examples/run.sh
mvn -B test "$@"
