#!/usr/bin/env bash
# Builds the libFuzzer targets (the `fuzz` preset, build-fuzz/) and runs each one for SECONDS
# (default 10, as CI does), two at a time on the machine's 2 cores: first every saved regression
# input of fuzz/regressions/<target>/, then fuzzing from a copy of the seeds of fuzz/corpus/<target>/
# in a temporary directory (the repository's corpus is never written). Fails on any crash, broken
# property, leak, timeout or memory blow-up; the input that failed is kept in build-fuzz/artifacts/
# and the command that replays it is printed. Long runs: fuzz/README.md.
#
#   scripts/fuzz.sh [SECONDS]
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

seconds="${1:-10}"
if ! [[ "$seconds" =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: scripts/fuzz.sh [SECONDS]" >&2
  exit 2
fi

# The largest input each target is given: room for its biggest useful message, and no more, as
# longer inputs only slow it down.
declare -A max_len=(
  [message_decoder]=16384
  [document_decoder]=8192
  [delta_decoder]=8192
  [json_input]=4096
  [cluster_config]=4096
  [anti_entropy]=32768
  [responder]=16384
)
targets=(message_decoder document_decoder delta_decoder json_input cluster_config anti_entropy responder)

cmake --preset fuzz >/dev/null
cmake --build --preset fuzz

work="$(mktemp -d "${TMPDIR:-/tmp}/crdtdb-fuzz.XXXXXX")"
trap 'rm -rf "$work"' EXIT
artifacts="$PWD/build-fuzz/artifacts"
mkdir -p "$artifacts"

export ASAN_OPTIONS="detect_leaks=1:quarantine_size_mb=64"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
# A single allocation above this is a bug at these input sizes; it is reported at once, with its
# stack. Growth by many small allocations is caught by -rss_limit_mb.
common=(-rss_limit_mb=2048 -malloc_limit_mb=512 -timeout=10 -print_final_stats=1)

# Runs one target; its output goes to $work/<target>.log.
run_target() {
  local target="$1" binary="build-fuzz/fuzz/fuzz_$1"
  local log="$work/$target.log" prefix="-artifact_prefix=$artifacts/$target-"
  local regressions=(fuzz/regressions/"$target"/*)
  if [ -e "${regressions[0]}" ]; then
    "$binary" "${common[@]}" "$prefix" "${regressions[@]}" >"$log" 2>&1 || return 1
  fi
  cp -r "fuzz/corpus/$target" "$work/corpus-$target"
  # A hung out-of-memory report (the sanitizer's heap profile can take minutes) counts as failure.
  timeout --kill-after=10 $((seconds + 120)) "$binary" "${common[@]}" -max_total_time="$seconds" \
    -max_len="${max_len[$target]}" "$prefix" \
    "$work/corpus-$target" >>"$log" 2>&1
}

report() {
  local target="$1" status="$2" log="$work/$1.log"
  if [ "$status" -eq 0 ]; then
    printf '%-17s ok   %s\n' "$target" \
      "$(grep -Eo 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -1), $(grep -E 'number_of_executed_units' "$log" | tail -1 | grep -Eo '[0-9]+$') runs"
    return 0
  fi
  printf '%-17s FAILED (exit %s)\n' "$target" "$status"
  grep -E -A40 'ERROR|runtime error|property broken' "$log" | head -60 || tail -40 "$log"
  local artifact
  # The failing input: a fuzzed one saved as an artifact, or else the regression file that ran last.
  artifact="$(grep -Eo "Test unit written to [^ ]+" "$log" | tail -1 | cut -d' ' -f5 || true)"
  if [ -z "$artifact" ]; then
    artifact="$(grep -Eo "^Running: [^ ]+" "$log" | tail -1 | cut -d' ' -f2 || true)"
  fi
  if [ -n "$artifact" ]; then
    echo "replay: build-fuzz/fuzz/fuzz_$target $artifact"
    echo "  (minimize: add -minimize_crash=1 -max_total_time=60; then save it as fuzz/regressions/$target/<name>)"
  fi
  return 1
}

failed=0
pending=()
for target in "${targets[@]}"; do
  run_target "$target" &
  pending+=("$target:$!")
  if [ "${#pending[@]}" -eq 2 ] || [ "$target" = "${targets[-1]}" ]; then
    for entry in "${pending[@]}"; do
      status=0
      wait "${entry#*:}" || status=$?
      report "${entry%%:*}" "$status" || failed=1
    done
    pending=()
  fi
done

if [ "$failed" -ne 0 ]; then
  echo "fuzz: FAILED" >&2
  exit 1
fi
echo "fuzz: all ${#targets[@]} targets ran ${seconds}s each without a failure"
