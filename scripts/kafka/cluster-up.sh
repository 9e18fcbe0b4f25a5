#!/usr/bin/env bash
# Start a 3-node Apache Kafka KRaft cluster (each node broker+controller) for leader-failover drills.
#   bash scripts/kafka/cluster-up.sh            # nodes 1..3 on 127.0.0.1:19092,19093,19094
#   bash scripts/kafka/cluster-up.sh --node 2   # (re)start only node 2, e.g. after a drill killed it
# Controllers on 19192..19194; state under <repo>/.kafka/cluster/node-N. Internal topics use RF 3.
# Waits (SLUICE_KAFKA_START_TIMEOUT, default 90 s) until every node answers and all 3 brokers are registered.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/cluster-env.sh"

nodes=("${SLUICE_KAFKA_CLUSTER_NODES[@]}")
while [ $# -gt 0 ]; do
  case "$1" in
    --node) nodes=("$2"); shift 2 ;;
    *) kafka_log "unknown option $1"; exit 2 ;;
  esac
done

bash "$KAFKA_SCRIPTS_DIR/fetch.sh" --quiet
t0=$(date +%s)

# one cluster id shared by all nodes (kept in the cluster state dir so restarts reuse it)
mkdir -p "$SLUICE_KAFKA_CLUSTER_STATE"
idfile="$SLUICE_KAFKA_CLUSTER_STATE/cluster.id"
if [ ! -s "$idfile" ]; then
  head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n' >"$idfile"
fi
cluster_id="$(cat "$idfile")"

# format + launch the nodes in parallel (each up.sh returns once its JVM is started)
launch=()
for n in "${nodes[@]}"; do
  SLUICE_KAFKA_CLUSTER_ID="$cluster_id" SLUICE_KAFKA_NO_WAIT=1 cluster_node_env "$n" bash "$KAFKA_SCRIPTS_DIR/up.sh" &
  launch+=($!)
done
for p in "${launch[@]}"; do wait "$p" || { kafka_log "a node failed to launch"; exit 1; }; done

bootstrap="$(cluster_bootstrap)"
deadline=$(( $(date +%s) + SLUICE_KAFKA_START_TIMEOUT ))
dump_and_fail() {
  kafka_log "$1"
  for n in "${nodes[@]}"; do
    f="$SLUICE_KAFKA_CLUSTER_STATE/node-$n/logs/server.log"
    [ -s "$f" ] && { echo "----- node $n: tail -n 25 $f" >&2; tail -n 25 "$f" >&2; }
  done
  kafka_log "stop with: bash scripts/kafka/cluster-down.sh"
  exit 1
}
for n in "${nodes[@]}"; do
  port="$(cluster_port "$n")"
  until kafka_port_open "$SLUICE_KAFKA_HOST" "$port"; do
    # shellcheck disable=SC2016  # expanded by the inner bash, with node n's env
    cluster_node_env "$n" bash -c 'source "$0/env.sh"; kafka_pid_alive "$SLUICE_KAFKA_PIDFILE" >/dev/null' "$KAFKA_SCRIPTS_DIR" \
      || dump_and_fail "node $n exited during startup"
    [ "$(date +%s)" -lt "$deadline" ] || dump_and_fail "node $n did not open port $port in time"
    sleep 0.3
  done
done
# all three brokers registered and serving metadata
until [ "$(SLUICE_KAFKA_TOOL_TIMEOUT=20 bash "$KAFKA_SCRIPTS_DIR/tool.sh" kafka-broker-api-versions --bootstrap-server "$bootstrap" 2>/dev/null | grep -c '(id: [0-9]* rack')" = "${#SLUICE_KAFKA_CLUSTER_NODES[@]}" ]; do
  [ "$(date +%s)" -lt "$deadline" ] || dump_and_fail "cluster did not register ${#SLUICE_KAFKA_CLUSTER_NODES[@]} brokers within ${SLUICE_KAFKA_START_TIMEOUT}s"
  sleep 0.5
done
kafka_log "cluster ready after $(( $(date +%s) - t0 ))s: --bootstrap-server $bootstrap (stop: bash scripts/kafka/cluster-down.sh)"
