#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Manage the patched 6.12 tree: unpack Debian's source as a git repo, apply kernel/patches,
# configure (tinyconfig + fragments) and build bzImage out of tree.
#
#   scripts/kernel.sh tree                 unpack (once) and bring the series up to date
#   scripts/kernel.sh build OBJ FRAG...    configure OBJ from the fragments and build bzImage
#   scripts/kernel.sh export               write the tree's commits back to kernel/patches/
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
# KERNEL_SRC: build another work tree of the same repo (e.g. a git worktree at a commit).
src=${KERNEL_SRC:-$top/build/linux-src}
tarball=${KERNEL_TARBALL:-/usr/src/linux-source-6.12.tar.xz}
base_tag=damon-bpf-base
stamp=$src/.git/damon-bpf-series
# Which Debian source the tree was unpacked from: a new linux-source-6.12 release means a new
# base, not just new patches on the old one.
tarball_stamp=$src/.git/damon-bpf-tarball
# The commit the series was last applied or exported at: anything after it is local work.
head_stamp=$src/.git/damon-bpf-head
git_id=(-c user.name=damon-bpf -c user.email=damon-bpf@localhost -c commit.gpgsign=false)

die() { echo "kernel.sh: $*" >&2; exit 1; }

series_hash() {
	local f
	shopt -s nullglob
	for f in "$top"/kernel/patches/*.patch; do
		printf '%s\n' "$(basename "$f")"
		cat "$f"
	done | sha256sum | cut -d' ' -f1
}

# The Debian version of the tarball when it is the package's, else its checksum.
tarball_id() {
	local ver
	if [ "$tarball" = /usr/src/linux-source-6.12.tar.xz ] &&
	   ver=$(dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null) && [ -n "$ver" ]; then
		echo "linux-source-6.12 $ver"
	else
		echo "sha256 $(sha256sum < "$tarball" | cut -d' ' -f1)"
	fi
}

# A tree unpacked from another release is replaced, but only when it holds nothing but the
# series (or not even that, after the series failed to apply): uncommitted changes and commits
# not exported to kernel/patches/ are never thrown away.
check_base() {
	local want=$1 have
	have=$(cat "$tarball_stamp" 2>/dev/null || echo "an unrecorded release")
	[ "$want" = "$have" ] && return 0
	local head
	head=$(git -C "$src" rev-parse HEAD)
	if [ -n "$(git -C "$src" status --porcelain)" ] ||
	   { [ "$head" != "$(cat "$head_stamp" 2>/dev/null)" ] &&
	     [ "$head" != "$(git -C "$src" rev-parse "$base_tag")" ]; }; then
		die "${src#"$top"/} was unpacked from $have, $tarball is $want, and the tree has work not in kernel/patches/: commit and export it ('make kernel-patches') or drop it (rm -rf ${src#"$top"/}), then run 'make kernel' again"
	fi
	echo "  REBASE  ${src#"$top"/}: $have -> $want"
	rm -rf "$src"
}

cmd_tree() {
	local id=
	[ -f "$tarball" ] && id=$(tarball_id)
	[ -d "$src/.git" ] && [ -n "$id" ] && check_base "$id"
	if [ ! -d "$src/.git" ]; then
		[ -n "$id" ] || die "$tarball missing: run 'make deps' (package linux-source-6.12)"
		echo "  UNPACK  $(basename "$tarball") ($id)"
		rm -rf "$src" "$top/build/linux-source-6.12"
		mkdir -p "$top/build"
		# -m: files get the time of unpacking, so that objects built from another release's
		# files are older than every source and get rebuilt.
		tar -C "$top/build" -m -xf "$tarball"
		mv "$top/build/linux-source-6.12" "$src"
		git -C "$src" init -q
		git -C "$src" add -A -f
		git "${git_id[@]}" -C "$src" commit -q -m "Debian $id ($(basename "$tarball"))"
		echo "$id" > "$tarball_stamp"
		git -C "$src" tag "$base_tag"
		# Debian's .gitignore hides the whole top level; un-hide it in this work tree only so
		# that new files of the series show up in 'git status'.
		sed -i '/^# Debian packaging/,$d' "$src/.gitignore"
		git -C "$src" update-index --skip-worktree .gitignore
	fi
	local want have
	want=$(series_hash)
	have=$(cat "$stamp" 2>/dev/null || true)
	[ "$want" = "$have" ] && return 0
	if [ -n "$(git -C "$src" status --porcelain)" ]; then
		die "build/linux-src has uncommitted changes and kernel/patches/ changed: commit them there and run 'make kernel-patches', or discard them (git -C build/linux-src reset --hard)"
	fi
	echo "  SERIES  $(ls "$top"/kernel/patches/*.patch 2>/dev/null | wc -l) patches"
	git -C "$src" checkout -q -B damon-bpf "$base_tag"
	shopt -s nullglob
	local patches=("$top"/kernel/patches/*.patch)
	if [ ${#patches[@]} -gt 0 ]; then
		if ! git "${git_id[@]}" -C "$src" am -q --keep-cr "${patches[@]}"; then
			git -C "$src" am --abort || true
			die "kernel/patches does not apply to the Debian source (see above)"
		fi
	fi
	echo "$want" > "$stamp"
	git -C "$src" rev-parse HEAD > "$head_stamp"
}

cmd_build() {
	local obj=$1; shift
	mkdir -p "$obj"
	local frags=("$@") fhash
	fhash=$(cat "${frags[@]}" | sha256sum | cut -d' ' -f1)
	if [ ! -f "$obj/.config" ] || [ "$(cat "$obj/.damon-bpf-config" 2>/dev/null)" != "$fhash" ]; then
		echo "  CONFIG  tinyconfig + ${frags[*]#"$top"/}"
		make -s -C "$src" O="$obj" tinyconfig >/dev/null
		(cd "$obj" && "$src/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" "${frags[@]}") >/dev/null
		make -s -C "$src" O="$obj" olddefconfig >/dev/null
		# Every option the fragments ask for must have landed.
		local line sym missing=0
		while IFS= read -r line; do
			case "$line" in CONFIG_*=*) ;; *) continue ;; esac
			sym=${line%%=*}
			if ! grep -qx "$line" "$obj/.config"; then
				echo "kernel.sh: $line requested but .config has: $(grep -E "^(# )?$sym[= ]" "$obj/.config" || echo unset)" >&2
				missing=1
			fi
		done < <(cat "${frags[@]}")
		[ $missing -eq 0 ] || die "config fragments did not apply (dependencies missing?)"
		echo "$fhash" > "$obj/.damon-bpf-config"
	fi
	local cc=gcc
	command -v ccache >/dev/null && cc="ccache gcc"
	# Cache hits across clones at other paths (CI builds in a fresh clone): paths under the
	# repo become relative, and the working directory is left out of the hash.
	export CCACHE_BASEDIR=$top CCACHE_NOHASHDIR=1
	export KBUILD_BUILD_TIMESTAMP='2026-01-01' KBUILD_BUILD_USER=damon-bpf KBUILD_BUILD_HOST=build
	make -C "$src" O="$obj" -j"$(($(nproc) + 1))" CC="$cc" ${V:+V=$V} bzImage
}

cmd_export() {
	[ -d "$src/.git" ] || die "no tree: run 'make kernel' first"
	if [ -n "$(git -C "$src" status --porcelain)" ]; then
		die "build/linux-src has uncommitted changes: commit them first (one logical change per commit)"
	fi
	rm -f "$top"/kernel/patches/*.patch
	git -C "$src" format-patch -q --no-signature --zero-commit -N -o "$top/kernel/patches" "$base_tag"..HEAD
	series_hash > "$stamp"
	git -C "$src" rev-parse HEAD > "$head_stamp"
	ls "$top"/kernel/patches
}

case "${1:-}" in
tree) cmd_tree ;;
build) shift; cmd_build "$@" ;;
export) cmd_export ;;
*) die "usage: $0 tree | build OBJ FRAGMENT... | export" ;;
esac
