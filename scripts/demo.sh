#!/usr/bin/env bash
# The main job: installs missing packages, builds into build/ (`dev` preset) and runs
# examples/merge_demo, in which three replicas edit one document concurrently, exchange deltas in
# different orders and converge. Works from any directory.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/install-deps.sh
cmake --preset dev >/dev/null
cmake --build --preset dev --target merge_demo
echo
exec build/examples/merge_demo
