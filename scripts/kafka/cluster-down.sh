#!/usr/bin/env bash
# Stop the 3-node cluster from cluster-up.sh (all nodes at once, so no node waits on a lost quorum).
#   bash scripts/kafka/cluster-down.sh                  # stop all nodes
#   bash scripts/kafka/cluster-down.sh --node 2         # stop only node 2 (failover drill)
#   SLUICE_KAFKA_STOP_TIMEOUT=0 bash scripts/kafka/cluster-down.sh --node 2   # SIGKILL at once (crash)
#   bash scripts/kafka/cluster-down.sh --wipe           # also delete all cluster data
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/cluster-env.sh"

nodes=("${SLUICE_KAFKA_CLUSTER_NODES[@]}")
wipe=()
while [ $# -gt 0 ]; do
  case "$1" in
    --node) nodes=("$2"); shift 2 ;;
    --wipe) wipe=(--wipe); shift ;;
    *) kafka_log "unknown option $1"; exit 2 ;;
  esac
done

pids=()
for n in "${nodes[@]}"; do
  cluster_node_env "$n" bash "$KAFKA_SCRIPTS_DIR/down.sh" ${wipe[@]+"${wipe[@]}"} 2>&1 | sed "s/^/[node $n] /" >&2 &
  pids+=($!)
done
rc=0
for p in "${pids[@]}"; do wait "$p" || rc=1; done
if [ -n "${wipe[*]:-}" ] && [ ${#nodes[@]} = ${#SLUICE_KAFKA_CLUSTER_NODES[@]} ]; then
  rm -rf "$SLUICE_KAFKA_CLUSTER_STATE"
fi
exit "$rc"
