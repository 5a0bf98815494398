#!/usr/bin/env bash
# Runs every check crdtdb has, as CI does (.ci/run): installs missing packages, checks the module
# layering, then builds and runs all tests twice: in build/ (RelWithDebInfo, `dev` preset) and in
# build-asan/ (AddressSanitizer + UndefinedBehaviorSanitizer, `asan` preset); then runs each
# libFuzzer target for 10 s (clang, `fuzz` preset, scripts/fuzz.sh) and checks the installed
# package. Stops at the first failure. Works from any directory; uses at most 2 build jobs (CMakePresets.json).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

started=$(date +%s)
step() { printf '\n==> %s (%ds)\n' "$*" "$(($(date +%s) - started))"; }

step "installing dependencies"
scripts/install-deps.sh

step "checking module layering"
scripts/check-layering.sh

for preset in dev asan; do
  step "configuring and building the '${preset}' preset"
  cmake --preset "$preset"
  cmake --build --preset "$preset"
  step "running the tests of the '${preset}' preset"
  ctest --preset "$preset"
done
step "fuzzing every target for 10 s"; scripts/fuzz.sh 10
step "checking the installed package"; CRDTDB_BUILD_DIR=build scripts/test-install.sh

step "all checks passed"
