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

# The series is kept on one Debian release of linux-source-6.12 (kernel/debian-source); a
# security update of the package can move its context (6.12.118 did), so that release is
# installed while the archive still has it, and a newer one only with a warning.
src_pkg=linux-source-6.12
src_want=$(sed -n 's/^[[:space:]]*\([^#[:space:]][^[:space:]]*\).*/\1/p' \
	"$(dirname "$0")/../kernel/debian-source" | head -n 1)
src_have=$(dpkg-query -W -f='${Version}' "$src_pkg" 2>/dev/null || true)

# The source package is handled on its own below: its version matters, not only its presence.
missing=()
for p in "${pkgs[@]}"; do
	[ "$p" = "$src_pkg" ] && continue
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ] && [ "$src_have" = "$src_want" ]; then
	echo "  DEPS    all ${#pkgs[@]} packages present ($src_pkg $src_have)"
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	[ -n "$src_have" ] || missing+=("$src_pkg")
	[ ${#missing[@]} -eq 0 ] || {
		echo "deps.sh: missing packages: ${missing[*]}; run 'make deps' as root" >&2
		exit 1
	}
	echo "deps.sh: warning: $src_pkg is $src_have, the series is kept on $src_want (run 'make deps' as root)" >&2
	exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
if [ "$src_have" != "$src_want" ]; then
	if apt-cache madison "$src_pkg" | awk '{ print $3 }' | grep -qxF "$src_want"; then
		echo "  DEPS    $src_pkg=$src_want (the series' release; was: ${src_have:-none})"
		apt-get install -y -qq --no-install-recommends --allow-downgrades \
			"$src_pkg=$src_want" >/dev/null
	else
		echo "deps.sh: warning: the archive no longer has $src_pkg $src_want (kernel/debian-source);" \
		     "using ${src_have:-the newest}: 'make kernel' says whether the series still applies" >&2
		[ -n "$src_have" ] || missing+=("$src_pkg")
	fi
fi
[ ${#missing[@]} -eq 0 ] && exit 0
echo "  DEPS    installing: ${missing[*]}"
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
