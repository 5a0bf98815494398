#!/usr/bin/env bash
# Copyright (c) crdtdb authors.
#
# The instructions each node of a scale_bench run executes, counted by valgrind's callgrind (user
# space, every thread of the node, start to exit), summed per region and set against the region
# of one node in the same run. On a machine whose cores are shared, CPU time swings with the other
# jobs (docs/benchmarks.md, "Scale-out"); instruction counts do not, so they show whether adding
# nodes divides the nodes' own work. They leave out the kernel's (system calls, wake-ups), which
# CPU time has.
#
#   bench/scale_instructions.sh BUILD_DIR [scale_bench options...]
#
# e.g. bench/scale_instructions.sh build-release --quick --writes 40000 --only scale (~6 min on 2
# vCPUs: every node runs ~50x slower). Needs valgrind (not in install-deps: a measurement tool,
# not a build or CI dependency). Each node's counts include its start, its idle timers over the
# run's length (stretched by valgrind) and its shutdown; the rows of scale_bench itself (CPU time
# of slowed processes) mean nothing here.
set -euo pipefail

if [[ $# -lt 1 ]]; then
  echo "usage: $0 BUILD_DIR [scale_bench options...]" >&2
  exit 2
fi
build=$1
shift
command -v valgrind >/dev/null || { echo "$0: valgrind is not installed" >&2; exit 2; }
crdtdb=$(realpath "$build/src/cli/crdtdb")
bench=$(realpath "$build/bench/scale_bench")

work=$(mktemp -d "${TMPDIR:-/tmp}/scale_instructions.XXXXXX")
trap 'rm -rf "$work"' EXIT
cat >"$work/serve.sh" <<EOF
#!/bin/sh
exec valgrind --tool=callgrind --quiet --callgrind-out-file=$work/callgrind.%p $crdtdb "\$@"
EOF
chmod +x "$work/serve.sh"

"$bench" --crdtdb "$work/serve.sh" --dir "$work/stores" "$@" >"$work/rows.json" 2>"$work/bench.log" ||
  { cat "$work/bench.log" >&2; exit 1; }

# One line per node: region, node ("-" for a one-node region), instructions.
for f in "$work"/callgrind.*; do
  region=$(sed -n 's/^cmd:.* --region \([^ ]*\).*/\1/p' "$f")
  node=$(sed -n 's/^cmd:.* --node \([^ ]*\).*/\1/p' "$f")
  total=$(sed -n 's/^summary: *//p' "$f")
  echo "$region ${node:--} $total"
done | sort | awk '
  # The region of one node a region is set against: "one" for the scale group, "r1" for the
  # stream group'"'"'s readers ("r4"), "w1" for its writers.
  function base(r,   b) { b = r; if (!sub(/[0-9]+$/, "1", b)) b = "one"; return b }
  { sum[$1] += $3; if ($3 > max[$1]) max[$1] = $3; nodes[$1]++; printf "%-8s %-8s %15.0f\n", $1, $2, $3 }
  END {
    print "\n| region | nodes | instructions summed | vs one node | busiest node | vs one node |"
    print "|---|---:|---:|---:|---:|---:|"
    for (r in sum) {
      b = base(r)
      if (b in sum) {
        printf "| %s | %d | %.0f | %.3fx | %.0f | %.3fx |\n", r, nodes[r], sum[r], sum[r] / sum[b], max[r], max[r] / sum[b]
      } else {
        printf "| %s | %d | %.0f | | %.0f | |\n", r, nodes[r], sum[r], max[r]
      }
    }
  }'
