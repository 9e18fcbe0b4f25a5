#!/usr/bin/env bash
# Stop the broker started by up.sh: SIGTERM, wait (SLUICE_KAFKA_STOP_TIMEOUT, default 30 s), then SIGKILL.
#   bash scripts/kafka/down.sh          (npm run kafka:down)
#   bash scripts/kafka/down.sh --wipe   also delete its data (topics, offsets, cluster id) and logs
# Honours the same env as up.sh (SLUICE_KAFKA_STATE, SLUICE_KAFKA_PIDFILE, SLUICE_KAFKA_DATA…).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

wipe=0
for a in "$@"; do
  case "$a" in
    --wipe) wipe=1 ;;
    *) kafka_log "unknown option $a"; exit 2 ;;
  esac
done

if pid="$(kafka_pid_alive "$SLUICE_KAFKA_PIDFILE")"; then
  kafka_log "stopping broker pid $pid (SIGTERM, up to ${SLUICE_KAFKA_STOP_TIMEOUT}s)"
  kill -TERM "$pid" 2>/dev/null || true
  deadline=$(( $(date +%s) + SLUICE_KAFKA_STOP_TIMEOUT ))
  while kill -0 "$pid" 2>/dev/null && [ "$(date +%s)" -lt "$deadline" ]; do sleep 0.2; done
  if kill -0 "$pid" 2>/dev/null; then
    kafka_log "still running after ${SLUICE_KAFKA_STOP_TIMEOUT}s; SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    for _ in $(seq 1 25); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  fi
  kafka_log "stopped"
else
  kafka_log "no broker running from $SLUICE_KAFKA_PIDFILE"
  if kafka_port_open "$SLUICE_KAFKA_HOST" "$SLUICE_KAFKA_PORT"; then
    kafka_log "note: something else answers on $SLUICE_KAFKA_HOST:$SLUICE_KAFKA_PORT (not started from $SLUICE_KAFKA_STATE); left alone"
  fi
fi
rm -f "$SLUICE_KAFKA_PIDFILE"

if [ "$wipe" = 1 ]; then
  kafka_log "wiping $SLUICE_KAFKA_DATA and $SLUICE_KAFKA_LOGS"
  rm -rf "$SLUICE_KAFKA_DATA" "$SLUICE_KAFKA_LOGS"
fi
