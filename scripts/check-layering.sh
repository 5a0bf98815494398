#!/usr/bin/env bash
# Checks the direction of dependencies between modules by grepping #include lines. Arrows point
# one way: cli -> server -> http -> command (and capi, the C ABI, beside it) -> net -> db -> {sync, store} -> query -> cluster -> merkle -> crdt -> config -> metrics -> util. src/query
# (selectors, collation, the scan plan) works on JSON values only and reads documents through a
# callback, so the database (and later an index) feeds it. src/metrics (counters
# in the Prometheus format: atomics and a mutex, no dependency) ranks just above util, src/config (the
# region file) above it: it includes util and metrics only, and any module above may use it. src/cluster
# (partitions and their placement) computes from the config and the Merkle tree's shape.
#
#   - src/util, src/config, src/crdt, src/merkle, src/cluster and src/query are pure values: no LevelDB, ZeroMQ, <thread>
#     or <mutex> (src/config reads its one file, with yaml-cpp);
#   - src/store is the only module that includes LevelDB, and it includes no ZeroMQ;
#   - include/crdtdb is the public API: no LevelDB, ZeroMQ, CLI11, msgpack or nlohmann header, and
#     no header from src/ (only "crdtdb/..." and the standard library);
#   - a module never includes a header of a module above it. Modules of the same rank (sync, store)
#     are not checked against each other here.
#
# Usage: scripts/check-layering.sh [ROOT]   (ROOT defaults to the repository). Prints every
# violation as FILE:LINE: reason, and exits 1 if there is any.
set -euo pipefail

root="${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
cd "$root"

violations=0

# report DIR ERE REASON: every #include in DIR's C++ files whose target matches ERE is a violation.
report() {
  local dir="$1" pattern="$2" reason="$3" hits
  [ -d "$dir" ] || return 0
  hits="$(grep -rnE --include='*.h' --include='*.hpp' --include='*.cc' --include='*.cpp' \
    "^[[:space:]]*#[[:space:]]*include[[:space:]]*[<\"]($pattern)" "$dir" || true)"
  if [ -n "$hits" ]; then
    local file rest text
    while IFS= read -r line; do
      file="${line%%:*}" rest="${line#*:}"
      text="${rest#*:}"
      echo "${file}:${rest%%:*}: ${reason}: ${text#"${text%%[![:space:]]*}"}"
    done <<<"$hits"
    violations=$((violations + $(wc -l <<<"$hits")))
  fi
}

leveldb='leveldb/'
zmq='zmq\.h|zmq\.hpp|zmq_addon\.hpp|zmq_utils\.h'
threads='thread>|mutex>|shared_mutex>|condition_variable>|future>'

for dir in src/util src/config src/crdt src/merkle src/cluster src/query; do
  report "$dir" "$threads" "no threads or locks in ${dir}"
done
# ZeroMQ lives in the transport (src/net) and the region server only; the protocol is sans-IO.
for dir in src/*/; do
  dir="${dir%/}"
  case "$dir" in src/net | src/server) ;; *) report "$dir" "$zmq" "ZeroMQ belongs in src/net and src/server only" ;; esac
done
for dir in src/*/; do
  dir="${dir%/}"
  [ "$dir" = src/store ] || report "$dir" "$leveldb" "LevelDB belongs in src/store only"
done

report include/crdtdb "$leveldb|$zmq|CLI/|msgpack|nlohmann/|httplib\.h|openssl/" "no third-party header in the public API"
report include/crdtdb "(util|metrics|config|crdt|merkle|query|store|sync|db|net|capi|command|http|server|cli)/" "the public API includes no src/ header"
# The C ABI stands on the public C++ API alone, as an app would.
report src/capi "(util|metrics|config|crdt|merkle|cluster|query|sync|store|db|net)/" "src/capi uses only the public API (crdtdb/)"

# Module ranks, lowest first. A module may include its own rank and those below.
ranks=("util" "metrics" "config" "crdt" "merkle" "cluster" "query" "sync store" "db" "net" "command capi" "http" "server" "cli")
for ((i = 0; i < ${#ranks[@]}; i++)); do
  above=()
  for ((j = i + 1; j < ${#ranks[@]}; j++)); do above+=(${ranks[j]}); done
  [ ${#above[@]} -gt 0 ] || continue
  pattern="$(IFS='|'; echo "${above[*]}")"
  for module in ${ranks[i]}; do
    report "src/$module" "($pattern)/" "src/$module must not include a higher module"
  done
done

if [ "$violations" -ne 0 ]; then
  echo "check-layering: ${violations} violation(s)" >&2
  exit 1
fi
echo "check-layering: OK"
