#!/usr/bin/env bash
# Runs the whole test suite (all modules) with Java 25. Called by .ci/run after ./setup.sh.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
source scripts/java-env.sh
mvn -B test "$@"
