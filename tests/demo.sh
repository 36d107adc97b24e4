#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# make demo: runs in the test guest (tests/vm/run --cmd).  A workload writes region W on CPU 0
# and reads region R on CPU 1 (faulting on every pass), and leaves region C cold; damon-bpf
# monitors it three ways: everything, CPU 0 only, writes only; then records 10 s of it into
# the results share ($DB_OUT/demo.dbr: build/demo/ on the host, where make demo draws it).
B=$DB_BUILD
rm -f "$DB_OUT/demo.dbr"
$B/workloads/workload --ticker 2 --region f:2M@0 --region c:4M --region q:2M@1 --duration 90 \
	> /tmp/demo.json &
wl=$!
sleep 1
pid=$(sed -n '1s/.*"pid": \([0-9]*\).*/\1/p' /tmp/demo.json)
python3 - /tmp/demo.json <<'PY'
import json, sys
t = json.loads(open(sys.argv[1]).readline())
names = {"f": "W (written by CPU 0)", "c": "C (cold)", "q": "R (read by CPU 1)"}
print("\nworkload pid %d:" % t["pid"])
for r in t["regions"]:
    print("  %-22s %x-%x" % (names[r["mode"]], r["start"], r["end"]))
PY
show() {
	echo
	echo "\$ damon-bpf monitor --pid $pid $* --duration 3s --top 4"
	$B/damon-bpf monitor --pid "$pid" "$@" --duration 3s --top 4 2>&1 | tail -n 8
}
show
show --cpus 0
show --write-only
echo
echo "W shows only under CPU0 and as writes; R only under CPU1 and as reads; C never."
echo
echo "\$ damon-bpf monitor --pid $pid --record demo.dbr --duration 10s --interval 500ms"
$B/damon-bpf monitor --pid "$pid" --record "$DB_OUT/demo.dbr" --duration 10s --interval 500ms \
	> /dev/null 2>&1 || echo "demo: the recording failed"
kill $wl
wait $wl 2>/dev/null
