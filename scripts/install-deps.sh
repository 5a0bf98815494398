#!/usr/bin/env bash
# Installs the Debian packages crdtdb needs to build, test and benchmark.
# Idempotent and fast when everything is present: it asks dpkg first and only calls apt-get
# (with an `apt-get update` first, as a fresh machine's package lists may be empty) for what is missing.
set -euo pipefail

packages=(
  build-essential cmake pkg-config ccache
  libzmq3-dev cppzmq-dev
  libmsgpack-cxx-dev
  libleveldb-dev libsnappy-dev
  libcli11-dev doctest-dev libyaml-cpp-dev
  nlohmann-json3-dev libxxhash-dev libzstd-dev
  zlib1g-dev  # bench/trace_bench reads the gzipped editing traces
  libcpp-httplib-dev libssl-dev curl
  python3
  # The console's browser test (tests/console): headless Chromium, driven over its DevTools pipe;
  # DejaVu so that its screenshots have readable text. About 120 MB to download, 20 s to install.
  chromium fonts-dejavu-core
  clang libclang-rt-14-dev llvm-14
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}" >&2
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -q
"${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
