#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The patched kernel as Debian packages for real machines: the tree of scripts/kernel.sh
# (build/linux-src, Debian's linux-source-6.12 with kernel/patches), Debian's own config plus
# packaging/kernel/config, built with bindeb-pkg out of tree in a build dir of its own, apart
# from the tinyconfig test kernels.
#
#   packaging/kernel/kernel-deb.sh config OBJ BASE FRAG...
#       configure OBJ from Debian's config BASE (.xz or plain) and the fragments, check that
#       every option of the fragments landed, print the options the series needs
#   packaging/kernel/kernel-deb.sh build OBJ
#       bindeb-pkg in OBJ (hours on 2 cores): the packages land in OBJ/..
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
src=${KERNEL_SRC:-$top/build/linux-src}

die() { echo "kernel-deb.sh: $*" >&2; exit 1; }

# The compiler and the fixed build identity of scripts/kernel.sh's builds.  LOCALVERSION=
# (empty) keeps setlocalversion from adding "+" for the tree's git commits: the release is
# 6.12.x-damon-bpf, from CONFIG_LOCALVERSION.
build_env() {
	cc=gcc
	command -v ccache >/dev/null && cc="ccache gcc"
	export CCACHE_BASEDIR=$top CCACHE_NOHASHDIR=1
	export KBUILD_BUILD_TIMESTAMP='2026-01-01' KBUILD_BUILD_USER=damon-bpf KBUILD_BUILD_HOST=build
	kmake=(make -s -C "$src" O="$obj" CC="$cc" LOCALVERSION=)
}

# Every option the fragments ask for must have landed: "CONFIG_X=v" exactly, and
# "# CONFIG_X is not set" as X unset or not offered at all (its dependencies off).
check_fragments() {
	local line sym missing=0
	while IFS= read -r line; do
		case "$line" in
		CONFIG_*=*) sym=${line%%=*} ;;
		"# CONFIG_"*" is not set")
			sym=${line#\# }; sym=${sym%% *}
			grep -q "^$sym=" "$obj/.config" || continue ;;
		*) continue ;;
		esac
		if ! grep -qx "$line" "$obj/.config"; then
			echo "kernel-deb.sh: $line requested but .config has: $(grep -E "^(# )?$sym[= ]" "$obj/.config" || echo unset)" >&2
			missing=1
		fi
	done < <(cat "$@")
	[ $missing -eq 0 ] || die "the fragments did not apply (dependencies missing?)"
}

# Debian's config (linux-config-6.12's, or /boot/config-* of a Debian 6.12 kernel) with the
# build's compiler: CC changes CONFIG_CC_VERSION_TEXT and the options that depend on it.
cmd_config() {
	obj=$1 base=$2; shift 2
	local frags=("$@") fhash sym cc kmake
	[ -f "$base" ] || die "$base missing: run 'make deps' (package linux-config-6.12), or give DEBIAN_KCONFIG=/boot/config-6.12.x-amd64"
	[ -d "$src/.git" ] || die "no $src: run 'scripts/kernel.sh tree' (make kernel-deb-config does)"
	mkdir -p "$obj"
	build_env
	fhash=$( (cat "$base" "${frags[@]}"; echo "$cc") | sha256sum | cut -d' ' -f1)
	if [ ! -f "$obj/.config" ] || [ "$(cat "$obj/.damon-bpf-config" 2>/dev/null)" != "$fhash" ]; then
		# No stamp while .config is being made: a failed run must not pass for a good one.
		rm -f "$obj/.damon-bpf-config"
		echo "  CONFIG  $(basename "$base") + ${frags[*]#"$top"/}"
		case "$base" in
		*.xz) xzcat "$base" > "$obj/.config.debian" ;;
		*) cp "$base" "$obj/.config.debian" ;;
		esac
		(cd "$obj" && "$src/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config.debian" "${frags[@]}") >/dev/null
		"${kmake[@]}" olddefconfig >/dev/null
		check_fragments "${frags[@]}"
		echo "$fhash" > "$obj/.damon-bpf-config"
	fi
	echo "  RELEASE $("${kmake[@]}" kernelrelease)"
	# What the series and the loader need, as .config has it now.
	for sym in DAMON DAMON_VADDR DAMON_PADDR DAMON_SYSFS DAMON_FAULT DAMON_KUNIT_TEST \
		   NUMA_BALANCING NUMA MIGRATION TRANSPARENT_HUGEPAGE BPF_SYSCALL BPF_JIT \
		   BPF_EVENTS DEBUG_INFO_BTF PERF_EVENTS KUNIT; do
		grep -E "^(# )?CONFIG_$sym[= ]" "$obj/.config" | sed 's/^/          /' ||
			echo "          CONFIG_$sym not offered (its dependencies are off)"
	done
}

cmd_build() {
	obj=$1
	local cc kmake
	[ -f "$obj/.damon-bpf-config" ] || die "$obj is not configured: run 'make kernel-deb-config'"
	build_env
	# linux-image, linux-headers, linux-libc-dev and linux-image-dbg (Debian's config has
	# DEBUG_INFO, which BTF needs), version 6.12.x-1, in $obj/.. (build/).
	make -C "$src" O="$obj" -j"$(($(nproc) + 1))" CC="$cc" LOCALVERSION= ${V:+V=$V} \
		KDEB_PKGVERSION="$("${kmake[@]}" kernelversion)-1" bindeb-pkg
	ls -l "$obj"/../linux-*.deb
}

case "${1:-}" in
config) shift; [ $# -ge 3 ] || die "usage: $0 config OBJ BASE FRAGMENT..."; cmd_config "$@" ;;
build) shift; [ $# -eq 1 ] || die "usage: $0 build OBJ"; cmd_build "$@" ;;
*) die "usage: $0 config OBJ BASE FRAGMENT... | build OBJ" ;;
esac
