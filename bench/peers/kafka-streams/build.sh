#!/usr/bin/env bash
# Builds the bench's JVM peer into $ROOT/.cache/peers/kafka-streams/peer.jar (once per change of pom.xml or
# the sources): Maven offline first (-o, from the local repository), online when something is missing.
# Prints the jar's path.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
cache="$root/.cache/peers/kafka-streams"
mkdir -p "$cache"
hash=$(cat "$here/pom.xml" $(find "$here/src" -type f | sort) | sha256sum | cut -c1-16)
jar="$cache/peer-$hash.jar"
if [[ ! -f "$jar" ]]; then
  work="$cache/build"
  rm -rf "$work"
  mkdir -p "$work"
  cp -r "$here/pom.xml" "$here/src" "$work/"
  log="$cache/build.log"
  if ! (cd "$work" && mvn -q -o -B package -DskipTests >"$log" 2>&1); then
    echo "build.sh: offline build failed (see $log); building online ..." >&2
    (cd "$work" && mvn -q -B package -DskipTests >"$log" 2>&1) || { echo "build.sh: the peer did not build; see $log" >&2; exit 1; }
  fi
  rm -f "$cache"/peer-*.jar
  mv "$work/target/peer.jar" "$jar"
  rm -rf "$work"
fi
echo "$jar"
