#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Install what damon-bpf needs to build and test, from Debian's packages. Idempotent.
set -euo pipefail

pkgs=(make gcc clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev libzstd-dev pkg-config
      pahole linux-source-6.12 qemu-system-x86 busybox-static flex bison bc libssl-dev cpio
      ccache python3 python3-ply python3-git kmod libclang-rt-14-dev libpng-dev python3-png file
      # make man and its test: help2man, groff, man
      help2man groff-base man-db
      # the systemd unit's test: systemd-analyze verify, strace (the unit's syscall filter)
      systemd strace
      # promtool, which checks the --prom metrics files in the tests
      prometheus
      # make deb and its test
      dpkg-dev lintian
      # make kernel-deb: Debian's kernel config, bindeb-pkg's build dependencies
      linux-config-6.12 debhelper rsync xz-utils zstd)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	echo "  DEPS    all ${#pkgs[@]} packages present"
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: missing packages: ${missing[*]}; run 'make deps' as root" >&2
	exit 1
fi
echo "  DEPS    installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
