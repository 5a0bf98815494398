#!/usr/bin/env bash
# The main job: installs missing packages, builds the crdtdb binary into build/ (`dev` preset) and
# runs the multi-region simulation (scripts/simulate.py, docs/simulation.md) on regions.example.yaml:
# three regions as real `crdtdb serve` processes behind a userspace WAN emulator that imposes their
# one-way latencies, 75 s of writes in every region with a partition, a kill -9 and a one-way cut,
# then the verdict (converged, no acknowledged write lost), a summary, and where the HTML report is.
# Exit status is the simulation's (0: every check passed). Works from any directory; arguments go
# to simulate.py (e.g. `scripts/demo.sh --scenario scenarios/ci.yaml` for a 15 s run).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/install-deps.sh
cmake --preset dev >/dev/null
cmake --build --preset dev --target crdtdb
echo
exec python3 scripts/simulate.py "$@"
