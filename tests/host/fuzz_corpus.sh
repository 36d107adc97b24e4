#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Each libFuzzer target (tests/fuzz/fuzz_*.c) over its seed corpus once: the spec reader, the
# record-file reader and the option parsers must take every seed without a crash, a leak, an
# ASan/UBSan report or a failed round trip.  Builds the targets first (make fuzz-build).
set -uo pipefail
top=${DB_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
make --no-print-directory -C "$top" fuzz-build >/dev/null || { echo "fuzz-build failed"; exit 1; }
fail=0
for src in "$top"/tests/fuzz/fuzz_*.c; do
	t=$(basename "$src" .c)
	t=${t#fuzz_}
	seeds=("$top/tests/fuzz/corpus/$t"/*)
	if [ ! -e "${seeds[0]}" ]; then
		echo "FAIL fuzz_$t: no seed corpus in tests/fuzz/corpus/$t"
		fail=1
		continue
	fi
	out=$("$top/build/fuzz/fuzz_$t" "${seeds[@]}" 2>&1)
	rc=$?
	if [ $rc -ne 0 ]; then
		echo "FAIL fuzz_$t (exit $rc):"
		echo "$out" | tail -n 30
		fail=1
	else
		echo "ok   fuzz_$t: ${#seeds[@]} seed(s)"
	fi
done
exit $fail
