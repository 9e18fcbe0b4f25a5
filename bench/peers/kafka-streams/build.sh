#!/usr/bin/env bash
# Builds the Kafka Streams peer once: target/classes + target/lib/*.jar (from Maven Central).
# Rebuilds only when pom.xml or a source file changed (target/.built holds their hash).
#   bash bench/peers/kafka-streams/build.sh          # prints the classpath to run with
# Needs Java 17+ and Maven 3.6+. MVN_ARGS passes extra Maven options (e.g. -o, -s settings.xml).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

command -v java >/dev/null 2>&1 || { echo "kafka-streams peer: java not found (needs Java 17+)" >&2; exit 1; }
command -v mvn >/dev/null 2>&1 || { echo "kafka-streams peer: mvn not found (apt-get install maven)" >&2; exit 1; }

hash="$(cat pom.xml $(find src -type f -name '*.java' | sort) | sha256sum | cut -d' ' -f1)"
classpath="$PWD/target/classes:$PWD/target/lib/*"
if [ -f target/.built ] && [ "$(cat target/.built)" = "$hash" ]; then
  echo "$classpath"
  exit 0
fi

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
echo "kafka-streams peer: building with Maven (the first build downloads kafka-streams from Maven Central)…" >&2
# shellcheck disable=SC2086
if ! timeout "${SLUICE_PEER_MVN_TIMEOUT:-900}" mvn -q -B ${MVN_ARGS:-} -DskipTests package >"$log" 2>&1; then
  tail -n 30 "$log" >&2
  echo "kafka-streams peer: Maven build failed" >&2
  exit 1
fi
echo "$hash" > target/.built
echo "$classpath"
