#!/usr/bin/env bash
# Installs the Debian 12 packages bitnet-core builds and tests with.
set -euo pipefail
packages=(
  build-essential cmake ninja-build ccache pkg-config git
  libopenblas-dev liblapacke-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libcli11-dev libfmt-dev nlohmann-json3-dev libpcre2-dev
  libcpuinfo-dev libsleef-dev
  libmimalloc-dev libjemalloc-dev libgoogle-perftools-dev
  libdnnl-dev
  clang-14 libclang-rt-14-dev
  nodejs
  python3 python3.11-doc fortunes
)
# The oracle tests run npm packages we did not write (tests/interop/). Debian's nodejs has npm in a
# package of its own; NodeSource's nodejs bundles it and conflicts with Debian's, so ask for the
# package only where no npm is on the PATH.
command -v npm >/dev/null 2>&1 || packages+=(npm)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all packages present"
  exit 0
fi
sudo_prefix=()
[ "$(id -u)" -eq 0 ] || sudo_prefix=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_prefix[@]}" apt-get update -q
"${sudo_prefix[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
