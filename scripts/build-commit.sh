#!/usr/bin/env bash
# Prints the commit the build is made from, for -Dfprnn.commit: HEAD, with "-dirty" when tracked
# sources or build files differ from it; nothing outside a git checkout. (A pathspec such as '*/src'
# matches only a path ending in /src, never the files under it: hence '*/src/*'.)
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 0
head=$(git rev-parse HEAD 2>/dev/null) || exit 0
if [ -n "$(git status --porcelain --untracked-files=no -- pom.xml '*/pom.xml' '*/src/*' 2>/dev/null)" ]; then
  head="$head-dirty"
fi
echo "$head"
