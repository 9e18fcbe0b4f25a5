#!/usr/bin/env bash
# Fetch the Apache Kafka broker + CLI tool jars from Maven Central, once.
#   bash scripts/kafka/fetch.sh            # -> .cache/kafka/<version>/libs
#   SLUICE_KAFKA_VERSION=4.1.1 bash scripts/kafka/fetch.sh
# Idempotent: if the jars are already there (libs/.complete names the version) it returns at once.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

if kafka_libs_ready; then
  [ "${1:-}" = "--quiet" ] || kafka_log "jars for Kafka $SLUICE_KAFKA_VERSION already in $SLUICE_KAFKA_LIBS"
  exit 0
fi

command -v mvn >/dev/null 2>&1 || { kafka_log "mvn not found: install Maven 3.6+ (apt-get install maven)"; exit 1; }
kafka_java >/dev/null

start=$(date +%s)
kafka_log "fetching Kafka $SLUICE_KAFKA_VERSION jars from Maven Central into $SLUICE_KAFKA_LIBS (timeout ${SLUICE_KAFKA_MVN_TIMEOUT}s)…"
parent="$(dirname "$SLUICE_KAFKA_LIBS")"
mkdir -p "$parent"
tmp="$(mktemp -d "$parent/.libs.tmp.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

# MVN_ARGS lets CI add e.g. -Dmaven.repo.local=… or -s settings.xml
rc=0
# shellcheck disable=SC2086
kafka_timeout "$SLUICE_KAFKA_MVN_TIMEOUT" mvn -q -B ${MVN_ARGS:-} \
    -f "$KAFKA_SCRIPTS_DIR/pom.xml" \
    -Dkafka.version="$SLUICE_KAFKA_VERSION" \
    dependency:copy-dependencies \
    -DincludeScope=runtime \
    -DoutputDirectory="$tmp" >"$tmp.mvn.log" 2>&1 || rc=$?
if [ "$rc" != 0 ]; then
  tail -n 40 "$tmp.mvn.log" >&2 || true
  rm -f "$tmp.mvn.log"
  [ "$rc" = 124 ] && kafka_log "mvn timed out after ${SLUICE_KAFKA_MVN_TIMEOUT}s"
  kafka_log "fetch failed (is Maven Central reachable? does Kafka $SLUICE_KAFKA_VERSION exist?)"
  exit 1
fi
rm -f "$tmp.mvn.log"

if ! ls "$tmp"/kafka_2.13-"$SLUICE_KAFKA_VERSION".jar >/dev/null 2>&1; then
  kafka_log "fetch produced no kafka_2.13-$SLUICE_KAFKA_VERSION.jar"; exit 1
fi
echo "$SLUICE_KAFKA_VERSION" >"$tmp/.complete"
rm -rf "$SLUICE_KAFKA_LIBS"
mv "$tmp" "$SLUICE_KAFKA_LIBS"
trap - EXIT
# shellcheck disable=SC2012
kafka_log "fetched $(ls "$SLUICE_KAFKA_LIBS"/*.jar | wc -l) jars ($(du -sh "$SLUICE_KAFKA_LIBS" | cut -f1)) in $(( $(date +%s) - start ))s"
