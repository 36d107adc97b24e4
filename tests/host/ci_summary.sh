#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# .ci/run's last line is its summary, and a non-zero exit never reads "0 failed".  .ci/run is
# run from a scratch copy of the repository's .ci/ with a stand-in 'make' first on PATH
# (a real failing 'make check' cannot be ordered), one case a line: what 'make check' prints
# and exits with, what .ci/run must print last and exit with.
set -uo pipefail
top=${DB_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/repo/.ci" "$tmp/bin"
cp "$top/.ci/run" "$tmp/repo/.ci/run"
fail=0
# case: deps exit | check's summary line ('' for none) | check exit | last line | exit
while IFS='|' read -r deps line rc want wrc; do
	cat > "$tmp/bin/make" <<MAKE
#!/usr/bin/env bash
[ "\$1" = deps ] && exit $deps
echo "PASS something"
[ -n "$line" ] && echo "$line"
echo "make: *** [Makefile:194: check] Error 1" >&2
exit $rc
MAKE
	chmod +x "$tmp/bin/make"
	out=$(cd "$tmp" && PATH="$tmp/bin:$PATH" bash "$tmp/repo/.ci/run" 2>&1)
	got=$?
	last=$(printf '%s\n' "$out" | tail -n 1)
	if [ "$last" = "$want" ] && [ "$got" -eq "$wrc" ]; then
		echo "  ok   make check '$line' exit $rc: '$last', exit $got"
	else
		echo "  FAIL make check '$line' exit $rc: last line '$last' (want '$want'), exit $got (want $wrc)"
		fail=1
	fi
	# a summary line only once, last
	n=$(printf '%s\n' "$out" | grep -cE '^[0-9]+ passed, [0-9]+ failed')
	[ "$n" -eq 1 ] || { echo "  FAIL '$line': $n summary lines"; fail=1; }
done <<'CASES'
0|5 passed, 0 failed, 0 skipped|0|5 passed, 0 failed, 0 skipped|0
0|5 passed, 0 failed, 0 skipped|2|5 passed, 1 failed, 0 skipped|2
0|4 passed, 2 failed, 0 skipped|2|4 passed, 2 failed, 0 skipped|2
0||2|0 passed, 1 failed|2
1||0|0 passed, 1 failed|1
CASES
exit $fail
