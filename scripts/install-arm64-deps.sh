#!/usr/bin/env bash
# Installs the cross toolchain, qemu-user and the arm64 (multiarch) libraries the ARM build and
# tests need. libcpuinfo-dev cannot be co-installed for two architectures, so only its runtime
# library is taken for arm64 (the header comes from the native package).
set -euo pipefail
bash "$(dirname "$0")/install-deps.sh"
sudo_prefix=()
[ "$(id -u)" -eq 0 ] || sudo_prefix=(sudo)
export DEBIAN_FRONTEND=noninteractive
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
  "${sudo_prefix[@]}" dpkg --add-architecture arm64
fi
packages=(g++-aarch64-linux-gnu qemu-user libopenblas-dev:arm64 liblapacke-dev:arm64
          libfmt-dev:arm64 libsleef-dev:arm64 libgtest-dev:arm64 libgmock-dev:arm64
          libcpuinfo0:arm64 libpcre2-dev:arm64)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  "${sudo_prefix[@]}" apt-get update -q
  "${sudo_prefix[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
