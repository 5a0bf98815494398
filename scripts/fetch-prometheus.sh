#!/usr/bin/env bash
# Puts Debian's Prometheus and promtool binaries where the tests find them, without installing the
# package: `apt-get download` fetches the .deb (19 MB) and `dpkg-deb -x` unpacks it into a cache
# folder. Installing it instead would start a Prometheus service on port 9090 of the machine
# (and pull prometheus-node-exporter), which a test run must not do. The metrics e2e test
# (tests/e2e/metrics_e2e_test.cc) runs this Prometheus against real nodes and checks every
# scrape with `promtool check metrics`; CMake looks for both under the folder printed here.
# Idempotent: does nothing when the binaries are there. Prints the folder of the binaries.
set -euo pipefail

dir=${CRDTDB_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/crdtdb-tools}/prometheus
bin="$dir/usr/bin"
if [ -x "$bin/prometheus" ] && [ -x "$bin/promtool" ]; then
  echo "$bin"
  exit 0
fi

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
# apt-get download runs as the calling user into the current folder; a fresh machine may have
# empty package lists, so update them once if the first try finds nothing.
if ! (cd "$scratch" && apt-get download -q prometheus >/dev/null 2>&1); then
  sudo_cmd=()
  if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
  "${sudo_cmd[@]}" apt-get update -q >&2
  (cd "$scratch" && apt-get download -q prometheus >&2)
fi
mkdir -p "$dir.partial"
dpkg-deb -x "$scratch"/prometheus_*.deb "$dir.partial"
# Replaced whole, so that an interrupted unpack is never taken for a complete one.
rm -rf "$dir"
mv "$dir.partial" "$dir"
echo "$bin"
