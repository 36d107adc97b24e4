#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""'status --prom FILE' (a pinned 'start' session has no loader to write --prom every
interval): the file passes 'promtool check metrics'; it names the session with its kdamond
on; its reporter counters lie between the pinned stats map read (bpftool) before it was
written and after; a stopped session leaves an exposition without it; '--json --prom' is a
usage error (64), a directory that does not exist a runtime one (1), and neither writes."""
import os
import subprocess
import sys
import tempfile
import time
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../lib"))
from dbtest import *  # noqa: E402,F403

PIN = "/sys/fs/bpf/damon-bpf/sp/stats"
# metric, its label, the pinned map's counter
COUNTERS = (("damon_bpf_reporter_seen_total", "seen"),
            ("damon_bpf_reporter_reported_total", "reported"))


def pinned(name):
    return sum(v[name] for v in pinned_stats(PIN))


def status_prom(path):
    return subprocess.run([LOADER, "status", "--prom", path], capture_output=True, text=True)


tmp = tempfile.mkdtemp(prefix="status-prom-")
path = os.path.join(tmp, "damon-bpf.prom")
with Workload("f:2M@0", "c:4M", duration=60) as w:
    run([LOADER, "start", "sp", "--pid", str(w.pid)])
    time.sleep(2)
    before = {c: pinned(c) for _, c in COUNTERS}
    p = status_prom(path)
    after = {c: pinned(c) for _, c in COUNTERS}
    check(p.returncode == 0, "status --prom: exit 0 (%s)" % p.stderr.strip())
    text = open(path).read() if os.path.exists(path) else ""
    rc, out = promtool(text)
    check(rc == 0, "promtool check metrics: clean (%s)" % out)
    s = prom_parse(text)[0]
    on = [v for n, lb, v in s if n == "damon_bpf_session_kdamond_on" and lb["session"] == "sp"]
    check(on == [1.0], "the session's kdamond is on (%s)" % on)
    for metric, c in COUNTERS:
        v = [v for n, lb, v in s if n == metric and lb["session"] == "sp"]
        log("  %s: pinned %d before, file %s, pinned %d after" % (c, before[c], v, after[c]))
        check(len(v) == 1 and before[c] <= v[0] <= after[c] and v[0] > 0,
              "%s from the pinned map (%d <= %s <= %d)" % (c, before[c], v, after[c]))
    check(not [f for f in os.listdir(tmp) if f != "damon-bpf.prom"], "no temporary file left")
    p = subprocess.run([LOADER, "status", "--json", "--prom", path], capture_output=True,
                       text=True)
    check(p.returncode == 64, "--json --prom: usage error (%d)" % p.returncode)
    p = status_prom(os.path.join(tmp, "nodir", "x.prom"))
    check(p.returncode == 1 and "nodir" in p.stderr, "a missing directory: exit 1 (%d, %s)" %
          (p.returncode, p.stderr.strip()))
    run([LOADER, "stop", "sp"])
    p = status_prom(path)
    text = open(path).read()
    check(p.returncode == 0 and 'session="sp"' not in text,
          "after stop: the file no longer names the session")
os.unlink(path)
os.rmdir(tmp)
done()
