#!/bin/bash
# Installs the Debian packages the build, the tests and the benchmarks need.
# Quiet when everything is already present; uses apt-get otherwise (run as root).
set -euo pipefail

packages=(
    gcc make binutils libc6-dev     # host compiler, kernel toolchain
    musl-tools                      # static user programs (musl-gcc)
    qemu-system-x86                 # the VMM used for run and test
    cpio                            # initrd image
    python3 python3-pytest          # system tests
    libcmocka-dev                   # host unit tests
)
if [ "${1:-}" = "--bench" ]; then
    packages+=(ca-certificates)
fi

missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps: installing ${missing[*]}" >&2
if [ "$(id -u)" -ne 0 ]; then
    echo "deps: not root; install these packages by hand: ${missing[*]}" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# An empty or stale package list makes install fail; refresh it once if needed.
if ! apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1; then
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
